import { describe, expect, it } from "vitest";
import {
  CONTROLS,
  DEFAULT_SETTINGS,
  coerceParams,
  describeRequest,
  findControl,
  minRoleFor,
  policyFor,
  policyTable,
  reasonProblem,
  ticketHref,
  validatePolicyKeys,
} from "./catalog";
import type { SpotState, TradingBotState } from "./state";

// The catalog's pure parts: who may run what, what must be typed, and the preview/verify texts.

const spotState: SpotState = {
  kind: "spot-exchange",
  symbols: [{ symbol: "BTC-USD", mode: "NORMAL", openOrders: 37, tradesLastSecond: 12 }],
  withdrawalsHalted: false,
  conflation: false,
  bookDepthDefault: 50,
};
const parse = (kind: string, id: string, raw: Record<string, unknown>) => {
  const def = findControl(kind, id)!;
  return { def, params: def.schema.parse(coerceParams(def, raw)) as Record<string, unknown> };
};

describe("control policy", () => {
  // Expected by direction (issue: protect fast, restore carefully): protective = one responder
  // (a commander for a whole system), no approval; restoring = a commander and a second person.
  it.each([
    [
      "spot-exchange",
      "symbol-mode",
      { symbol: "BTC-USD", mode: "HARD_HALT" },
      "protective",
      "critical",
      "responder",
      false,
      "BTC-USD",
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { symbol: "BTC-USD", mode: "SOFT_HALT" },
      "protective",
      "elevated",
      "responder",
      false,
      "BTC-USD",
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { symbol: "BTC-USD", mode: "CANCEL_ONLY" },
      "protective",
      "elevated",
      "responder",
      false,
      null,
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { symbol: "BTC-USD", mode: "NORMAL" },
      "restoring",
      "standard",
      "commander",
      true,
      null,
      0,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { scope: "all", mode: "SOFT_HALT" },
      "protective",
      "elevated",
      "commander",
      false,
      "spot-exchange",
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { scope: "all", mode: "CANCEL_ONLY" },
      "protective",
      "elevated",
      "commander",
      false,
      "spot-exchange",
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { scope: "all", mode: "HARD_HALT" },
      "protective",
      "critical",
      "commander",
      false,
      "spot-exchange",
      5,
    ],
    [
      "spot-exchange",
      "symbol-mode",
      { scope: "all", mode: "NORMAL" },
      "restoring",
      "elevated",
      "commander",
      true,
      "spot-exchange",
      0,
    ],
    ["spot-exchange", "cancel-all", { symbol: "BTC-USD" }, "protective", "critical", "responder", false, "BTC-USD", 0],
    [
      "spot-exchange",
      "withdrawals-halt",
      { on: "on" },
      "protective",
      "critical",
      "commander",
      false,
      "spot-exchange",
      5,
    ],
    ["spot-exchange", "withdrawals-halt", { on: "off" }, "restoring", "elevated", "commander", true, null, 0],
    ["spot-exchange", "conflation", { on: "on" }, "protective", "standard", "responder", false, null, 0],
    ["spot-exchange", "conflation", { on: "off" }, "restoring", "standard", "commander", true, null, 0],
    ["spot-exchange", "book-depth", { depth: "20" }, "neutral", "standard", "responder", false, null, 0],
    // Settlement lag over T2: capping new orders is protective; lifting the cap lets the inflow back.
    [
      "spot-exchange",
      "symbol-throttle",
      { symbol: "BTC-USD", on: "on", ordersPerSecond: "5" },
      "protective",
      "elevated",
      "responder",
      false,
      null,
      0,
    ],
    [
      "spot-exchange",
      "symbol-throttle",
      { symbol: "BTC-USD", on: "off" },
      "restoring",
      "elevated",
      "commander",
      true,
      null,
      0,
    ],
    // "(protect server)": a tighter subscription limit protects the edge; the normal limit is the restore.
    ["spot-exchange", "subscription-rate-limit", { on: "on" }, "protective", "standard", "responder", false, null, 0],
    ["spot-exchange", "subscription-rate-limit", { on: "off" }, "restoring", "standard", "commander", true, null, 0],
    ["trading-bot", "pause-profile", { profileId: "p" }, "protective", "elevated", "responder", false, null, 5],
    ["trading-bot", "resume-profile", { profileId: "p" }, "restoring", "standard", "commander", true, null, 0],
    ["trading-bot", "trigger-reconciliation", { profileId: "p" }, "neutral", "standard", "responder", false, null, 0],
    ["trading-bot", "quarantine-order", { orderId: "o-1" }, "protective", "elevated", "responder", false, "o-1", 0],
    ["futures-bot", "sync-positions", { execute: "plan" }, "neutral", "standard", "responder", false, null, 0],
    [
      "futures-bot",
      "sync-positions",
      { execute: "execute", planId: "x" },
      "restoring",
      "elevated",
      "commander",
      true,
      "kraken-futures",
      0,
    ],
    ["futures-bot", "recover-sl-order-ids", { execute: "plan" }, "neutral", "standard", "responder", false, null, 0],
    [
      "futures-bot",
      "recover-sl-order-ids",
      { execute: "execute", planId: "x" },
      "protective",
      "elevated",
      "responder",
      false,
      "kraken-futures",
      0,
    ],
    ["futures-bot", "kill-switch", {}, "protective", "critical", "responder", false, "kraken-futures", 5],
  ] as const)(
    "%s %s %j → %s, %s, %s, second person %s, confirm %s, watch %s min",
    (kind, id, raw, direction, tier, role, second, confirm, watch) => {
      const target =
        kind === "futures-bot" ? "kraken-futures" : kind === "spot-exchange" ? "spot-exchange" : "alpha-bot";
      const { def, params } = parse(kind, id, raw);
      expect(policyFor(def, params, target)).toMatchObject({
        direction,
        tier,
        role,
        secondPerson: second,
        confirm,
        watchMinutes: watch,
        source: "default",
      });
    },
  );

  it("takes per-control and per-variant overrides from the fleet config; the variant wins", () => {
    const { def, params } = parse("spot-exchange", "symbol-mode", { symbol: "BTC-USD", mode: "HARD_HALT" });
    const settings = {
      ...DEFAULT_SETTINGS,
      policy: {
        "symbol-mode": { role: "commander" as const, watchMinutes: 2 },
        "symbol-mode:HARD_HALT": { secondPerson: true },
      },
    };
    expect(policyFor(def, params, "spot-exchange", settings)).toMatchObject({
      role: "commander",
      secondPerson: true,
      watchMinutes: 2,
      source: "config",
    });
    const normal = parse("spot-exchange", "symbol-mode", { symbol: "BTC-USD", mode: "NORMAL" });
    expect(policyFor(normal.def, normal.params, "spot-exchange", settings)).toMatchObject({
      role: "commander",
      secondPerson: true,
      watchMinutes: 0,
    });
    // The master switch turns every approval off.
    expect(
      policyFor(normal.def, normal.params, "spot-exchange", { ...DEFAULT_SETTINGS, secondPerson: false }),
    ).toMatchObject({ secondPerson: false, role: "commander" });
  });

  it("keeps the critical list configurable (typed confirmation), and lists the lowest role per control", () => {
    const { def, params } = parse("spot-exchange", "symbol-mode", { symbol: "BTC-USD", mode: "SOFT_HALT" });
    expect(
      policyFor(def, params, "spot-exchange", { ...DEFAULT_SETTINGS, critical: ["symbol-mode:SOFT_HALT"] }),
    ).toMatchObject({ tier: "critical", confirm: "BTC-USD", secondPerson: false });
    expect(minRoleFor(findControl("futures-bot", "kill-switch")!, DEFAULT_SETTINGS)).toBe("responder");
    expect(minRoleFor(findControl("trading-bot", "resume-profile")!, DEFAULT_SETTINGS)).toBe("commander");
    expect(minRoleFor(findControl("spot-exchange", "withdrawals-halt")!, DEFAULT_SETTINGS)).toBe("commander");
    expect(minRoleFor(findControl("spot-exchange", "symbol-mode")!, DEFAULT_SETTINGS)).toBe("responder");
  });

  it("names unknown policy keys", () => {
    expect(validatePolicyKeys(["symbol-mode:NORMAL", "kill-switch", "symbol-mode:PAUSED", "nuke"])).toEqual([
      expect.stringMatching(/^controls\.policy\.symbol-mode:PAUSED: unknown control or variant/),
      expect.stringMatching(/^controls\.policy\.nuke: unknown control or variant/),
    ]);
  });

  it("classes every variant in the policy table", () => {
    const rows = policyTable();
    expect(rows.find((r) => r.variant === "symbol-mode:HARD_HALT")).toMatchObject({
      direction: "protective",
      role: "responder",
      secondPerson: false,
    });
    expect(rows.find((r) => r.variant === "withdrawals-halt:off")).toMatchObject({
      direction: "restoring",
      role: "commander",
      secondPerson: true,
    });
    for (const r of rows) expect(["protective", "restoring", "neutral"]).toContain(r.direction);
  });

  it("covers every control the simulator accepts", () => {
    expect(CONTROLS.map((c) => `${c.kind}/${c.id}`).sort()).toEqual([
      "futures-bot/kill-switch",
      "futures-bot/recover-sl-order-ids",
      "futures-bot/sync-positions",
      "spot-exchange/book-depth",
      "spot-exchange/cancel-all",
      "spot-exchange/conflation",
      "spot-exchange/subscription-rate-limit",
      "spot-exchange/symbol-mode",
      "spot-exchange/symbol-throttle",
      "spot-exchange/withdrawals-halt",
      "trading-bot/pause-profile",
      "trading-bot/quarantine-order",
      "trading-bot/resume-profile",
      "trading-bot/trigger-reconciliation",
    ]);
  });
});

describe("inputs", () => {
  it("requires at least 10 non-blank characters of reason", () => {
    expect(reasonProblem("   a b c d e f g h i   ")).toMatch(/10 non-blank/);
    expect(reasonProblem(undefined)).toMatch(/10 non-blank/);
    expect(reasonProblem("margin spike on XBT")).toBeNull();
  });
  it("names the bad parameter", () => {
    const def = findControl("spot-exchange", "symbol-mode")!;
    const r = def.schema.safeParse(coerceParams(def, { symbol: "btc-usd", mode: "PAUSED" }));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["mode"]);
    const plan = findControl("futures-bot", "sync-positions")!;
    expect(plan.schema.safeParse(coerceParams(plan, { execute: "execute" })).error?.issues[0]?.message).toBe(
      "run the dry run first and execute its plan id",
    );
    expect(plan.schema.safeParse(coerceParams(plan, { execute: "execute" })).error?.issues[0]?.path).toEqual([
      "planId",
    ]);
  });
});

describe("missing fields are named in words, not as schema types", () => {
  it.each([
    ["spot-exchange", "symbol-mode", {}, { symbol: "choose a symbol (or every symbol)", mode: "choose a mode" }],
    ["spot-exchange", "cancel-all", {}, { symbol: "choose a symbol" }],
    ["spot-exchange", "withdrawals-halt", {}, { on: "choose on or off" }],
    ["spot-exchange", "book-depth", { depth: "many" }, { depth: "enter a whole number of levels" }],
    [
      "spot-exchange",
      "symbol-throttle",
      {},
      { symbol: "choose a symbol", on: "choose on (throttle) or off (lift it)" },
    ],
    [
      "spot-exchange",
      "symbol-throttle",
      { symbol: "BTC-USD", on: "on" },
      { ordersPerSecond: "enter the new orders per second the symbol may take" },
    ],
    [
      "spot-exchange",
      "symbol-throttle",
      { symbol: "BTC-USD", on: "on", ordersPerSecond: "0" },
      { ordersPerSecond: "at least 1" },
    ],
    ["spot-exchange", "subscription-rate-limit", {}, { on: "choose on (tighten) or off (normal limit)" }],
    ["trading-bot", "pause-profile", {}, { profileId: "choose a profile" }],
    ["trading-bot", "quarantine-order", {}, { orderId: "enter the order id" }],
  ] as const)("%s %s %j", (kind, id, raw, expected) => {
    const def = findControl(kind, id)!;
    const r = def.schema.safeParse(coerceParams(def, raw));
    expect(Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]))).toEqual(expected);
  });
});

describe("symbol mode scope", () => {
  it("sends one symbol as { symbol, mode } and the whole exchange as { scope: all, mode }, never both", () => {
    expect(parse("spot-exchange", "symbol-mode", { symbol: "btc-usd", mode: "cancel_only" }).params).toEqual({
      symbol: "BTC-USD",
      mode: "CANCEL_ONLY",
    });
    expect(
      parse("spot-exchange", "symbol-mode", { scope: "symbol", symbol: "BTC-USD", mode: "NORMAL" }).params,
    ).toEqual({ symbol: "BTC-USD", mode: "NORMAL" });
    expect(
      parse("spot-exchange", "symbol-mode", { scope: "all", symbol: "BTC-USD", mode: "SOFT_HALT" }).params,
    ).toEqual({ scope: "all", mode: "SOFT_HALT" });
  });
  it("previews and verifies every symbol", () => {
    const two: SpotState = {
      ...spotState,
      symbols: [spotState.symbols[0]!, { symbol: "ETH-USD", mode: "CANCEL_ONLY", openOrders: 3, tradesLastSecond: 0 }],
    };
    const { def, params } = parse("spot-exchange", "symbol-mode", { scope: "all", mode: "SOFT_HALT" });
    expect(def.preview(two, params, "spot-exchange").change).toBe(
      "all 2 symbols (1 NORMAL, 1 CANCEL_ONLY) → SOFT_HALT; 40 open orders in total",
    );
    expect(def.verify(two, params, {}, two)).toEqual({
      ok: false,
      message: "BTC-USD NORMAL, ETH-USD CANCEL_ONLY still not SOFT_HALT",
    });
    const halted: SpotState = { ...two, symbols: two.symbols.map((s) => ({ ...s, mode: "SOFT_HALT" })) };
    expect(def.verify(halted, params, {}, two)).toEqual({ ok: true, message: "all 2 symbols now SOFT_HALT" });
  });
});

describe("throttle and subscription limit", () => {
  const throttled = (throttle: number | null): SpotState => ({
    ...spotState,
    symbols: [{ ...spotState.symbols[0]!, throttle, newOrdersLastSecond: 30 }],
    settlement: { lagP99Seconds: 12, t2Seconds: 5 },
    subscriptionLimit: { perMinute: 60, normalPerMinute: 60 },
    websocketClients: 4800,
  });
  it("sends { symbol, ordersPerSecond } or { symbol, off: true }; the rate means nothing when lifting", () => {
    expect(
      parse("spot-exchange", "symbol-throttle", { symbol: "btc-usd", on: "on", ordersPerSecond: "5" }).params,
    ).toEqual({
      symbol: "BTC-USD",
      ordersPerSecond: 5,
    });
    expect(
      parse("spot-exchange", "symbol-throttle", { symbol: "BTC-USD", on: "off", ordersPerSecond: "5" }).params,
    ).toEqual({
      symbol: "BTC-USD",
      off: true,
    });
  });
  it("previews the cap against the symbol's current new-order rate and verifies the exchange's throttle", () => {
    const { def, params } = parse("spot-exchange", "symbol-throttle", {
      symbol: "BTC-USD",
      on: "on",
      ordersPerSecond: "5",
    });
    const p = def.preview(throttled(null), params, "spot-exchange");
    expect(p.change).toBe("BTC-USD: no throttle → at most 5 new orders a second; cancels still pass");
    expect(p.notes).toContain("about 25 new orders a second would be rejected");
    expect(def.verify(throttled(null), params, {}, null)).toEqual({
      ok: false,
      message: "target still reports no throttle on BTC-USD",
    });
    expect(def.verify(throttled(5), params, {}, null)).toEqual({
      ok: true,
      message: "BTC-USD throttled to 5 new orders a second",
    });
    expect(def.verify(spotState, params, {}, null)).toEqual({
      ok: null,
      message: "the exchange does not report its throttles",
    });
  });
  it("lifting the throttle requires the lag back under T2 (unknown when the exchange does not say)", () => {
    const { def, params } = parse("spot-exchange", "symbol-throttle", { symbol: "BTC-USD", on: "off" });
    expect(def.conditions!(throttled(5), params)).toEqual([
      expect.objectContaining({ id: "lag-under-t2", ok: false, detail: "p99 12 s, T2 5 s" }),
    ]);
    expect(def.conditions!({ ...throttled(5), settlement: { lagP99Seconds: 1, t2Seconds: 5 } }, params)[0]!.ok).toBe(
      true,
    );
    expect(def.conditions!(spotState, params)[0]!.ok).toBeNull();
    expect(def.conditions!(null, params)[0]!.ok).toBeNull();
  });
  it("the subscription limit: tightening protects the server; a value not below the normal limit is flagged", () => {
    const { def, params } = parse("spot-exchange", "subscription-rate-limit", { on: "on", perMinute: "6" });
    expect(def.preview(throttled(null), params, "spot-exchange").change).toBe(
      "subscription operations per connection: 60 a minute → 6 a minute",
    );
    const loose = parse("spot-exchange", "subscription-rate-limit", { on: "on", perMinute: "90" });
    expect(loose.def.preview(throttled(null), loose.params, "spot-exchange").notes).toContain(
      "90 is not below the normal 60 a minute: that would not protect the server; the exchange refuses it",
    );
    expect(
      def.verify({ ...throttled(null), subscriptionLimit: { perMinute: 6, normalPerMinute: 60 } }, params, {}, null),
    ).toEqual({
      ok: true,
      message: "subscription operations limited to 6 a minute per connection",
    });
    expect(def.verify(throttled(null), params, {}, null).ok).toBe(false);
  });
});

describe("preview and verification", () => {
  it("describes a halt from the current state and verifies the mode afterwards", () => {
    const { def, params } = parse("spot-exchange", "symbol-mode", { symbol: "BTC-USD", mode: "HARD_HALT" });
    expect(def.preview(spotState, params, "spot-exchange").change).toBe(
      "BTC-USD: NORMAL → HARD_HALT; 37 open orders stay resting",
    );
    expect(def.verify(spotState, params, {}, spotState)).toEqual({ ok: false, message: "target still reports NORMAL" });
    const halted: SpotState = { ...spotState, symbols: [{ ...spotState.symbols[0]!, mode: "HARD_HALT" }] };
    expect(def.verify(halted, params, {}, spotState)).toEqual({ ok: true, message: "symbol mode now HARD_HALT" });
  });
  it("warns before a reconciliation that the held lock will refuse it", () => {
    const bot: TradingBotState = {
      kind: "trading-bot",
      quarantinedOrders: [],
      profiles: [
        {
          profile_id: "p1",
          status: "active",
          reconciliationLock: { held: true, holder: "worker-7", since: "2026-01-01T00:00:00Z" },
        },
      ],
    };
    const { def, params } = parse("trading-bot", "trigger-reconciliation", { profileId: "p1" });
    expect(def.preview(bot, params, "alpha-bot").notes[0]).toMatch(/held by worker-7 .*will refuse/);
  });
});

describe("requests in words", () => {
  it.each([
    [
      "spot-exchange",
      "symbol-mode",
      { symbol: "BTC-USD", mode: "CANCEL_ONLY" },
      "Set symbol mode: BTC-USD → CANCEL_ONLY",
    ],
    ["spot-exchange", "symbol-mode", { scope: "all", mode: "SOFT_HALT" }, "Set symbol mode: every symbol → SOFT_HALT"],
    ["spot-exchange", "symbol-mode", { mode: "HARD_HALT" }, "Set symbol mode: HARD_HALT"],
    ["spot-exchange", "symbol-mode", {}, "Set symbol mode"],
    ["spot-exchange", "withdrawals-halt", { on: true }, "Halt withdrawals: on"],
    [
      "spot-exchange",
      "symbol-throttle",
      { symbol: "BTC-USD", ordersPerSecond: 5 },
      "Throttle new orders: BTC-USD → 5 new orders a second",
    ],
    ["spot-exchange", "symbol-throttle", { symbol: "BTC-USD", off: true }, "Throttle new orders: BTC-USD → off"],
    [
      "spot-exchange",
      "subscription-rate-limit",
      { on: true, perMinute: 6 },
      "Subscription rate limit: on (6 a minute per connection)",
    ],
    ["spot-exchange", "subscription-rate-limit", { on: false }, "Subscription rate limit: off"],
    ["spot-exchange", "cancel-all", { symbol: "" }, "Cancel all orders"],
    ["futures-bot", "sync-positions", { execute: true, planId: "p-1" }, "Position sync: execute plan p-1"],
    ["futures-bot", "kill-switch", {}, "Activate the kill switch"],
  ] as const)("%s %s %j → %s", (kind, id, params, text) => {
    expect(describeRequest(kind, id, params)).toBe(text);
  });
});

describe("ticket links", () => {
  it("fills the template with the encoded ticket ID, and is null without a template or an ID", () => {
    expect(ticketHref("https://tracker.example/browse/{id}", "OPS-12")).toBe("https://tracker.example/browse/OPS-12");
    expect(ticketHref("https://t.example/{id}?ref={id}", " INC 7 ")).toBe("https://t.example/INC%207?ref=INC%207");
    expect(ticketHref(undefined, "OPS-12")).toBeNull();
    expect(ticketHref("https://tracker.example/browse/{id}", "")).toBeNull();
  });
});
