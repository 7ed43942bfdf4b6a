// A structural patch between two JSON values, for the live board stream: after the first full
// snapshot a viewer is sent only what changed (a finding's state, a source's last success), not
// the whole board again. Objects are patched key by key; an array whose items are objects with a
// unique `id` (findings) or `name` (systems) is patched item by item with the new order; any
// other changed value is sent whole. applyPatch never changes its input: unchanged parts of the
// old value are shared with the new one.
//
// Encoding (kept short, it is sent to every viewer):
//   object patch  { s?: {key: value}, p?: {key: patch}, d?: [key] }   set / patch / delete
//   array patch   { k: "id" | "name", o?: [key], n?: [item], p?: {key: patch} }
//                 o: the new order (only when it changed), n: new items, p: patched items

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ObjectPatch {
  s?: Record<string, Json>;
  p?: Record<string, Patch>;
  d?: string[];
}
export interface ArrayPatch {
  k: string;
  o?: string[];
  n?: Json[];
  p?: Record<string, Patch>;
}
export type Patch = ObjectPatch | ArrayPatch;

/** A patch that cannot be applied to the value in hand: the receiver must fetch the whole value again. */
export class PatchMismatch extends Error {}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const ITEM_KEYS = ["id", "name"] as const;

/** The field that identifies every item of the array (present, a string, unique), if any. */
function itemKey(items: Json[]): string | undefined {
  for (const k of ITEM_KEYS) {
    const seen = new Set<string>();
    let ok = true;
    for (const item of items) {
      const v = isObject(item) ? item[k] : undefined;
      if (typeof v !== "string" || seen.has(v)) {
        ok = false;
        break;
      }
      seen.add(v);
    }
    if (ok) return k;
  }
  return undefined;
}

function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What turns `a` into `b`, or undefined when they are equal. Both must be objects or keyed arrays at the top. */
export function diff(a: Json, b: Json): Patch | undefined {
  if (isObject(a) && isObject(b)) return diffObject(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return diffArray(a, b);
  throw new TypeError("diff: both values must be objects, or arrays of items with a unique id or name");
}

/** A patch for a value inside an object: undefined when equal, "whole" when it must be sent whole. */
function diffValue(a: Json, b: Json): Patch | undefined | "whole" {
  if (isObject(a) && isObject(b)) return diffObject(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return diffArray(a, b) ?? (sameJson(a, b) ? undefined : "whole");
  return sameJson(a, b) ? undefined : "whole";
}

function diffObject(a: Record<string, Json>, b: Record<string, Json>): ObjectPatch | undefined {
  const out: ObjectPatch = {};
  for (const [k, bv] of Object.entries(b)) {
    if (bv === undefined) continue;
    if (!Object.hasOwn(a, k) || a[k] === undefined) {
      put((out.s ??= {}), k, bv);
      continue;
    }
    const d = diffValue(a[k]!, bv);
    if (d === "whole") put((out.s ??= {}), k, bv);
    else if (d) put((out.p ??= {}), k, d);
  }
  for (const k of Object.keys(a))
    if (a[k] !== undefined && (!Object.hasOwn(b, k) || b[k] === undefined)) (out.d ??= []).push(k);
  return out.s || out.p || out.d ? out : undefined;
}

/** undefined when equal or when the arrays are not keyed the same way (the caller then sends b whole). */
function diffArray(a: Json[], b: Json[]): ArrayPatch | undefined {
  const k = itemKey(b);
  if (!k || itemKey(a) !== k) return undefined;
  const before = new Map(a.map((item) => [(item as Record<string, Json>)[k] as string, item]));
  const out: ArrayPatch = { k };
  const order = b.map((item) => (item as Record<string, Json>)[k] as string);
  const oldOrder = a.map((item) => (item as Record<string, Json>)[k] as string);
  if (order.length !== oldOrder.length || order.some((id, i) => id !== oldOrder[i])) out.o = order;
  for (const item of b) {
    const id = (item as Record<string, Json>)[k] as string;
    const old = before.get(id);
    if (old === undefined) {
      (out.n ??= []).push(item);
      continue;
    }
    const d = diffValue(old, item);
    if (d === "whole") (out.n ??= []).push(item);
    else if (d) put((out.p ??= {}), id, d);
  }
  return out.o || out.n || out.p ? out : sameJson(a, b) ? undefined : { k, o: order, n: b };
}

/** `value` with `patch` applied; throws PatchMismatch when the patch was made against another value. */
export function applyPatch<T>(value: T, patch: Patch): T {
  return apply(value as Json, patch) as T;
}

function apply(value: Json, patch: Patch): Json {
  if ("k" in patch) {
    if (!Array.isArray(value)) throw new PatchMismatch("an item list was patched where the value is not a list");
    return applyArray(value, patch);
  }
  if (!isObject(value)) throw new PatchMismatch("an object was patched where the value is not an object");
  const out: Record<string, Json> = { ...value };
  for (const k of patch.d ?? []) delete out[k];
  for (const [k, v] of Object.entries(patch.s ?? {})) put(out, k, v);
  for (const [k, p] of Object.entries(patch.p ?? {})) {
    if (!Object.hasOwn(value, k)) throw new PatchMismatch(`the patch changes "${k}", which the value does not have`);
    put(out, k, apply(value[k]!, p));
  }
  return out;
}

/** An own property even for a key like "__proto__" (plain assignment would set the prototype instead). */
function put<V>(o: Record<string, V>, k: string, v: V) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function applyArray(value: Json[], patch: ArrayPatch): Json[] {
  const { k } = patch;
  const before = new Map<string, Json>();
  for (const item of value) if (isObject(item) && typeof item[k] === "string") before.set(item[k], item);
  const added = new Map<string, Json>();
  for (const item of patch.n ?? []) added.set((item as Record<string, Json>)[k] as string, item);
  for (const id of Object.keys(patch.p ?? {}))
    if (!before.has(id)) throw new PatchMismatch(`the patch changes item "${id}", which the list does not have`);
  const order = patch.o ?? value.map((item) => (isObject(item) ? (item[k] as string) : ""));
  return order.map((id) => {
    const fresh = added.get(id);
    if (fresh !== undefined) return fresh;
    const old = before.get(id);
    if (old === undefined) throw new PatchMismatch(`the patch keeps item "${id}", which the list does not have`);
    const p = patch.p?.[id];
    return p ? apply(old, p) : old;
  });
}
