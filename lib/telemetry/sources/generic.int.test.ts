// A real node_exporter (Debian `prometheus-node-exporter`, run by the harness on a loopback port)
// scraped through the generic `prometheus` kind, and the shipped example host rules evaluated over
// its real output. The expectations come from the exposition itself, read here with a plain regex
// (not the product's parser): the memory finding's state must be what MemAvailable / MemTotal says.
// A test threshold forces one rule to fire; then the exporter starts answering HTML (a proxy in
// front of it switches) and the findings that were judged turn Unknown naming the parse error.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Collector } from "@/lib/collector/collector";
import { parseFleetConfig } from "@/lib/config/fleet";
import { evaluateRules } from "@/lib/rules";
import { loadRulesFile } from "@/lib/rules/user";
import {
  NODE_EXPORTER_BIN,
  nodeExporterInstalled,
  startNodeExporter,
  type TestNodeExporter,
} from "@/lib/testing/node-exporter";
import type { Finding } from "@/lib/core/vocabulary";
import { pollerFor } from "./pollers";

const EXAMPLE_RULES = path.resolve(__dirname, "../../../config/rules.example.yaml");
const INTERVAL_MS = 180_000;

let exporter: TestNodeExporter;
let proxy: http.Server;
let proxyUrl = "";
let mode: "pass" | "html" = "pass";

function rawValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`${name} not in the exposition`);
  return Number(m[1]);
}

it("uses node_exporter from the Debian package", () => {
  expect(
    nodeExporterInstalled(),
    `install prometheus-node-exporter (npm run deps:system) for ${NODE_EXPORTER_BIN}`,
  ).toBe(true);
});

describe("node_exporter through the generic prometheus kind", () => {
  beforeAll(async () => {
    exporter = await startNodeExporter();
    proxy = http.createServer(async (req, res) => {
      if (mode === "html") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(
          "<!doctype html><html><head><title>Sign in - corporate proxy</title></head><body>Please sign in</body></html>",
        );
        return;
      }
      const upstream = await fetch(`${exporter.url}${req.url}`);
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
      res.end(await upstream.text());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => proxy?.close(r));
    await exporter?.stop();
  });

  it("scrapes it, evaluates the example host rules on its output, forces one to fire, then turns Unknown on HTML", async () => {
    const cfg = parseFleetConfig(`
defaults: { pollIntervalMs: ${INTERVAL_MS}, timeoutMs: 5000 }
targets:
  - { name: host-real, kind: prometheus, baseUrl: "${exporter.url}", scrape: { entityLabel: mountpoint } }
  - name: host-forced
    kind: prometheus
    baseUrl: "${proxyUrl}"
    thresholds: { host_memory_low: { value: 1.01 } }
`);
    let now = Date.parse("2026-03-01T00:00:00Z");
    const collector = new Collector({ config: cfg, pollerFor, secret: () => undefined, now: () => now });
    const { rules } = loadRulesFile(EXAMPLE_RULES);
    const evaluate = (): Finding[] =>
      evaluateRules(
        {
          now,
          history: collector.store,
          freshness: (s, e) => collector.freshness(s, e),
          sourceProblem: (s, e) => collector.sourceProblem(s, e),
          droppedFamilies: (s) => collector.droppedFamilies(s),
          targets: collector.targetsForRules(),
        },
        rules,
      );

    // Three polls, three virtual minutes apart: the memory rule's `for: 5m` is covered.
    let text = "";
    for (let i = 0; i < 3; i++) {
      if (i > 0) now += 3 * 60_000;
      text = await (await fetch(`${exporter.url}/metrics`)).text();
      await collector.pollTarget("host-real");
      await collector.pollTarget("host-forced");
    }
    const status = collector.status().find((s) => s.name === "host-real")!;
    expect(status.freshness).toBe("ok");
    const endpoint = status.endpoints.find((e) => e.path === "/metrics")!;
    expect(endpoint.lastSuccessAt).toBe(now);
    // node_exporter serves hundreds of series; every one of them is a sample.
    expect(endpoint.samples).toBeGreaterThan(200);
    expect(status.parts?.[0]).toMatchObject({ part: "metrics", adapter: "generic-scrape", freshness: "ok" });

    const findings = evaluate();
    const of = (system: string, rule: string, entity = "*") =>
      findings.find((f) => f.system === system && f.ruleId === rule && f.entity === entity);

    // Memory: the state follows the ratio in the raw exposition (0.10 is the example's threshold).
    const ratio = rawValue(text, "node_memory_MemAvailable_bytes") / rawValue(text, "node_memory_MemTotal_bytes");
    expect(of("host-real", "host_memory_low")?.state).toBe(ratio < 0.1 ? "critical" : "ok");
    // The host is up: its node metrics are fresh.
    expect(of("host-real", "host_down")?.state).toBe("ok");
    // The root filesystem is judged under its mountpoint.
    expect(of("host-real", "host_filesystem_filling", "/")).toBeDefined();
    // Clock skew: judged from node_timex_offset_seconds (whatever this machine's clock says).
    const offset = Math.abs(rawValue(text, "node_timex_offset_seconds"));
    expect(of("host-real", "host_clock_skew")?.state).toBe(offset > 0.05 ? "warning" : "ok");

    // The test threshold (available/total < 1.01, which always holds) fires the rule after `for`.
    const forced = of("host-forced", "host_memory_low")!;
    expect(forced).toMatchObject({ state: "critical", severity: "SEV2" });
    expect(forced.summary).toMatch(/^host-forced: only \d+(\.\d)?% of memory available \(below 101% for 5m\)$/);

    // The exporter starts answering an HTML sign-in page with 200: a parse error, never OK.
    mode = "html";
    now += 60_000;
    await collector.pollTarget("host-forced");
    await collector.pollTarget("host-real");
    const bad = collector.status().find((s) => s.name === "host-forced")!;
    expect(bad.lastError).toMatchObject({ kind: "parse" });
    expect(bad.lastError?.detail).toContain("answered HTML");
    const after = evaluate();
    const memory = after.find((f) => f.system === "host-forced" && f.ruleId === "host_memory_low")!;
    expect(memory.state).toBe("unknown");
    expect(memory.summary).toContain("parse: answered HTML");
    const fs = after.filter((f) => f.system === "host-forced" && f.ruleId === "host_filesystem_filling");
    expect(fs.length).toBeGreaterThan(0);
    for (const f of fs) expect(f.state).toBe("unknown");
    // The healthy host next to it is untouched.
    expect(after.find((f) => f.system === "host-real" && f.ruleId === "host_down")?.state).toBe("ok");
  });
});
