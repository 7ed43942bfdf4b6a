import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPrometheus, type TestPrometheus } from "@/lib/testing/prometheus";
import { parsePrometheusText } from "./parse";

// What the 0.0.4 mode accepts, checked against a real Prometheus 2.42 scraping the same text: the
// lenient exposition is scraped (target up) and read whole by our parser; the exposition with one
// odd line fails Prometheus's scrape entirely, where our parser keeps the other families and marks
// the read partial (a deliberate difference, README "Metrics").

const LENIENT = [
  "# HELP lenient_a First help.",
  "# HELP lenient_a Second help.",
  "# TYPE lenient_a gauge",
  "# TYPE lenient_a gauge",
  'lenient_a{__meta="x",path="C:\\tmp\\q"} 1',
  '# HELP lenient_b ends \\\\\\"',
  "lenient_b 2",
  "# TYPE lenient_b gauge",
  'lenient_c\t{ k = "v" , }   3',
  "",
].join("\n");
const ODD = ["# TYPE odd_a gauge", "odd_a 1", "# TYPE odd_b gauge", 'odd_b{x="1"} 1,5', ""].join("\n");

describe("0.0.4 leniency against a real Prometheus 2.42", () => {
  let server: http.Server;
  let prom: TestPrometheus;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(req.url === "/odd" ? ODD : LENIENT);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    prom = await startTestPrometheus({
      scrapeTargets: [
        { job: "lenient", targets: [target], scrapeIntervalSeconds: 1, metricsPath: "/lenient" },
        { job: "odd", targets: [target], scrapeIntervalSeconds: 1, metricsPath: "/odd" },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  async function targets(): Promise<Record<string, { health: string; lastError: string }>> {
    const res = await fetch(`${prom.url}/api/v1/targets`);
    const body = (await res.json()) as {
      data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> };
    };
    return Object.fromEntries(
      body.data.activeTargets.map((t) => [t.labels.job, { health: t.health, lastError: t.lastError }]),
    );
  }

  it("Prometheus scrapes the lenient exposition, and our parser reads it whole", async () => {
    await expect.poll(async () => (await targets()).lenient?.health, { timeout: 20_000, interval: 500 }).toBe("up");
    const r = parsePrometheusText(LENIENT, { contentType: "text/plain; version=0.0.4" });
    expect(r.ok && r.issues).toBeUndefined();
    expect(r.ok && r.families.map((f) => [f.name, f.samples.length])).toEqual([
      ["lenient_a", 1],
      ["lenient_b", 1],
      ["lenient_c", 1],
    ]);
    // Prometheus stored the __-prefixed label and the odd escape as written, as our parser does.
    const q = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent("lenient_a")}`);
    const series = ((await q.json()) as { data: { result: Array<{ metric: Record<string, string> }> } }).data.result;
    expect(series[0]?.metric.path).toBe("C:\\tmp\\q");
    expect(r.ok && r.families[0]?.samples[0]?.labels).toMatchObject({ __meta: "x", path: "C:\\tmp\\q" });
  }, 40_000);

  it("one odd line fails Prometheus's scrape whole; our parser keeps the other family, partial", async () => {
    await expect.poll(async () => (await targets()).odd?.health, { timeout: 20_000, interval: 500 }).toBe("down");
    const r = parsePrometheusText(ODD, { contentType: "text/plain; version=0.0.4" });
    expect(r.ok && r.families.map((f) => f.name)).toEqual(["odd_a"]);
    expect(r.ok && r.issues?.map((i) => [i.line, i.family])).toEqual([[4, "odd_b"]]);
  }, 40_000);
});
