// How long one poll of every endpoint takes under each simulator fault, against the poll timeout:
// a fault must cost at most the timeout (plus the local overhead measured here), never hang the
// collector. Moved here from the pollers test, where a wall-clock bound made CI depend on load.
import type { TargetConfig } from "../../lib/config/fleet";
import { startTestFleet } from "../../lib/sim/testing";
import { pollerFor } from "../../lib/telemetry/sources/pollers";

export const FAULTS_MEASURED = [
  "down",
  "hanging",
  "slow",
  "http-500",
  "html-error",
  "truncated-json",
  "malformed-metrics",
  "odd-metrics-line",
  "oversized-body",
] as const;

export interface FaultPollResult {
  timeoutMs: number;
  /** Per fault, the slowest poll over the three system kinds (ms). */
  byFault: Record<string, number>;
  /** The slowest poll of all, and how far past the timeout it ended (ms). */
  worstMs: number;
  overTimeoutMs: number;
}

export async function measureFaultPolls(timeoutMs = 300): Promise<FaultPollResult> {
  const fleet = await startTestFleet();
  try {
    fleet.advance(35_000);
    const byFault: Record<string, number> = {};
    for (const fault of FAULTS_MEASURED) {
      let worst = 0;
      for (const s of fleet.systems) {
        await fleet.setFault(
          s.name,
          fault,
          fault === "slow" ? { delayMs: 1500 } : fault === "oversized-body" ? { bytes: 8 * 1024 * 1024 } : {},
        );
        const target: TargetConfig = {
          name: s.name,
          kind: s.kind,
          baseUrl: s.url,
          simulated: true,
          credentials: {},
          thresholds: {},
        };
        const t0 = performance.now();
        await pollerFor(s.kind)({ target, token: s.credential, timeoutMs, maxBytes: 2 * 1024 * 1024, now: Date.now() });
        worst = Math.max(worst, performance.now() - t0);
        await fleet.clearFault(s.name);
      }
      byFault[fault] = Math.round(worst);
    }
    const worstMs = Math.max(...Object.values(byFault));
    return { timeoutMs, byFault, worstMs, overTimeoutMs: Math.max(0, worstMs - timeoutMs) };
  } finally {
    await fleet.stop();
  }
}

if (process.argv[1]?.endsWith("fault-polls.ts")) {
  void measureFaultPolls().then((r) => console.log(JSON.stringify(r, null, 2)));
}
