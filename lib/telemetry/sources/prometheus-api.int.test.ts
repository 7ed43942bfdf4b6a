// The Prometheus API adapter against a real Prometheus 2.x (Debian package `prometheus`) that
// scrapes the simulator. What the adapter reads back through /api/v1/query and /query_range must
// match what the simulator serves at /metrics.
//
// The fleet runs on a manual clock that the test pumps in step with real time (250 ms every
// 250 ms) while Prometheus scrapes every second, then freezes. Once the clock is frozen and two
// more scrapes have landed, Prometheus' latest sample and a direct read of /metrics describe the
// same state, so the comparisons below can be exact instead of "close enough".
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimFleetConfig, startFleet, type Fleet } from "@/lib/sim";
import { getMetrics } from "@/lib/sim/testing";
import { PROMETHEUS_BIN, startTestPrometheus, type TestPrometheus } from "@/lib/testing/prometheus";
import type { Sample } from "../model";
import { histogramQuantile, histogramSeries, parsePrometheusText, type MetricFamily } from "../prom";
import { queryInstant, queryRange, type PromRequestOptions } from "./prometheus-api";

const LIMITS = { timeoutMs: 5_000, maxBytes: 4 * 1024 * 1024 };
const HISTOGRAM = "trading_api_request_duration_seconds";
const VIOLATING_PROFILE = "btc-momentum"; // first profile of alpha-bot: the scenario's default target

let fleet: Fleet;
let prom: TestPrometheus;
let pump: NodeJS.Timeout | undefined;
let pumpStartedAt = 0;
let bot: MetricFamily[];
let exchange: MetricFamily[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function direct(families: MetricFamily[], name: string): { labels: Record<string, string>; value: number }[] {
  return families.flatMap((f) =>
    f.samples.filter((s) => s.name === name).map((s) => ({ labels: s.labels, value: s.value })),
  );
}

async function parseDirect(system: string): Promise<MetricFamily[]> {
  const parsed = parsePrometheusText(await getMetrics(fleet.info(system)));
  if (!parsed.ok) throw new Error(`simulator /metrics of ${system} did not parse: ${parsed.error.message}`);
  return parsed.families;
}

function byEntity(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((s) => [s.entity, s.value]));
}

const bySystem: PromRequestOptions = { ...LIMITS, system: (l) => l.job };

// Outside the suite below, so a missing binary shows as a failed test with the fix, not only as a
// failed hook.
it("uses the prometheus binary from the Debian package", () => {
  expect(
    existsSync(PROMETHEUS_BIN),
    `install the Debian package "prometheus" (apt-get install prometheus) for ${PROMETHEUS_BIN}`,
  ).toBe(true);
});

describe("Prometheus API adapter against a real Prometheus", () => {
  beforeAll(async () => {
    fleet = await startFleet({
      config: loadSimFleetConfig("config/sim-fleet.yaml"),
      seed: 42,
      clock: "manual",
      portBase: 0,
    });
    fleet.advance(60_000);
    // Stale reservations on btc-momentum: the watchdog counts a violation at T+5 s (virtual), while
    // Prometheus is already scraping, so the counter's history shows the step from 0 to 1.
    fleet.startScenario("capital-invariant-self-repair", "alpha-bot");
    const target = (name: string) => `127.0.0.1:${fleet.info(name).port}`;
    prom = await startTestPrometheus({
      scrapeTargets: [
        { job: "alpha-bot", targets: [target("alpha-bot")], scrapeIntervalSeconds: 1 },
        { job: "spot-exchange", targets: [target("spot-exchange")], scrapeIntervalSeconds: 1 },
      ],
    });
    await prom.waitForTargetsUp(15_000);
    pumpStartedAt = Date.now();
    pump = setInterval(() => fleet.advance(250), 250);
    await sleep(9_000);
    clearInterval(pump);
    pump = undefined;
    await sleep(2_500); // two more scrapes of the frozen state
    bot = await parseDirect("alpha-bot");
    exchange = await parseDirect("spot-exchange");
  }, 60_000);

  afterAll(async () => {
    if (pump) clearInterval(pump);
    await prom?.stop();
    await fleet?.stop();
  });

  it("sees both scrape targets up, one sample per job", async () => {
    const r = await queryInstant(prom.url, "up", bySystem);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.value.resultType).toBe("vector");
    const up = new Map(r.value.samples.map((s) => [s.system, s]));
    expect([...up.keys()].sort()).toEqual(["alpha-bot", "spot-exchange"]);
    for (const s of up.values()) {
      expect(s.value).toBe(1);
      expect(s.metric).toBe("up");
      expect(s.entity).toBe("*");
      expect(s.labels).not.toHaveProperty("__name__");
      expect(Math.abs(s.observedAt - Date.now())).toBeLessThan(30_000);
    }
  });

  it("reads available_capital_gauge per profile exactly as the bot serves it", async () => {
    const r = await queryInstant(prom.url, 'available_capital_gauge{job="alpha-bot"}', {
      ...LIMITS,
      system: "alpha-bot",
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const served = new Map(direct(bot, "available_capital_gauge").map((s) => [s.labels.profile_id ?? "", s.value]));
    expect(served.size).toBe(6);
    expect(byEntity(r.value.samples)).toEqual(served);
    // The scenario's stale reservations drive the profile below zero; Prometheus must carry the sign.
    expect(served.get(VIOLATING_PROFILE)).toBeLessThan(0);
    const sample = r.value.samples.find((s) => s.entity === VIOLATING_PROFILE)!;
    expect(sample).toMatchObject({ system: "alpha-bot", metric: "available_capital_gauge" });
    expect(sample.labels).toMatchObject({
      profile_id: VIOLATING_PROFILE,
      job: "alpha-bot",
      instance: `127.0.0.1:${fleet.info("alpha-bot").port}`,
    });
  });

  it("reads capital_invariant_violations_total, including the scenario's violation", async () => {
    const r = await queryInstant(prom.url, "capital_invariant_violations_total", bySystem);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const served = new Map(
      direct(bot, "capital_invariant_violations_total").map((s) => [s.labels.profile_id ?? "", s.value]),
    );
    expect(byEntity(r.value.samples)).toEqual(served);
    expect(served.get(VIOLATING_PROFILE)).toBeGreaterThanOrEqual(1);
    expect(r.value.samples.every((s) => s.system === "alpha-bot")).toBe(true);
  });

  it("computes the same cumulative p99 as lib/telemetry/prom over the served buckets", async () => {
    const r = await queryInstant(prom.url, `histogram_quantile(0.99, sum by (le) (${HISTOGRAM}_bucket))`, {
      ...LIMITS,
      system: "spot-exchange",
      metric: "trading_api_p99_seconds",
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const family = exchange.find((f) => f.name === HISTOGRAM);
    expect(family).toBeDefined();
    const [series] = histogramSeries(family!);
    const expected = histogramQuantile(0.99, series!.buckets);
    expect(Number.isFinite(expected)).toBe(true);
    expect(r.value.samples).toHaveLength(1);
    const [p99] = r.value.samples;
    expect(p99).toMatchObject({ system: "spot-exchange", entity: "*", metric: "trading_api_p99_seconds", labels: {} });
    expect(p99!.value).toBeCloseTo(expected, 9);
  });

  it("computes a windowed p99 from rate() inside the served bucket range", async () => {
    const promql = `histogram_quantile(0.99, sum by (le) (rate(${HISTOGRAM}_bucket[30s])))`;
    const r = await queryInstant(prom.url, promql, { ...LIMITS, system: "spot-exchange" });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.value.samples).toHaveLength(1);
    const [p99] = r.value.samples;
    // Without an alias the expression names the sample.
    expect(p99!.metric).toBe(promql);
    const bounds = histogramSeries(exchange.find((f) => f.name === HISTOGRAM)!)[0]!
      .buckets.map((b) => b.le)
      .filter(Number.isFinite);
    expect(Number.isFinite(p99!.value)).toBe(true);
    expect(p99!.value).toBeGreaterThan(0);
    expect(p99!.value).toBeLessThanOrEqual(Math.max(...bounds));
  });

  it("returns one Sample per point for a range query, showing the counter step", async () => {
    const end = Date.now();
    const start = pumpStartedAt - 1_000;
    const r = await queryRange(prom.url, `capital_invariant_violations_total{profile_id="${VIOLATING_PROFILE}"}`, {
      ...bySystem,
      start,
      end,
      stepSeconds: 1,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.value.resultType).toBe("matrix");
    const points = r.value.samples;
    expect(points.length).toBeGreaterThanOrEqual(8);
    for (const p of points)
      expect(p).toMatchObject({
        system: "alpha-bot",
        entity: VIOLATING_PROFILE,
        metric: "capital_invariant_violations_total",
      });
    const times = points.map((p) => p.observedAt);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1_000);
    const values = points.map((p) => p.value);
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBe(
      direct(bot, "capital_invariant_violations_total").find((s) => s.labels.profile_id === VIOLATING_PROFILE)!.value,
    );
  });

  it("sends a long query as a POST form and gets the same answer", async () => {
    const filler = Array.from({ length: 400 }, (_, i) => `profile_id!="no-such-profile-${i}"`).join(",");
    const promql = `available_capital_gauge{${filler}}`;
    const [viaPost, viaGet] = await Promise.all([
      queryInstant(prom.url, promql, { ...LIMITS, system: "alpha-bot" }),
      queryInstant(prom.url, "available_capital_gauge", { ...LIMITS, system: "alpha-bot", method: "GET" }),
    ]);
    expect(viaPost.ok && viaGet.ok, JSON.stringify([viaPost, viaGet]).slice(0, 500)).toBe(true);
    if (!viaPost.ok || !viaGet.ok) return;
    expect(byEntity(viaPost.value.samples)).toEqual(byEntity(viaGet.value.samples));
  });

  it("reports a PromQL syntax error as an http error with Prometheus' errorType", async () => {
    const r = await queryInstant(prom.url, "sum(rate(up[1m])", bySystem);
    expect(r).toMatchObject({ ok: false, error: { kind: "http" } });
    if (r.ok) return;
    expect(r.error.detail).toMatch(/^HTTP 400: Prometheus bad_data error: .*parse error/);
  });
});
