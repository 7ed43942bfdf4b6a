import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPatch, diff, PatchMismatch, type Json, type Patch } from "./patch";

// The round trip is checked against the target value itself (deep equality), not against anything
// diff computes; the examples check that a one-field change sends that field and nothing else.

const tile = (name: string, lastSuccessAt: number, state = "fresh") => ({
  name,
  label: name.toUpperCase(),
  freshness: { state, lastSuccessAt },
});
const finding = (id: string, state: string, since: number) => ({ id, state, since, summary: `${id} is ${state}` });

describe("diff and applyPatch", () => {
  const board = {
    generatedAt: 1,
    collector: "leader",
    systems: [tile("alpha", 100), tile("beta", 100), tile("gamma", 100)],
    findings: [finding("r1|alpha|*", "critical", 10), finding("r2|beta|*", "warning", 20)],
    cleared: [] as Json[],
  };

  it("sends only the fields that changed, item by item", () => {
    const next = structuredClone(board);
    next.generatedAt = 2;
    next.systems[1]!.freshness.lastSuccessAt = 105;
    const patch = diff(board, next);
    expect(patch).toEqual({
      s: { generatedAt: 2 },
      p: { systems: { k: "name", p: { beta: { p: { freshness: { s: { lastSuccessAt: 105 } } } } } } },
    });
    expect(applyPatch(board, patch!)).toEqual(next);
  });

  it("sends a new finding whole, a removed one as the new order, and a reordering as the order alone", () => {
    const next = structuredClone(board);
    next.findings = [finding("r3|gamma|*", "critical", 30), next.findings[0]!];
    next.cleared = [board.findings[1]!];
    const patch = diff(board, next)!;
    expect(patch).toEqual({
      p: {
        findings: { k: "id", o: ["r3|gamma|*", "r1|alpha|*"], n: [finding("r3|gamma|*", "critical", 30)] },
        cleared: { k: "id", o: ["r2|beta|*"], n: [finding("r2|beta|*", "warning", 20)] },
      },
    });
    expect(applyPatch(board, patch)).toEqual(next);
  });

  it("deletes keys the new value does not have and leaves the old value as it was", () => {
    const withDegraded = { ...board, degraded: { reason: "the database is gone", since: 5 } };
    const before = structuredClone(withDegraded);
    const patch = diff(withDegraded, board)!;
    expect(patch).toEqual({ d: ["degraded"] });
    expect(applyPatch(withDegraded, patch)).toEqual(board);
    expect(withDegraded).toEqual(before);
  });

  it("shares the parts that did not change", () => {
    const next = structuredClone(board);
    next.findings[1]!.state = "critical";
    const out = applyPatch(board, diff(board, next)!);
    expect(out.systems).toBe(board.systems);
    expect(out.findings[0]).toBe(board.findings[0]);
    expect(out.findings[1]).not.toBe(board.findings[1]);
  });

  it("equal values give no patch", () => {
    expect(diff(board, structuredClone(board))).toBeUndefined();
  });

  it("refuses a patch made against another value", () => {
    const next = structuredClone(board);
    next.systems[0]!.freshness.lastSuccessAt = 200;
    const patch = diff(board, next)!;
    const other = { ...board, systems: [tile("delta", 1)] };
    expect(() => applyPatch(other, patch)).toThrow(PatchMismatch);
    expect(() => applyPatch({ ...board, systems: {} }, patch)).toThrow(PatchMismatch);
  });

  it("keeps a key named __proto__ as data", () => {
    const a = JSON.parse('{"x":1}') as Json;
    const b = JSON.parse('{"x":1,"__proto__":{"polluted":true}}') as Json;
    const out = applyPatch(a, diff(a, b)!) as Record<string, unknown>;
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out).toEqual(b);
  });

  const item = (key: "id" | "name") =>
    fc.record({ [key]: fc.constantFrom("a", "b", "c", "d", "e", "f"), v: fc.jsonValue({ maxDepth: 2 }) });
  const keyedList = (key: "id" | "name") =>
    fc.uniqueArray(item(key), { selector: (x) => (x as Record<string, unknown>)[key], maxLength: 6 });
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), keyedList("id"), keyedList("name"));
  const doc = fc.dictionary(fc.constantFrom("generatedAt", "systems", "findings", "cleared", "degraded", "x"), value);
  /** A second value that shares much with the first (real boards change a little at a time). */
  const pair = doc.chain((a) =>
    fc.tuple(
      fc.constant(a),
      fc.oneof(
        doc,
        fc.dictionary(fc.constantFrom(...Object.keys(a), "y"), value).map((c) => ({ ...a, ...c })),
      ),
    ),
  );

  it("property: applying diff(a, b) to a gives b, and a is unchanged", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const before = JSON.stringify(a);
        const patch = diff(a as Json, b as Json);
        // As on the wire: the patch travels as JSON (where -0 is 0).
        const out = patch ? applyPatch(a as Json, JSON.parse(JSON.stringify(patch)) as Patch) : a;
        expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse(JSON.stringify(b)));
        expect(JSON.stringify(a)).toBe(before);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 500) },
    );
  });
});
