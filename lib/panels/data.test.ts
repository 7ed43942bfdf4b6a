import { describe, expect, it } from "vitest";
import { seriesKey } from "../collector/store";
import { parseSeriesKey } from "./data";

describe("parseSeriesKey", () => {
  it("round-trips the store's series keys", () => {
    const cases: { system: string; entity: string; metric: string; labels: Record<string, string> }[] = [
      { system: "spot-exchange", entity: "BTC-USD", metric: "engine_trades_total", labels: { symbol: "BTC-USD" } },
      {
        system: "alpha-bot",
        entity: "eth-grid",
        metric: "parity.slice.confirmations",
        labels: { sliceId: "slice-1", state: "confirming", symbol: "ETH-USD", attributed: "true" },
      },
      { system: "spot-exchange", entity: "*", metric: "trading_api_request_duration_seconds:p99_window", labels: {} },
    ];
    for (const s of cases) {
      expect(parseSeriesKey(seriesKey(s))).toEqual(s);
    }
  });
  it("keeps a label value it cannot split as one entry instead of inventing labels", () => {
    expect(parseSeriesKey("a|*|m|reason=late, retried")?.labels).toEqual({ _: "reason=late, retried" });
    expect(parseSeriesKey("garbage")).toBeNull();
  });
});
