import { describe, expect, it } from "vitest";
import { parseBotState, parseFuturesState, parseSpotState } from "./state";

// Control previews read the target documents with the collector's schemas; the fields a control
// needs and the target did not report are named, and a wrong type anywhere fails with its path.

const spot = {
  symbols: [{ symbol: "BTC-USD", mode: "NORMAL", openOrders: 3, lastPrice: 1, tradesLastSecond: 2, lastSeq: 9 }],
  withdrawalsHalted: false,
  conflation: true,
  bookDepthDefault: 50,
  websocket: { clients: 12, backlogPerConnection: 0, loadRatio: 0.1 },
};

describe("control state reads", () => {
  it("reads the exchange state a preview needs", () => {
    expect(parseSpotState(spot)).toEqual({
      kind: "spot-exchange",
      symbols: [{ symbol: "BTC-USD", mode: "NORMAL", openOrders: 3, tradesLastSecond: 2 }],
      withdrawalsHalted: false,
      conflation: true,
      bookDepthDefault: 50,
      websocketClients: 12,
    });
  });

  it("tells a symbol without a throttle (null) from one whose throttle is not reported, and reads the subscription limit and T2", () => {
    const st = parseSpotState({
      ...spot,
      symbols: [
        { ...spot.symbols[0], throttleOrdersPerSecond: null },
        { symbol: "ETH-USD", mode: "NORMAL", openOrders: 1, throttleOrdersPerSecond: 5, newOrdersLastSecond: 5 },
        { symbol: "SOL-USD", mode: "NORMAL", openOrders: 1 },
      ],
      websocket: { ...spot.websocket, subscriptionLimitPerMinute: 6, subscriptionLimitNormalPerMinute: 60 },
      settlement: { lagP99Seconds: 7.5, t2Seconds: 5, t3Seconds: 30, policy: "throttle" },
    });
    expect(st.symbols.map((x) => x.throttle)).toEqual([null, 5, undefined]);
    expect("throttle" in st.symbols[2]!).toBe(false);
    expect(st.subscriptionLimit).toEqual({ perMinute: 6, normalPerMinute: 60 });
    expect(st.settlement).toEqual({ lagP99Seconds: 7.5, t2Seconds: 5 });
  });

  it("names a field the control needs that the target did not report, and a field of the wrong type", () => {
    const { conflation: _c, ...noConflation } = spot;
    expect(() => parseSpotState(noConflation)).toThrow("conflation: not reported");
    expect(() => parseSpotState({ ...spot, conflation: "yes" })).toThrow(/conflation/);
    expect(() => parseBotState({ profiles: [{ profile_id: "eth-grid" }] })).toThrow("profiles[0].status: not reported");
  });

  it("tells a position without a stop-loss (null) from one whose stop-loss is not reported", () => {
    const f = parseFuturesState(
      { status: "running", killSwitch: { active: false, reason: null } },
      {
        positions: [
          { positionId: "p1", symbol: "PF_XBTUSD", slOrderId: null, onExchange: true },
          { positionId: "p2", symbol: "PF_ETHUSD", slOrderId: "sl-2" },
        ],
        untracked: [{ symbol: "PF_SOLUSD" }],
      },
    );
    expect(f.positions).toEqual([
      { symbol: "PF_XBTUSD", slOrderId: null, onExchange: true },
      { symbol: "PF_ETHUSD", slOrderId: "sl-2" },
    ]);
    expect(f.stopLossMissing).toBe(1);
    expect(f.untracked).toEqual([{ symbol: "PF_SOLUSD" }]);
    expect(
      parseBotState({
        profiles: [{ profile_id: "eth-grid", status: "active", available_capital: 100 }],
        quarantinedOrders: [{ orderId: "o-1" }],
      }),
    ).toEqual({
      kind: "trading-bot",
      profiles: [{ profile_id: "eth-grid", status: "active", available_capital: 100 }],
      quarantinedOrders: [{ orderId: "o-1" }],
    });
  });
});
