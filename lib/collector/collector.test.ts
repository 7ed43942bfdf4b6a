import { afterEach, describe, expect, it, vi } from "vitest";
import { FleetConfig } from "../config/fleet";
import type { PollContext, PollOutcome, Poller } from "../telemetry/sources/types";
import { Collector, type CollectorEvent } from "./collector";

const config = FleetConfig.parse({
  defaults: { pollIntervalMs: 250, timeoutMs: 200 },
  targets: [
    { name: "good", kind: "trading-bot", baseUrl: "http://127.0.0.1:1", credentials: { bearerTokenEnv: "GOOD_TOKEN" } },
    { name: "bad", kind: "spot-exchange", baseUrl: "http://127.0.0.1:2" },
  ],
});

function okOutcome(ctx: PollContext, value: number): PollOutcome {
  return {
    samples: [{ system: ctx.target.name, entity: "*", metric: "m", labels: {}, value, observedAt: ctx.now }],
    reports: [],
    endpoints: [{ path: "/x", ok: true, latencyMs: 1, samples: 1, reports: 0 }],
  };
}

let collector: Collector | undefined;
afterEach(() => {
  collector?.stop();
  vi.useRealTimers();
});

describe("collector", () => {
  // Fake timers (Date.now too): the poll schedule and the staleness cut-off are checked at exact
  // instants derived from the configured interval, not from how fast this machine happens to be.
  it("polls each target on its interval, passes the resolved token, and keeps polling others when one fails", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const calls: Record<string, number> = { good: 0, bad: 0 };
    const tokens: Array<string | undefined> = [];
    const pollers: Record<string, Poller> = {
      "trading-bot": async (ctx) => {
        calls[ctx.target.name]!++;
        tokens.push(ctx.token);
        return okOutcome(ctx, calls[ctx.target.name]!);
      },
      "spot-exchange": async (ctx) => {
        calls[ctx.target.name]!++;
        return {
          samples: [],
          reports: [],
          endpoints: [
            { path: "/metrics", ok: false, samples: 0, reports: 0, error: { kind: "http", detail: "HTTP 500" } },
          ],
        };
      },
    };
    collector = new Collector({
      config,
      pollerFor: (k) => pollers[k]!,
      secret: (n) => (n === "GOOD_TOKEN" ? "s3cret" : undefined),
      freshnessTickMs: 50,
      random: () => 0.5,
    });
    collector.start();
    // No jitter (random 0.5): first poll at half an interval, then one per interval: 125, 375, 625,
    // 875 and 1125 ms.
    await vi.advanceTimersByTimeAsync(1260);
    expect(calls.good).toBe(5);
    expect(calls.bad).toBeGreaterThanOrEqual(2); // backing off, but still polled
    expect(calls.bad).toBeLessThan(5);
    expect(tokens.every((t) => t === "s3cret")).toBe(true);
    expect(collector.freshness("good")).toBe("ok");
    expect(collector.freshness("bad")).toBe("error");
    const bad = collector.status().find((s) => s.name === "bad")!;
    expect(bad.lastError).toMatchObject({ kind: "http", detail: "HTTP 500", path: "/metrics" });
    expect(collector.store.latest("good", "m")?.v).toBe(calls.good);
  });

  it("turns a hanging target stale two intervals after its last success, never ok, without overlapping polls", async () => {
    vi.useFakeTimers({ now: 2_000_000 });
    const t0 = Date.now();
    let inFlight = 0;
    let maxInFlight = 0;
    let hang = false;
    let lastSuccessAt = 0;
    const poller: Poller = async (ctx) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (hang) await new Promise((r) => setTimeout(r, 5000));
        else lastSuccessAt = ctx.now;
        return okOutcome(ctx, 1);
      } finally {
        inFlight--;
      }
    };
    const one = FleetConfig.parse({ defaults: { pollIntervalMs: 250, timeoutMs: 200 }, targets: [config.targets[0]] });
    collector = new Collector({
      config: one,
      pollerFor: () => poller,
      secret: () => "s3cret",
      freshnessTickMs: 25,
      random: () => 0.5,
    });
    const events: CollectorEvent[] = [];
    collector.events.on("change", (e: CollectorEvent) => events.push(e));
    collector.start();
    await vi.advanceTimersByTimeAsync(600); // polls at 125 and 375 answer
    expect(collector.freshness("good")).toBe("ok");
    expect(lastSuccessAt).toBe(t0 + 375);
    hang = true; // the poll at 625 never answers in time
    const hungAt = Date.now();
    await vi.advanceTimersByTimeAsync(lastSuccessAt + 2 * 250 - Date.now());
    expect(collector.freshness("good")).toBe("ok"); // exactly two intervals: still within its age
    await vi.advanceTimersByTimeAsync(1);
    expect(collector.freshness("good")).toBe("stale");
    await collector.pollTarget("good"); // skipped: one poll of a target at a time
    await vi.advanceTimersByTimeAsync(2000);
    expect(maxInFlight).toBe(1);
    const staleEvent = events.find((e) => e.type === "freshness" && e.freshness === "stale");
    expect(staleEvent).toBeDefined();
    expect(collector.freshness("good")).toBe("stale");
    expect(events.some((e) => e.type === "freshness" && e.freshness === "ok" && e.at > hungAt)).toBe(false);
  });

  it("treats an adapter that throws as an error on that target only", async () => {
    const poller: Poller = async () => {
      throw new Error("boom");
    };
    collector = new Collector({ config, pollerFor: () => poller, secret: () => undefined });
    await collector.pollTarget("bad");
    expect(collector.freshness("bad")).toBe("error");
    expect(collector.status().find((s) => s.name === "bad")?.lastError?.detail).toMatch(/adapter failed: boom/);
  });

  // Real timers: the console's process itself stops (a busy loop stands for a long GC or a starved
  // CPU). After it, Node runs due timers before pending answers, so the freshness check would see
  // an old last success although the poll that was due is answered at once.
  it("does not turn sources stale for its own pause, and does without the pause tracker", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const poller: Poller = async (ctx) => {
      await new Promise((r) => setImmediate(r));
      return okOutcome(ctx, 1);
    };
    const onlyGood = FleetConfig.parse({ ...config, targets: [config.targets[0]] });
    const run = async (pauses: null | undefined) => {
      const c = new Collector({
        config: onlyGood,
        pollerFor: () => poller,
        secret: () => undefined,
        freshnessTickMs: 50,
        ...(pauses === null ? { pauses: null } : {}),
      });
      const seen: string[] = [];
      c.events.on("change", (e: CollectorEvent) => {
        if (e.type === "freshness") seen.push(e.freshness);
      });
      c.start();
      try {
        for (let i = 0; i < 100 && c.freshness("good") !== "ok"; i++) await sleep(20);
        expect(c.freshness("good")).toBe("ok");
        seen.length = 0;
        const until = Date.now() + 1200; // about five poll intervals (250 ms) without running
        while (Date.now() < until) {
          /* the process is paused */
        }
        // Right after the pause, before any answer is read: fresh only by the pause, catching up.
        const catchingUp = c.catchingUp("good");
        await sleep(300);
        return { seen, after: c.freshness("good"), catchingUp, caughtUp: !c.catchingUp("good") };
      } finally {
        c.stop();
      }
    };
    const tracked = await run(undefined);
    expect(tracked.seen).not.toContain("stale");
    expect(tracked.after).toBe("ok");
    expect(tracked.catchingUp).toBe(true);
    expect(tracked.caughtUp).toBe(true);
    const untracked = await run(null);
    expect(untracked.seen).toContain("stale");
  });
});
