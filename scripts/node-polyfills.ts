// Node 20 lacks Map.groupBy / Object.groupBy (Node 21+), which vitest 5's reporter uses when it
// prints failures. Loaded by vitest.config.mts before anything else.
type GroupBy = <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => Map<K, T[]>;
const M = Map as unknown as { groupBy?: GroupBy };
if (typeof M.groupBy !== "function") {
  M.groupBy = (items, key) => {
    const out = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const list = out.get(k);
      if (list) list.push(item);
      else out.set(k, [item]);
    }
    return out;
  };
}
const O = Object as unknown as {
  groupBy?: (
    items: Iterable<unknown>,
    key: (item: unknown, index: number) => PropertyKey,
  ) => Record<PropertyKey, unknown[]>;
};
if (typeof O.groupBy !== "function") {
  O.groupBy = (items, key) => {
    const out: Record<PropertyKey, unknown[]> = Object.create(null);
    let i = 0;
    for (const item of items) (out[key(item, i++)] ??= []).push(item);
    return out;
  };
}
export {};
