import { describe, expect, it } from "vitest";
import { RuleHarness, T0 } from "../testing";
import type { ControlWatch } from "../types";

// The post-control watch on a virtual clock: a halt that holds is "Holding", the first trade after
// it is a SEV1 naming the symbol and the control's audit row, and a breach outlives its window.

const S = 1000;
const MIN = 60 * S;
const HALT_AT = T0 + 10 * S;

function watch(over: Partial<ControlWatch> = {}): ControlWatch {
  return {
    id: "11111111-2222-3333-4444-555555555555",
    system: "test-spot-exchange",
    description: "Set symbol mode: BTC-USD → HARD_HALT",
    spec: { kind: "symbol-halted", symbols: ["BTC-USD"], mode: "HARD_HALT" },
    by: "rae",
    ticketId: "OPS-7",
    auditSeq: 42,
    from: HALT_AT,
    until: HALT_AT + 5 * MIN,
    ...over,
  };
}

/** An exchange polled every 2 s: BTC-USD trades until the halt, then (optionally) again from `resumeAt`. */
function exchange(resumeAt: number | null): RuleHarness {
  const h = new RuleHarness("spot-exchange");
  let seq = 1000;
  for (let t = T0; t <= T0 + 10 * MIN; t += 2 * S) {
    const trading = t <= HALT_AT || (resumeAt !== null && t >= resumeAt);
    if (trading) seq += 7;
    h.at(t, "tradesLastSecond", trading ? 3 : 0, "BTC-USD");
    h.at(t, "lastSeq", seq, "BTC-USD");
    h.at(t, "symbol_mode", t <= HALT_AT ? 0 : 3, "BTC-USD", { mode: t <= HALT_AT ? "NORMAL" : "HARD_HALT" });
  }
  return h;
}

describe("control_watch", () => {
  it("a halt that holds is ok for its window, then the watch ends", () => {
    const h = exchange(null);
    h.watches = [watch()];
    expect(h.one("control_watch", HALT_AT + MIN, "BTC-USD")).toMatchObject({
      state: "ok",
      severity: "SEV1",
      summary: expect.stringMatching(/^Holding: no breach since /),
    });
    expect(h.run("control_watch", HALT_AT + 6 * MIN)).toEqual([]);
  });

  it("the first trade after the halt opens a SEV1 that names the symbol and links the control's audit record", () => {
    const h = exchange(HALT_AT + 2 * MIN);
    h.watches = [watch()];
    expect(h.one("control_watch", HALT_AT + 2 * MIN - 2 * S, "BTC-USD").state).toBe("ok");
    const f = h.one("control_watch", HALT_AT + 2 * MIN, "BTC-USD");
    expect(f).toMatchObject({
      state: "critical",
      severity: "SEV1",
      since: HALT_AT + 2 * MIN,
      control: { requestId: "11111111-2222-3333-4444-555555555555", auditSeq: 42, ticketId: "OPS-7" },
      confirmable: expect.any(String),
    });
    expect(f.summary).toMatch(/^halt did not hold on BTC-USD: BTC-USD traded again: 3 trades/);
    // The summary is what the shared status view shows: no ticket, person or control parameters;
    // the control and its audit row travel in `control` and the evidence instead.
    expect(f.summary).not.toMatch(/OPS-7|audit row|HARD_HALT/);
    expect(f.evidence.values).toContainEqual(expect.objectContaining({ label: "audit row", value: 42 }));
  });

  it("a breach the engine has seen stays a SEV1 past the window, until a commander confirms it handled", () => {
    const h = exchange(null);
    h.watches = [watch({ broken: { at: HALT_AT + MIN, detail: "BTC-USD traded again" } })];
    expect(h.one("control_watch", HALT_AT + 20 * MIN, "BTC-USD")).toMatchObject({
      state: "critical",
      summary: expect.stringMatching(/^halt did not hold on BTC-USD: BTC-USD traded again/),
    });
    h.confirm("control_watch", HALT_AT + 21 * MIN, "BTC-USD");
    expect(h.one("control_watch", HALT_AT + 22 * MIN, "BTC-USD")).toMatchObject({
      state: "ok",
      confirmed: { by: "Casey Commander" },
    });
  });

  it("the last second before the halt is not a breach; trades counted by the exchange's counter are", () => {
    const h = exchange(null);
    // A poll one second after the control still reports the second that began before it.
    h.at(HALT_AT + 1000, "tradesLastSecond", 4, "BTC-USD");
    h.hold(T0, T0 + 10 * MIN, "engine_trades_total", (t) => (t < HALT_AT + 3 * MIN ? 500 : 502), {
      entity: "BTC-USD",
      labels: { symbol: "BTC-USD" },
    });
    h.watches = [watch()];
    expect(h.one("control_watch", HALT_AT + 2 * MIN, "BTC-USD").state).toBe("ok");
    expect(h.one("control_watch", HALT_AT + 4 * MIN, "BTC-USD")).toMatchObject({
      state: "critical",
      summary: expect.stringMatching(/^halt did not hold on BTC-USD: BTC-USD traded again: 2 trades since the control/),
    });
  });

  it("cannot tell while the source is stale (never shown as holding)", () => {
    const h = exchange(null).freshness("stale", "/admin/state");
    h.watches = [watch()];
    expect(h.one("control_watch", HALT_AT + MIN, "BTC-USD").state).toBe("unknown");
  });

  it("withdrawals: a payout while halted breaks the watch; a paused profile placing entries breaks its watch", () => {
    const h = new RuleHarness("spot-exchange");
    h.hold(T0, T0 + 5 * MIN, "withdrawalsHalted", (t) => (t <= HALT_AT ? 0 : 1));
    h.hold(T0, T0 + 5 * MIN, "withdrawalsPaidTotal", (t) => (t < HALT_AT + MIN ? 10 : 11));
    h.watches = [watch({ description: "Halt withdrawals: on", spec: { kind: "withdrawals-halted" } })];
    expect(h.one("control_watch", HALT_AT + 30 * S, "withdrawals").state).toBe("ok");
    expect(h.one("control_watch", HALT_AT + 2 * MIN, "withdrawals")).toMatchObject({
      state: "critical",
      summary: expect.stringMatching(/^withdrawals halt did not hold: 1 withdrawal paid out while halted/),
    });

    const b = new RuleHarness("trading-bot", { name: "alpha-bot" });
    b.hold(T0, T0 + 5 * MIN, "status_active", (t) => (t <= HALT_AT ? 1 : 0), { entity: "eth-grid" });
    b.hold(T0, T0 + 5 * MIN, "orders_placed_total", (t) => (t < HALT_AT + 3 * MIN ? 4 : 5), {
      entity: "eth-grid",
      labels: { profile_id: "eth-grid", intent: "entry" },
    });
    b.hold(T0, T0 + 5 * MIN, "orders_placed_total", (t) => Math.floor(t / 10_000), {
      entity: "eth-grid",
      labels: { profile_id: "eth-grid", intent: "exit" },
    });
    b.watches = [
      watch({
        system: "alpha-bot",
        description: "Pause new entries: eth-grid",
        spec: { kind: "profile-paused", profileId: "eth-grid" },
      }),
    ];
    // Exits go on while paused: only new ENTRY orders break the pause.
    expect(b.one("control_watch", HALT_AT + 2 * MIN, "eth-grid").state).toBe("ok");
    expect(b.one("control_watch", HALT_AT + 4 * MIN, "eth-grid")).toMatchObject({
      state: "critical",
      summary: expect.stringMatching(
        /^pause did not hold on profile eth-grid: profile eth-grid placed 1 new ENTRY order while paused/,
      ),
    });
  });
});
