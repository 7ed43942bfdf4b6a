import { describe, expect, it } from "vitest";
import { readLogLines } from "./logs";

// NDJSON log lines: each line on its own; malformed lines are skipped and named by line number,
// a cut-off last line marks where the cursor must stop.

const rec = (n: number, kind = "CYCLE_SUMMARY", extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `fb-${String(n).padStart(8, "0")}`,
    system: "fb",
    kind,
    ts: `2026-01-05T00:00:${String(n).padStart(2, "0")}.000Z`,
    fields: { n },
    ...extra,
  });

describe("readLogLines", () => {
  it("turns each record into a report with the target as system and ts as observedAt", () => {
    const r = readLogLines(`${rec(1)}\n${rec(2, "KILL_SWITCH_ACTIVATED", { extra: true })}\n`, "kraken-futures");
    expect(r.bad).toEqual([]);
    expect(r.lastId).toBe("fb-00000002");
    expect(r.reports).toEqual([
      {
        system: "kraken-futures",
        kind: "CYCLE_SUMMARY",
        id: "fb-00000001",
        fields: { n: 1 },
        observedAt: Date.parse("2026-01-05T00:00:01.000Z"),
      },
      {
        system: "kraken-futures",
        kind: "KILL_SWITCH_ACTIVATED",
        id: "fb-00000002",
        fields: { n: 2 },
        observedAt: Date.parse("2026-01-05T00:00:02.000Z"),
      },
    ]);
  });

  it("skips malformed lines, names them by line number, keeps the valid ones", () => {
    const body = [
      rec(1),
      "not json",
      JSON.stringify({ id: "x", system: "fb", kind: "K", ts: "soon", fields: {} }),
      JSON.stringify({ id: "y", system: "fb", ts: "2026-01-05T00:00:00Z", fields: {} }),
      rec(5),
      "",
    ].join("\n");
    const r = readLogLines(body, "fb");
    expect(r.reports.map((x) => x.id)).toEqual(["fb-00000001", "fb-00000005"]);
    expect(r.bad).toEqual([
      "line 2: not valid JSON",
      "line 3: ts: expected an ISO-8601 timestamp",
      "line 4: kind: expected string, received undefined",
    ]);
    expect(r.lastId).toBe("fb-00000005");
  });

  it("moves the cursor past a complete record that fails validation but has an id", () => {
    const body = `${rec(1)}\n${JSON.stringify({ id: "fb-00000002", system: "fb", kind: "K", ts: "later", fields: {} })}\n`;
    const r = readLogLines(body, "fb");
    expect(r.reports.map((x) => x.id)).toEqual(["fb-00000001"]);
    expect(r.bad).toEqual(["line 2: ts: expected an ISO-8601 timestamp"]);
    expect(r.lastId).toBe("fb-00000002");
  });

  it("names a cut-off final line; the cursor stays on the last record before the cut", () => {
    const whole = `${rec(1)}\n${rec(2)}\n${rec(3)}\n`;
    const cut = whole.slice(0, whole.length - 20);
    const r = readLogLines(cut, "fb");
    expect(r.reports.map((x) => x.id)).toEqual(["fb-00000001", "fb-00000002"]);
    expect(r.bad).toEqual(["line 3: cut off (response truncated)"]);
    expect(r.lastId).toBe("fb-00000002");
  });

  it("a cut inside the first line leaves no record to continue from", () => {
    const r = readLogLines(rec(1).slice(0, 30), "fb");
    expect(r.reports).toEqual([]);
    expect(r.bad).toEqual(["line 1: cut off (response truncated)"]);
    expect(r.lastId).toBeUndefined();
  });

  it("an empty page is fine", () => {
    expect(readLogLines("", "fb")).toEqual({ reports: [], bad: [] });
  });
});
