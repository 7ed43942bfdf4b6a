import { describe, expect, it } from "vitest";
import { RuleHarness, T0 } from "../testing";

const S = 1000;
const M = 60 * S;

describe("telemetry_dark", () => {
  it("a system whose data endpoints are all not fresh is dark: SEV2, SEV1 after 5 minutes", () => {
    const h = new RuleHarness("trading-bot").hold(T0, T0 + M, "tradingLoopHealthy", 1).freshness("stale");
    const f = h.one("telemetry_dark", T0 + 2 * M);
    expect(f).toMatchObject({
      state: "critical",
      severity: "SEV2",
      runbook: "telemetry-dark",
      since: T0 + M + 5 * S,
      escalationDueAt: T0 + 6 * M + 5 * S,
    });
    expect(h.one("telemetry_dark", T0 + 6 * M + 5 * S).severity).toBe("SEV1");
    expect(new RuleHarness("spot-exchange").freshness("no_data").one("telemetry_dark", T0).summary).toMatch(
      /No telemetry received/,
    );
  });
  it("one failing endpoint is partial telemetry, not dark; all fresh is ok", () => {
    const h = new RuleHarness("trading-bot").freshness("error", "/metrics");
    expect(h.one("telemetry_dark", T0)).toMatchObject({ state: "warning", severity: "SEV3" });
    expect(new RuleHarness("futures-bot").one("telemetry_dark", T0).state).toBe("ok");
  });
});

describe("pending at start", () => {
  it("right after the console starts, a system that has not answered yet is pending, not dark", () => {
    const h = new RuleHarness("trading-bot").freshness("no_data");
    h.watchingSince = T0;
    expect(h.run("telemetry_dark", T0)).toEqual([]);
    expect(h.run("telemetry_dark", T0 + 5 * S)).toEqual([]); // two 2-s intervals plus jitter
    expect(h.one("telemetry_dark", T0 + 6 * S)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
  it("a first poll that failed is evidence: dark at once", () => {
    const h = new RuleHarness("trading-bot").freshness("error");
    h.watchingSince = T0;
    expect(h.one("telemetry_dark", T0 + S).state).toBe("critical");
  });
  it("rules whose sources have not answered yet yield no finding instead of an unknown one", () => {
    const h = new RuleHarness("futures-bot").freshness("no_data");
    h.watchingSince = T0;
    expect(h.all(T0 + S)).toEqual([]);
    expect(h.one("invariant_violation_report", T0 + 10 * S).state).toBe("unknown");
  });
});

describe("health_probes", () => {
  it("/health/ready 503 warns naming the degraded checks; /health/live failing is critical", () => {
    const h = new RuleHarness("trading-bot")
      .hold(T0, T0 + M, "http_status", (t) => (t < T0 + 20 * S ? 200 : 503), { labels: { path: "/health/ready" } })
      .hold(T0 + 20 * S, T0 + M, "ready.degraded.check", 1, { labels: { path: "/health/ready", check: "supabase" } })
      .hold(T0, T0 + M, "http_status", 200, { labels: { path: "/health/live" } });
    expect(h.one("health_probes", T0 + 30 * S, "/health/ready").state).toBe("ok"); // 10 s: boundary
    const f = h.one("health_probes", T0 + M, "/health/ready");
    expect(f).toMatchObject({ state: "warning", severity: "SEV2", runbook: "auth-failures" });
    expect(f.summary).toContain("degraded: supabase");
    expect(h.one("health_probes", T0 + M, "/health/live").state).toBe("ok");
    const spot = new RuleHarness("spot-exchange").hold(T0, T0 + M, "http_status", 503, {
      labels: { path: "/health/live" },
    });
    expect(spot.one("health_probes", T0 + M, "/health/live").state).toBe("critical");
  });
});
