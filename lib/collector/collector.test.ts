import { afterEach, describe, expect, it } from "vitest";
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
afterEach(() => collector?.stop());

describe("collector", () => {
  it("polls each target on its interval, passes the resolved token, and keeps polling others when one fails", async () => {
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
        return { samples: [], reports: [], endpoints: [{ path: "/metrics", ok: false, samples: 0, reports: 0, error: { kind: "http", detail: "HTTP 500" } }] };
      },
    };
    collector = new Collector({ config, pollerFor: (k) => pollers[k]!, secret: (n) => (n === "GOOD_TOKEN" ? "s3cret" : undefined), freshnessTickMs: 50 });
    collector.start();
    await new Promise((r) => setTimeout(r, 1300));
    expect(calls.good).toBeGreaterThanOrEqual(4);
    expect(calls.good).toBeLessThanOrEqual(7);
    expect(calls.bad).toBeGreaterThanOrEqual(2); // backing off, but still polled
    expect(tokens.every((t) => t === "s3cret")).toBe(true);
    expect(collector.freshness("good")).toBe("ok");
    expect(collector.freshness("bad")).toBe("error");
    const bad = collector.status().find((s) => s.name === "bad")!;
    expect(bad.lastError).toMatchObject({ kind: "http", detail: "HTTP 500", path: "/metrics" });
    expect(collector.store.latest("good", "m")?.v).toBe(calls.good);
  });

  it("turns a hanging target stale within two intervals, never ok, without overlapping polls", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let hang = false;
    const poller: Poller = async (ctx) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (hang) await new Promise((r) => setTimeout(r, 5000));
        return okOutcome(ctx, 1);
      } finally {
        inFlight--;
      }
    };
    const one = FleetConfig.parse({ defaults: { pollIntervalMs: 250, timeoutMs: 200 }, targets: [config.targets[0]] });
    collector = new Collector({ config: one, pollerFor: () => poller, secret: () => "s3cret", freshnessTickMs: 25 });
    const events: CollectorEvent[] = [];
    collector.events.on("change", (e: CollectorEvent) => events.push(e));
    collector.start();
    await new Promise((r) => setTimeout(r, 700));
    expect(collector.freshness("good")).toBe("ok");
    hang = true;
    const hungAt = Date.now();
    let seenStaleAt = 0;
    while (Date.now() - hungAt < 1500) {
      await new Promise((r) => setTimeout(r, 20));
      const f = collector.freshness("good");
      if (f === "stale") {
        seenStaleAt = Date.now();
        break;
      }
    }
    expect(seenStaleAt).toBeGreaterThan(0);
    expect(seenStaleAt - hungAt).toBeLessThanOrEqual(2 * 250 + 300 + 150); // two intervals after the last success
    expect(maxInFlight).toBe(1);
    await expect.poll(() => events.some((e) => e.type === "freshness" && e.freshness === "stale"), { timeout: 1000 }).toBe(true);
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
});
