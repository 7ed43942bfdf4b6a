import { describe, expect, it } from "vitest";
import { SimClock } from "./clock";
import { Counter, Registry, formatValue, parseExposition } from "./metrics";
import { Rng } from "./rng";

describe("SimClock", () => {
  it("fires timers in time order, then creation order, across one advance", () => {
    const c = new SimClock(0);
    const seen: string[] = [];
    c.every(10, () => seen.push(`a${c.now()}`));
    c.every(15, () => seen.push(`b${c.now()}`));
    c.at(10, () => seen.push(`once${c.now()}`));
    c.advance(30);
    expect(seen).toEqual(["a10", "once10", "b15", "a20", "a30", "b30"]);
    expect(c.now()).toBe(30);
  });

  it("gives the same result whether advanced in one step or many", () => {
    const run = (steps: number[]) => {
      const c = new SimClock(1000);
      const seen: number[] = [];
      c.every(7, () => seen.push(c.now()));
      c.every(3, () => c.after(2, () => seen.push(-c.now())));
      for (const s of steps) c.advance(s);
      return seen;
    };
    expect(run([100])).toEqual(run([1, 2, 3, 50, 44]));
  });

  it("cancels timers and refuses re-entrant advance", () => {
    const c = new SimClock(0);
    let n = 0;
    const t = c.every(5, () => n++);
    c.advance(12);
    t.cancel();
    c.advance(50);
    expect(n).toBe(2);
    c.at(1 + c.now(), () => c.advance(1));
    expect(() => c.advance(5)).toThrow(/inside a timer/);
  });
});

describe("Rng", () => {
  it("is deterministic per seed and independent per fork label", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(new Rng(43).next()).not.toBe(new Rng(42).next());
    expect(new Rng(1).fork("x").next()).toBe(new Rng(1).fork("x").next());
    expect(new Rng(1).fork("x").next()).not.toBe(new Rng(1).fork("y").next());
  });

  it("draws in range with plausible moments", () => {
    const r = new Rng("moments");
    let sum = 0;
    for (let i = 0; i < 5000; i++) {
      const v = r.int(1, 6);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(6);
      sum += r.poisson(4);
    }
    expect(sum / 5000).toBeGreaterThan(3.8);
    expect(sum / 5000).toBeLessThan(4.2);
  });
});

describe("metrics registry", () => {
  it("renders HELP/TYPE for every family and cumulative histogram buckets with +Inf == _count", () => {
    const reg = new Registry();
    const h = reg.histogram("request_duration_seconds", "Latency.", [0.1, 0.5, 1], ["route"]);
    h.observe(0.05, { route: "a" });
    h.observe(0.3, { route: "a" }, 3);
    h.observe(2, { route: "a" });
    reg.counter("things_total", "Things.", ["kind"]).inc(2, { kind: 'q"uote' });
    const text = reg.render();
    expect(text).toContain("# HELP request_duration_seconds Latency.");
    expect(text).toContain("# TYPE things_total counter");
    const samples = parseExposition(text);
    const buckets = samples
      .filter((s) => s.name === "request_duration_seconds_bucket")
      .map((s) => [s.labels.le, s.value]);
    expect(buckets).toEqual([
      ["0.1", 1],
      ["0.5", 4],
      ["1", 4],
      ["+Inf", 5],
    ]);
    expect(samples.find((s) => s.name === "request_duration_seconds_count")?.value).toBe(5);
    expect(samples.find((s) => s.name === "request_duration_seconds_sum")?.value).toBeCloseTo(0.05 + 0.9 + 2);
    expect(samples.find((s) => s.name === "things_total")?.labels.kind).toBe('q"uote');
  });

  it("rejects wrong labels and negative counter increments; resets counters but keeps gauges", () => {
    const reg = new Registry();
    const c: Counter = reg.counter("c_total", "c", ["a"]);
    expect(() => c.inc(1, {})).toThrow(/needs label a/);
    expect(() => c.inc(-1, { a: "x" })).toThrow(/cannot decrease/);
    c.inc(3, { a: "x" });
    const g = reg.gauge("g", "g");
    g.set(5);
    reg.resetCounters();
    expect(c.get({ a: "x" })).toBe(0);
    expect(g.get()).toBe(5);
    expect(() => reg.counter("c_total", "again")).toThrow(/twice/);
  });

  it("formats special values", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(0.1 + 0.2)).toBe("0.3");
  });
});
