// The Prometheus-backed metrics poll against hand-written Prometheus 2.x API answers served on
// loopback: the answers a real server scraping one target gives (a vector of its series with `job`
// and `instance`, and `timestamp(up…)`), plus the ones a test Prometheus cannot be made to give
// (warnings, several instances, up = 0, an old scrape). The expected samples come from our text
// parser reading the same exposition directly, not from the code under test.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FleetConfig } from "../../config/fleet";
import type { Sample } from "../model";
import { parsePrometheusText } from "../prom";
import { readMetrics } from "./metrics";
import { pollPrometheusMetrics, seriesToFamilies } from "./prometheus-metrics";
import type { PollContext } from "./types";

const EXPOSITION = `# TYPE exchange_request_duration_seconds histogram
exchange_request_duration_seconds_bucket{le="0.05"} 10
exchange_request_duration_seconds_bucket{le="0.1"} 25
exchange_request_duration_seconds_bucket{le="0.5"} 40
exchange_request_duration_seconds_bucket{le="+Inf"} 42
exchange_request_duration_seconds_sum 6.5
exchange_request_duration_seconds_count 42
# TYPE http_responses_total counter
http_responses_total{code="200"} 120
http_responses_total{code="401"} 7
# TYPE available_capital_gauge gauge
available_capital_gauge{profile_id="btc-momentum"} -150.5
available_capital_gauge{profile_id="eth-momentum"} 1200
`;

const NOW_S = 1_800_000_000;
const TARGET = { job: "alpha-bot", instance: "127.0.0.1:4101" };

/** The instant vector Prometheus gives for {job="alpha-bot"} after scraping EXPOSITION at `scrapeS`. */
function vectorOf(exposition: string, evalS: number, extra: { up?: number; instances?: string[] } = {}) {
  const parsed = parsePrometheusText(exposition);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const result: { metric: Record<string, string>; value: [number, string] }[] = [];
  for (const instance of extra.instances ?? [TARGET.instance]) {
    const labels = { ...TARGET, instance };
    result.push({ metric: { __name__: "up", ...labels }, value: [evalS, String(extra.up ?? 1)] });
    result.push({ metric: { __name__: "scrape_duration_seconds", ...labels }, value: [evalS, "0.003"] });
    for (const f of parsed.families)
      for (const s of f.samples)
        result.push({
          metric: { __name__: s.name, ...s.labels, ...labels },
          value: [evalS, String(s.value === Infinity ? "+Inf" : s.value)],
        });
  }
  // Prometheus answers in no particular order.
  result.reverse();
  return { status: "success", data: { resultType: "vector", result } };
}

function stampOf(evalS: number, scrapeS: number, instances = [TARGET.instance]) {
  return {
    status: "success",
    data: {
      resultType: "vector",
      result: instances.map((instance) => ({ metric: { ...TARGET, instance }, value: [evalS, String(scrapeS)] })),
    },
  };
}

let server: Server;
let base: string;
let answers: { series: unknown; stamp: unknown; status?: number };

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
    const body = q.startsWith("timestamp(") ? answers.stamp : answers.series;
    res.writeHead(answers.status ?? 200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  answers = { series: vectorOf(EXPOSITION, NOW_S), stamp: stampOf(NOW_S, NOW_S - 0.4) };
});

function ctx(now: number, intervalMs = 2000): PollContext {
  const cfg = FleetConfig.parse({
    targets: [
      {
        name: "alpha-bot",
        kind: "trading-bot",
        baseUrl: "http://127.0.0.1:4101",
        metrics: { from: "prometheus", url: base, selector: '{job="alpha-bot"}' },
      },
    ],
  });
  return { target: cfg.targets[0]!, timeoutMs: 2000, maxBytes: 1 << 20, now, intervalMs };
}

const key = (s: Sample) =>
  `${s.entity} ${s.metric}${JSON.stringify(Object.entries(s.labels).sort())} = ${s.value} @ ${s.observedAt}`;

describe("metrics read through Prometheus", () => {
  it("give the same samples as reading the exposition directly (labels, entities, quantiles, counters)", async () => {
    const now = 5_000_000;
    const memory = new Map();
    const direct = readMetrics(EXPOSITION, "text/plain; version=0.0.4", {
      system: "alpha-bot",
      observedAt: now,
      memory: new Map(),
    });
    if (!direct.ok) throw new Error(direct.error.detail);
    const r = await pollPrometheusMetrics(ctx(now), memory, new Map());
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.path).toBe("/api/v1/query");
    expect(r.samples.map(key).sort()).toEqual(direct.value.samples.map(key).sort());
    // The quantiles are there, from the regrouped histogram.
    expect(r.samples.some((s) => s.metric === "exchange_request_duration_seconds:p99")).toBe(true);
    // No scrape series, no target labels.
    expect(
      r.samples.some(
        (s) => s.metric === "up" || s.metric.startsWith("scrape_") || "job" in s.labels || "instance" in s.labels,
      ),
    ).toBe(false);
  });

  it("date a scrape older than one poll interval whole intervals back, measured on Prometheus' clock", async () => {
    answers.stamp = stampOf(NOW_S, NOW_S - 2.5); // 2.5 s old with a 2 s interval: one interval back
    const r = await pollPrometheusMetrics(ctx(9_000_000), new Map(), new Map());
    expect(r.ok).toBe(true);
    expect(new Set(r.samples.map((s) => s.observedAt))).toEqual(new Set([9_000_000 - 2000]));
  });

  it("a scrape read a second time adds no windowed quantile", async () => {
    const memory = new Map();
    const scrapes = new Map();
    await pollPrometheusMetrics(ctx(1_000), memory, scrapes);
    // A new scrape with 10 more observations in the 0.05 bucket: a window quantile appears.
    const more = EXPOSITION.replace('le="0.05"} 10', 'le="0.05"} 20')
      .replace('le="0.1"} 25', 'le="0.1"} 35')
      .replace('le="0.5"} 40', 'le="0.5"} 50')
      .replace('le="+Inf"} 42', 'le="+Inf"} 52')
      .replace("seconds_count 42", "seconds_count 52");
    answers = { series: vectorOf(more, NOW_S + 1), stamp: stampOf(NOW_S + 1, NOW_S + 0.6) };
    const second = await pollPrometheusMetrics(ctx(3_000), memory, scrapes);
    expect(
      second.samples.find((s) => s.metric === "exchange_request_duration_seconds:p99_window")?.value,
    ).toBeLessThanOrEqual(0.05);
    const again = await pollPrometheusMetrics(ctx(5_000), memory, scrapes);
    expect(again.ok).toBe(true);
    expect(again.samples.some((s) => s.metric.endsWith("_window"))).toBe(false);
  });

  const failures: Array<[string, () => void, { kind: string; detail: RegExp }]> = [
    [
      "an answer with warnings (possibly partial data)",
      () => void ((answers.series as { warnings?: string[] }).warnings = ["remote read: store 2 did not answer"]),
      { kind: "http", detail: /^Prometheus answered with a warning, so the data may be partial: remote read: store 2/ },
    ],
    [
      "an error answer",
      () =>
        void (
          (answers.series = {
            status: "error",
            errorType: "execution",
            error: "query timed out in expression evaluation",
          }),
          (answers.status = 503)
        ),
      { kind: "http", detail: /^HTTP 503: Prometheus execution error: query timed out/ },
    ],
    [
      "a target Prometheus could not scrape",
      () => void (answers.series = vectorOf("", NOW_S, { up: 0 })),
      { kind: "network", detail: /could not scrape the target \(up = 0\)/ },
    ],
    [
      "a selector that matches two scrape targets",
      () => void (answers.series = vectorOf(EXPOSITION, NOW_S, { instances: ["a:1", "b:2"] })),
      { kind: "schema", detail: /matches 2 scrape targets \(a:1, b:2\); it must match exactly one/ },
    ],
    [
      "a selector that matches none",
      () => void (answers.series = { status: "success", data: { resultType: "vector", result: [] } }),
      { kind: "schema", detail: /no scrape target in Prometheus matches \{job="alpha-bot"\}/ },
    ],
    [
      "a last scrape older than two poll intervals",
      () => void (answers.stamp = stampOf(NOW_S, NOW_S - 30)),
      { kind: "timeout", detail: /last scrape of the target is 30\.0 s old/ },
    ],
    [
      "an HTML page where the API should be",
      () => void (answers.series = "<html>login</html>"),
      { kind: "schema", detail: /envelope/ },
    ],
  ];
  for (const [what, arrange, error] of failures) {
    it(`fail on ${what}, with its kind`, async () => {
      arrange();
      const r = await pollPrometheusMetrics(ctx(1_000), new Map(), new Map());
      expect(r.ok).toBe(false);
      expect(r.samples).toEqual([]);
      expect(r.error?.kind).toBe(error.kind);
      expect(r.error?.detail).toMatch(error.detail);
    });
  }
});

describe("seriesToFamilies", () => {
  it("regroups a histogram from its series and leaves other names as families of their own", () => {
    const families = seriesToFamilies([
      { name: "d_seconds_count", labels: { path: "/a" }, value: 3 },
      { name: "d_seconds_bucket", labels: { path: "/a", le: "+Inf" }, value: 3 },
      { name: "d_seconds_bucket", labels: { path: "/a", le: "0.1" }, value: 1 },
      { name: "d_seconds_sum", labels: { path: "/a" }, value: 0.7 },
      { name: "x_total", labels: {}, value: 9 },
    ]);
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ["d_seconds", "histogram"],
      ["x_total", "untyped"],
    ]);
    expect(families[0]!.samples.map((s) => `${s.name}${s.labels.le ? `{le=${s.labels.le}}` : ""}`)).toEqual([
      "d_seconds_bucket{le=0.1}",
      "d_seconds_bucket{le=+Inf}",
      "d_seconds_count",
      "d_seconds_sum",
    ]);
  });
});
