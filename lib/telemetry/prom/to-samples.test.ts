import { describe, expect, it } from "vitest";
import { SYSTEM_ENTITY } from "@/lib/telemetry/model";
import { TRADING_BOT_PROMETHEUS } from "./fixtures/expositions";
import { parsePrometheusText } from "./parse";
import { toSamples } from "./to-samples";
import type { MetricFamily } from "./types";

function parsed(text: string): MetricFamily[] {
  const result = parsePrometheusText(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

const observedAt = 1_712_345_678_000;

describe("toSamples", () => {
  it("emits one Sample per series, histogram buckets/sum/count included, labels kept", () => {
    const samples = toSamples(parsed(TRADING_BOT_PROMETHEUS), {
      system: "bot-a",
      entityLabel: ["profile_id", "symbol"],
      observedAt,
    });
    expect(samples).toHaveLength(10);
    expect(samples[0]).toEqual({
      system: "bot-a",
      entity: "p1",
      metric: "order_latency_seconds_bucket",
      labels: { profile_id: "p1", le: "0.005" },
      value: 10,
      observedAt,
    });
    expect(samples.slice(5, 7).map((s) => [s.metric, s.labels, s.value])).toEqual([
      ["order_latency_seconds_sum", { profile_id: "p1" }, 1.82],
      ["order_latency_seconds_count", { profile_id: "p1" }, 100],
    ]);
    expect(samples.at(-1)).toEqual({
      system: "bot-a",
      entity: SYSTEM_ENTITY,
      metric: "trading_loop_healthy",
      labels: {},
      value: 1,
      observedAt,
    });
  });

  it("takes the entity from the first entity label present, skipping empty values", () => {
    const families = parsed(
      'm{symbol="BTCUSDT",profile_id="p9"} 1\nm{symbol="ETHUSDT",profile_id=""} 2\nm{venue="x"} 3\n',
    );
    const opts = { system: "s", observedAt, entityLabel: ["profile_id", "symbol"] };
    expect(toSamples(families, opts).map((s) => s.entity)).toEqual(["p9", "ETHUSDT", "*"]);
    expect(toSamples(families, { system: "s", observedAt }).map((s) => s.entity)).toEqual(["*", "*", "*"]);
  });

  it("keeps a sample's own timestamp as observedAt and uses the scrape time otherwise", () => {
    const samples = toSamples(parsed("a 1 1000\na 2\n"), { system: "s", observedAt });
    expect(samples.map((s) => s.observedAt)).toEqual([1000, observedAt]);
  });

  it("keeps NaN and infinities, and does not share label objects with the parse result", () => {
    const families = parsed('a{x="1"} NaN\na{x="2"} -Inf\n');
    const samples = toSamples(families, { system: "s", observedAt });
    expect(samples.map((s) => s.value)).toEqual([NaN, -Infinity]);
    (samples[0] as { labels: Record<string, string> }).labels.x = "changed";
    expect(families[0]?.samples[0]?.labels.x).toBe("1");
  });
});
