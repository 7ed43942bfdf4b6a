import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeProbe, pollProbe } from "./health";
import type { PollContext } from "./types";

// /health/live and /health/ready are judged by what they say, not by a 2xx alone: a server that
// answers every path with an HTML landing page must never look healthy.

const LANDING = "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body>It works!</body></html>";

describe("judgeProbe", () => {
  const cases: Array<
    [what: string, status: number, contentType: string, body: string, expected: "json" | "text" | string]
  > = [
    ["documented JSON liveness", 200, "application/json", '{"status":"live","time":"2026-01-05T00:00:00Z"}', "json"],
    [
      "JSON readiness with degraded checks",
      503,
      "application/json; charset=utf-8",
      '{"status":"degraded","degraded":["postgres"]}',
      "json",
    ],
    ["JSON body without a content type", 200, "", '{"status":"ok"}', "json"],
    ["documented plain OK", 200, "text/plain", "OK\n", "text"],
    ["other plain text that is not HTML", 200, "text/plain", "all systems nominal", "text"],
    ["HTML landing page", 200, "text/html; charset=utf-8", LANDING, "schema"],
    ["HTML sent as text/plain", 200, "text/plain", "  <html><body>hello</body></html>", "schema"],
    ["HTML sent as JSON", 200, "application/json", LANDING, "schema"],
    ["proxy error page on 503", 503, "text/html", "<html><body>503 Service Unavailable</body></html>", "http"],
    ["plain 503", 503, "text/plain", "unavailable", "http"],
    ["JSON of another shape", 200, "application/json", '{"hello":"world"}', "schema"],
    ["a JSON array", 200, "application/json", '["live"]', "schema"],
    ["JSON whose status is not a string", 200, "application/json", '{"status":true}', "schema"],
    ["cut-off JSON", 200, "application/json", '{"status":"li', "parse"],
  ];
  it.each(cases)("%s", (_what, status, contentType, body, expected) => {
    const v = judgeProbe("/health/ready", status, contentType, body);
    if (expected === "json" || expected === "text") expect(v).toMatchObject({ ok: true, shape: expected });
    else expect(v).toMatchObject({ ok: false, error: { kind: expected } });
  });

  it("tells the documented plain bodies from other text", () => {
    expect(judgeProbe("/health/live", 200, "text/plain", "ok")).toEqual({ ok: true, shape: "text", documented: true });
    expect(judgeProbe("/health/live", 200, "text/plain", "whatever")).toEqual({
      ok: true,
      shape: "text",
      documented: false,
    });
  });
});

describe("pollProbe against a real HTTP server", () => {
  let server: http.Server;
  let base = "";
  const answers: Record<string, { status: number; type: string; body: string }> = {};
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const a = answers[req.url ?? ""] ?? { status: 200, type: "text/html; charset=utf-8", body: LANDING };
      res.writeHead(a.status, { "content-type": a.type });
      res.end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const ctx = (): PollContext => ({
    target: {
      name: "landing",
      kind: "spot-exchange",
      baseUrl: base,
      simulated: false,
      credentials: {},
      thresholds: {},
    },
    timeoutMs: 2000,
    maxBytes: 1024 * 1024,
    now: Date.now(),
  });

  it("a server that answers every path with its landing page is not healthy", async () => {
    for (const path of ["/health/live", "/health/ready"] as const) {
      const p = await pollProbe(ctx(), path);
      expect(p.ok, path).toBe(false);
      expect(p.error?.kind).toBe("schema");
      expect(p.error?.detail).toContain("HTML page");
      expect(p.samples).toEqual([]);
    }
  });

  it("a documented answer is healthy and reports its status", async () => {
    answers["/health/live"] = { status: 200, type: "text/plain", body: "OK" };
    answers["/health/ready"] = {
      status: 503,
      type: "application/json",
      body: '{"status":"degraded","degraded":["kafka"]}',
    };
    const live = await pollProbe(ctx(), "/health/live");
    expect(live).toMatchObject({ ok: true, status: 200 });
    expect(live.samples.map((s) => [s.metric, s.value])).toEqual([["http_status", 200]]);
    const ready = await pollProbe(ctx(), "/health/ready");
    expect(ready).toMatchObject({ ok: true, status: 503 });
    expect(ready.samples.find((s) => s.metric === "ready.degraded")?.value).toBe(1);
  });
});
