import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetConfig } from "../config/fleet";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim";
import { pollerFor } from "../telemetry/sources/pollers";
import { Collector, type CollectorEvent } from "./collector";
import type { Freshness } from "./freshness";

// Every simulator fault against the real pollers and collector: the faulty source goes stale or
// error within two poll intervals and never reads ok while the fault lasts; the others keep being
// polled and stay fresh.

const INTERVAL = 300;
let fleet: Fleet;
let collector: Collector;
const tokens = new Map<string, string>();

beforeAll(async () => {
  fleet = await startTestFleet({ clock: { speed: 1 } });
  const targets = fleet.systems.map((s) => {
    tokens.set(`TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`, s.credential);
    return {
      name: s.name,
      kind: s.kind,
      baseUrl: s.url,
      simulated: true,
      credentials: { bearerTokenEnv: `TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}` },
    };
  });
  const config = FleetConfig.parse({
    defaults: { pollIntervalMs: INTERVAL, timeoutMs: 250, maxResponseBytes: 2 * 1024 * 1024 },
    targets,
  });
  collector = new Collector({ config, pollerFor, secret: (n) => tokens.get(n), freshnessTickMs: 20 });
  collector.start();
  const until = Date.now() + 10_000;
  while (!fleet.systems.every((s) => collector.freshness(s.name) === "ok")) {
    if (Date.now() > until)
      throw new Error(
        `sources not fresh: ${JSON.stringify(collector.status().map((s) => [s.name, s.freshness, s.lastError]))}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}, 30_000);

afterAll(async () => {
  collector?.stop();
  await fleet?.stop();
});

const FAULTS = [
  "down",
  "hanging",
  "slow",
  "http-500",
  "html-error",
  "truncated-json",
  "malformed-metrics",
  "oversized-body",
] as const;

describe("collector under every simulator fault", () => {
  for (const fault of FAULTS) {
    it(`${fault}: the source goes stale or error within two intervals, never ok; others keep polling`, async () => {
      // Metrics faults only show on systems that serve /metrics; JSON faults on any.
      const target =
        fault === "malformed-metrics"
          ? fleet.systems.find((s) => s.kind === "spot-exchange")!
          : fleet.systems.find((s) => s.kind === "trading-bot")!;
      const others = fleet.systems.filter((s) => s.name !== target.name);
      const pollsBefore = Object.fromEntries(collector.status().map((s) => [s.name, s.pollCount]));
      await fleet.setFault(
        target.name,
        fault,
        fault === "slow" ? { delayMs: 1500 } : fault === "oversized-body" ? { bytes: 4 * 1024 * 1024 } : {},
      );
      const faultAt = Date.now();
      const seen: Freshness[] = [];
      const successesAfterFault = new Set<number>();
      let turned = false;
      let turnedAt = 0;
      // Generous on time (a loaded machine may be slow to poll), strict on what is shown: while it
      // still reads ok, its last good answer is younger than two intervals.
      while (Date.now() - faultAt < 10_000) {
        const observedAt = Date.now();
        const st = collector.status().find((s) => s.name === target.name)!;
        const f = collector.freshness(target.name);
        seen.push(f);
        if (st.lastSuccessAt !== undefined && st.lastSuccessAt > faultAt) successesAfterFault.add(st.lastSuccessAt);
        if (f === "ok")
          expect(
            observedAt - st.lastSuccessAt!,
            `${target.name} read ok on an answer older than two intervals`,
          ).toBeLessThanOrEqual(2 * INTERVAL + 25);
        if (f !== "ok" && !turned) {
          turned = true;
          turnedAt = Date.now();
        }
        if (turned && Date.now() - turnedAt > 600) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(turned, `${target.name} never left ok under ${fault}`).toBe(true);
      // At most the poll already in flight when the fault began may still have answered.
      expect(successesAfterFault.size, `successful polls of ${target.name} after ${fault} began`).toBeLessThanOrEqual(
        1,
      );
      const afterTurn = seen.slice(seen.findIndex((f) => f !== "ok"));
      expect(afterTurn.filter((f) => f === "ok")).toEqual([]);
      // The others keep being polled and read ok (polled: on a loaded machine one of their own polls
      // may time out, which is their own honest error, not this fault's).
      for (const o of others) {
        await expect.poll(() => collector.freshness(o.name), { timeout: 3000 }).toBe("ok");
        expect(collector.status().find((s) => s.name === o.name)!.pollCount).toBeGreaterThan(pollsBefore[o.name]!);
      }
      await fleet.clearFault(target.name);
      await expect.poll(() => collector.freshness(target.name), { timeout: 5000 }).toBe("ok");
    }, 20_000);
  }

  it("counter reset: the source stays fresh (its data is valid) and the reset is detected", async () => {
    const target = fleet.systems.find((s) => s.kind === "spot-exchange")!;
    const events: CollectorEvent[] = [];
    const on = (e: CollectorEvent) => events.push(e);
    collector.events.on("change", on);
    await fleet.setFault(target.name, "counter-reset");
    await expect
      .poll(() => events.some((e) => e.type === "counter_reset" && e.system === target.name), { timeout: 3000 })
      .toBe(true);
    // A reset is valid data: the source reads ok (polled, since a loaded machine may time out one poll).
    await expect.poll(() => collector.freshness(target.name), { timeout: 3000 }).toBe("ok");
    expect(collector.status().find((s) => s.name === target.name)!.lastCounterReset).toBeDefined();
    collector.events.off("change", on);
    await fleet.clearFault(target.name);
  });
});
