import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetConfig } from "../config/fleet";
import type { Fleet } from "../sim";
import { startTestFleet } from "../sim/testing";
import { pollerFor } from "../telemetry/sources/pollers";
import { Collector } from "./collector";

// A partial /metrics read carried through the collector, against the real simulator: one odd line
// among good ones keeps the target fresh, names the line and rule, and lists the family left out
// until a complete read clears it. Polls are driven by hand (no timers, nothing timed).

describe("collector: partial sources", () => {
  let fleet: Fleet;
  let collector: Collector;
  beforeAll(async () => {
    fleet = await startTestFleet({ kinds: ["spot-exchange"] });
    fleet.advance(10_000);
    const sys = fleet.systems[0]!;
    const config = FleetConfig.parse({
      defaults: { pollIntervalMs: 60_000, timeoutMs: 3000 },
      targets: [{ name: sys.name, kind: sys.kind, baseUrl: sys.url, credentials: { bearerTokenEnv: "SIM_TOKEN" } }],
    });
    collector = new Collector({ config, pollerFor, secret: () => sys.credential });
  });
  afterAll(async () => {
    collector?.stop();
    await fleet?.stop();
  });

  it("keeps the target fresh, names the odd line and rule, and lists the family left out", async () => {
    const name = fleet.systems[0]!.name;
    await collector.pollTarget(name);
    expect(collector.freshness(name)).toBe("ok");
    expect(collector.status()[0]!.partial).toBeUndefined();
    expect(collector.droppedFamilies(name)).toEqual([]);

    await fleet.setFault(name, "odd-metrics-line", { line: 'trading_api_requests_total{odd="yes"} 1,5' });
    await collector.pollTarget(name);
    const st = collector.status()[0]!;
    expect(st.freshness).toBe("ok");
    expect(st.partial).toMatchObject({
      path: "/metrics",
      issueCount: 1,
      droppedFamilies: ["trading_api_requests_total"],
      issues: [
        { rule: "syntax", text: 'trading_api_requests_total{odd="yes"} 1,5', family: "trading_api_requests_total" },
      ],
    });
    expect(st.endpoints.find((e) => e.path === "/metrics")?.freshness).toBe("ok");
    expect(collector.droppedFamilies(name)).toEqual(["trading_api_requests_total"]);

    await fleet.clearFault(name);
    await collector.pollTarget(name);
    expect(collector.status()[0]!.partial).toBeUndefined();
    expect(collector.droppedFamilies(name)).toEqual([]);
  });
});
