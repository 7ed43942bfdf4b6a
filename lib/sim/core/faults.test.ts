import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../fleet";
import { parseExposition } from "./metrics";
import { getMetrics, http, metric, startTestFleet } from "../testing";

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startTestFleet({ kinds: ["trading-bot", "spot-exchange"] });
  fleet.advance(120_000);
});
afterAll(() => fleet.stop());

const bot = () => fleet.info("alpha-bot");

describe("faults", () => {
  it("down refuses connections until cleared, on the same port", async () => {
    await fleet.setFault("alpha-bot", "down");
    await expect(fetch(bot().url + "/health/live")).rejects.toThrow();
    await fleet.clearFault("alpha-bot");
    expect((await http(bot().url + "/health/live")).status).toBe(200);
  });

  it("hanging never answers; slow answers after the delay", async () => {
    await fleet.setFault("alpha-bot", "hanging");
    await expect(fetch(bot().url + "/internal/health", { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await fleet.setFault("alpha-bot", "slow", { delayMs: 250 });
    const t = Date.now();
    expect((await http(bot().url + "/health/live")).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
    await fleet.clearFault("alpha-bot");
  });

  it("http-500, html error page, truncated JSON", async () => {
    await fleet.setFault("alpha-bot", "http-500");
    expect((await http(bot().url + "/internal/health")).status).toBe(500);
    await fleet.setFault("alpha-bot", "html-error");
    const html = await fetch(bot().url + "/internal/health");
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toContain("text/html");
    expect(await html.text()).toContain("<html>");
    await fleet.setFault("alpha-bot", "truncated-json");
    const t = await fetch(bot().url + "/internal/health");
    expect(t.status).toBe(200);
    const body = await t.text();
    expect(() => JSON.parse(body)).toThrow();
    await fleet.clearFault("alpha-bot");
    expect(JSON.parse((await http(bot().url + "/internal/health")).text)).toHaveProperty("profiles");
  });

  it("malformed metrics break a Prometheus parser; other endpoints unaffected", async () => {
    await fleet.setFault("spot-exchange", "malformed-metrics");
    const x = fleet.info("spot-exchange");
    const text = await getMetrics(x);
    expect(() => parseExposition(text)).toThrow(/unparseable/);
    expect((await http(x.url + "/health/live")).status).toBe(200);
    await fleet.clearFault("spot-exchange");
    expect(parseExposition(await getMetrics(x)).length).toBeGreaterThan(100);
  });

  it("oversized body", async () => {
    await fleet.setFault("alpha-bot", "oversized-body");
    const res = await fetch(bot().url + "/internal/health");
    expect(Number(res.headers.get("content-length"))).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    const buf = await res.arrayBuffer();
    expect(buf.byteLength).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    await fleet.clearFault("alpha-bot");
  });

  it("counter reset restarts counters from zero and keeps gauges", async () => {
    const before = await getMetrics(bot());

    await fleet.setFault("alpha-bot", "counter-reset");
    const after = await getMetrics(bot());
    expect(metric(before, "reconciliation_cycles_total")).toBe(4);
    expect(metric(after, "reconciliation_cycles_total")).toBe(0);
    expect(metric(after, "http_responses_total", { code: "200" })).toBeLessThan(
      metric(before, "http_responses_total", { code: "200" }),
    );
    expect(metric(after, "ledger_allocated_usd", { profile_id: "btc-momentum" })).toBe(25000);
    fleet.advance(30_000);
    expect(metric(await getMetrics(bot()), "reconciliation_cycles_total")).toBe(1);
    expect(fleet.fault("alpha-bot")).toBeNull();
  });
});
