import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases, fleetConfigFor } from "../testing/harness";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim/fleet";
import { auditLog, controlRequests } from "../db/schema";
import { verifyAuditChain } from "../audit/log";
import type { Actor, Role } from "../auth/roles";
import { FleetConfig } from "../config/fleet";
import { coerceParams, policyFor, findControl } from "./catalog";
import * as svc from "./service";

// The audited executor against a real simulated fleet (ephemeral ports, manual clock), on PGlite
// and on a real PostgreSQL 15. Every assertion is about effects: what the simulator received
// (fleet.controlCalls), which audit rows exist, and what the target reports afterwards.

let pg: TestPostgres;
let fleet: Fleet;
let secrets: Record<string, string> = {};
let config: FleetConfig;

beforeAll(async () => {
  [pg, fleet] = await Promise.all([startTestPostgres(), startTestFleet()]);
  ({ config, secrets } = fleetConfigFor(fleet, { controls: { rateLimitPerMinute: 1000 } }));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await pg?.stop();
});

const ACTORS: Record<Role, Actor> = actorsByRole();
const commander2: Actor = {
  id: "00000000-0000-0000-0000-00000000c0c2",
  username: "commander2",
  displayName: "Second commander",
  role: "commander",
};

let keySeq = 0;
const key = (tag: string) => `k-${tag}-${process.pid}-${++keySeq}-${Math.random().toString(36).slice(2, 8)}`;

// Who may run what, written out by hand from the README's control table (which restates the
// runbooks' roles): protective and neutral variants for a responder and up, a commander for a whole
// system; restoring ones for a commander and up, waiting for a second commander. Nothing here is
// read from the catalog, so a policy that drifts from the table fails the matrix.
const RESPONDER_AND_UP: readonly Role[] = ["responder", "commander", "admin"];
const COMMANDER_AND_UP: readonly Role[] = ["commander", "admin"];
const EVERYONE: ReadonlyArray<[string, Actor | null]> = [
  ["anonymous", null],
  ["viewer", ACTORS.viewer],
  ["responder", ACTORS.responder],
  ["commander", ACTORS.commander],
  ["admin", ACTORS.admin],
];

interface Variant {
  target: string;
  control: string;
  /** A function where each run needs its own subject (an order can be quarantined once). */
  params: Record<string, unknown> | (() => Record<string, unknown>);
  allowed: readonly Role[];
  approval: boolean;
  /**
   * What must be typed to confirm: the symbol, the order, or the system for a control on a whole
   * system (README: critical controls; the catalog's destructive ones).
   */
  confirm?: string | ((params: Record<string, unknown>) => string);
}

/** Every control variant the catalog knows, with params the test fleet accepts. */
const VARIANTS: Variant[] = [
  {
    target: "spot-exchange",
    control: "symbol-mode",
    params: { symbol: "XRP-USD", mode: "NORMAL" },
    allowed: COMMANDER_AND_UP,
    approval: true,
  },
  {
    target: "spot-exchange",
    control: "symbol-mode",
    params: { symbol: "XRP-USD", mode: "CANCEL_ONLY" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "spot-exchange",
    control: "symbol-mode",
    params: { symbol: "XRP-USD", mode: "SOFT_HALT" },
    allowed: RESPONDER_AND_UP,
    approval: false,
    confirm: "XRP-USD",
  },
  {
    target: "spot-exchange",
    control: "symbol-mode",
    params: { symbol: "XRP-USD", mode: "HARD_HALT" },
    allowed: RESPONDER_AND_UP,
    approval: false,
    confirm: "XRP-USD",
  },
  {
    target: "spot-exchange",
    control: "symbol-mode",
    params: { scope: "all", mode: "NORMAL" },
    allowed: COMMANDER_AND_UP,
    approval: true,
    confirm: "spot-exchange",
  },
  {
    target: "spot-exchange",
    control: "cancel-all",
    params: { symbol: "XRP-USD" },
    allowed: RESPONDER_AND_UP,
    approval: false,
    confirm: "XRP-USD",
  },
  {
    target: "spot-exchange",
    control: "withdrawals-halt",
    params: { on: true },
    allowed: COMMANDER_AND_UP,
    approval: false,
    confirm: "spot-exchange",
  },
  {
    target: "spot-exchange",
    control: "withdrawals-halt",
    params: { on: false },
    allowed: COMMANDER_AND_UP,
    approval: true,
  },
  { target: "spot-exchange", control: "conflation", params: { on: "on" }, allowed: RESPONDER_AND_UP, approval: false },
  { target: "spot-exchange", control: "conflation", params: { on: "off" }, allowed: COMMANDER_AND_UP, approval: true },
  {
    target: "spot-exchange",
    control: "book-depth",
    params: { depth: "40" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "spot-exchange",
    control: "symbol-throttle",
    params: { symbol: "XRP-USD", on: "on", ordersPerSecond: "50" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "spot-exchange",
    control: "symbol-throttle",
    params: { symbol: "XRP-USD", on: "off" },
    allowed: COMMANDER_AND_UP,
    approval: true,
  },
  {
    target: "spot-exchange",
    control: "subscription-rate-limit",
    params: { on: "on" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "spot-exchange",
    control: "subscription-rate-limit",
    params: { on: "off" },
    allowed: COMMANDER_AND_UP,
    approval: true,
  },
  {
    target: "alpha-bot",
    control: "pause-profile",
    params: { profileId: "sol-breakout" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "alpha-bot",
    control: "resume-profile",
    params: { profileId: "sol-breakout" },
    allowed: COMMANDER_AND_UP,
    approval: true,
  },
  {
    target: "alpha-bot",
    control: "trigger-reconciliation",
    params: { profileId: "sol-breakout" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "alpha-bot",
    control: "quarantine-order",
    params: () => ({ orderId: unquarantinedOrder() }),
    allowed: RESPONDER_AND_UP,
    approval: false,
    confirm: (params) => String(params.orderId),
  },
  {
    target: "kraken-futures",
    control: "sync-positions",
    params: { execute: "plan" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "kraken-futures",
    control: "recover-sl-order-ids",
    params: { execute: "plan" },
    allowed: RESPONDER_AND_UP,
    approval: false,
  },
  {
    target: "kraken-futures",
    control: "kill-switch",
    params: {},
    allowed: RESPONDER_AND_UP,
    approval: false,
    confirm: "kraken-futures",
  },
];

/**
 * An order alpha-bot has placed and not yet quarantined, never the same one twice: the test
 * fleet's clock is moved on until the bot has placed one.
 */
const quarantineUsed = new Set<string>();
function unquarantinedOrder(): string {
  const bot = fleet.tradingBot("alpha-bot");
  for (let step = 0; step < 40; step++) {
    const order = [...bot.orders.values()].find((o) => o.status !== "unknown" && !quarantineUsed.has(o.orderId));
    if (order) {
      quarantineUsed.add(order.orderId);
      return order.orderId;
    }
    fleet.advance(15_000);
  }
  throw new Error("alpha-bot placed no order in 10 simulated minutes");
}

/** The typed confirmation the other tests send (the matrix writes its own out). */
function confirmFor(v: { target: string; control: string; params: Record<string, unknown> }): string | undefined {
  const t = config.targets.find((x) => x.name === v.target);
  const def = t && findControl(t.kind, v.control);
  const parsed = def?.schema.safeParse(coerceParams(def, v.params));
  return t && def && parsed?.success ? (policyFor(def, parsed.data, t.name).confirm ?? undefined) : undefined;
}

const calls = (target: string) => fleet.controlCalls(target).length;
const executedWithKey = (target: string, k: string) =>
  fleet.controlCalls(target).filter((c) => c.idempotencyKey === k && c.executed).length;

// The fleet is shared by both runs: each run halts its own symbol and locks its own profile.
// Each database halts its own symbol and locks its own profile, since both share the one fleet.
const [pglite, postgres] = bothDatabases(() => pg, "controls");
const drivers: Array<[string, () => Promise<DbHandle>, string, string]> = [
  [...pglite, "ETH-USD", "eth-momentum"],
  [...postgres, "SOL-USD", "btc-momentum"],
];

describe.each(drivers)("controls on %s", (_name, open, haltSymbol, lockedProfile) => {
  let h: DbHandle;
  let deps: svc.ControlDeps;
  const request = (
    v: { target: string; control: string; params: Record<string, unknown> },
    extra: Record<string, unknown> = {},
  ) => ({
    ...v,
    reason: "integration test of the control executor",
    ticketId: "OPS-42",
    idempotencyKey: key(v.control),
    confirm: confirmFor(v),
    ...extra,
  });
  const auditCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n;

  beforeAll(async () => {
    h = await open();
    deps = { db: h.db, config, secret: (n) => secrets[n] };
  });
  afterAll(async () => {
    await h?.close();
  });

  it("role matrix: protective controls run at once for their role, restoring ones wait for a second person; a refusal records and sends nothing", async () => {
    for (const v of VARIANTS) {
      for (const [who, actor] of EVERYONE) {
        const params = typeof v.params === "function" ? v.params() : v.params;
        const what = `${who} ${v.control} ${JSON.stringify(params)}`;
        const allowed = actor !== null && v.allowed.includes(actor.role);
        const beforeCalls = calls(v.target);
        const beforeAudit = await auditCount();
        // A restore of a halted symbol needs a commander's override (runbook: CANCEL_ONLY first); tested below.
        const req = request(
          { target: v.target, control: v.control, params },
          {
            confirm: typeof v.confirm === "function" ? v.confirm(params) : v.confirm,
            override: "matrix: restoring without CANCEL_ONLY first",
          },
        );
        const attempt = svc.executeControl(deps, actor, req);
        if (!allowed) {
          await expect(attempt, what).rejects.toThrow(actor ? /needs the (responder|commander) role/ : /Sign in/);
          expect(calls(v.target), `${what}: no call`).toBe(beforeCalls);
          expect(await auditCount(), `${what}: no audit`).toBe(beforeAudit);
          expect(
            await h.db.select().from(controlRequests).where(eq(controlRequests.idempotencyKey, req.idempotencyKey)),
          ).toHaveLength(0);
          continue;
        }
        const view = await attempt;
        const outcomes = async () =>
          (
            await h.db
              .select()
              .from(auditLog)
              .where(eq(auditLog.idempotencyKey, req.idempotencyKey))
              .orderBy(auditLog.seq)
          ).map((r) => [r.outcome, r.actorName]);
        if (v.approval) {
          expect(view.state, what).toBe("pending_approval");
          expect(calls(v.target), `${what}: waits for approval`).toBe(beforeCalls);
          const trail = await outcomes();
          expect(trail[0], what).toEqual(["requested", actor!.username]);
          expect(
            trail.map(([outcome]) => outcome),
            `${what}: nothing ran`,
          ).not.toContain("succeeded");
        } else {
          // Run at once and done: an answer the target refused ("failed") is not the control working.
          expect(view.state, `${what}: ${view.resultSummary}`).toBe("succeeded");
          expect(executedWithKey(v.target, req.idempotencyKey), `${what}: executed once by the target`).toBe(1);
          expect(calls(v.target)).toBe(beforeCalls + 1);
          expect((await outcomes()).slice(0, 2), what).toEqual([
            ["requested", actor!.username],
            ["succeeded", actor!.username],
          ]);
        }
      }
    }
  });

  it("missing reason or ticket: field errors naming them, and zero calls", async () => {
    const before = calls("spot-exchange");
    const beforeAudit = await auditCount();
    const v = { target: "spot-exchange", control: "conflation", params: { on: true } };
    await expect(
      svc.executeControl(deps, ACTORS.responder, request(v, { reason: "   short  " })),
    ).rejects.toMatchObject({ fieldErrors: { reason: [expect.stringMatching(/10 non-blank/)] } });
    await expect(svc.executeControl(deps, ACTORS.responder, request(v, { ticketId: "" }))).rejects.toMatchObject({
      fieldErrors: { ticketId: [expect.stringMatching(/required/)] },
    });
    await expect(svc.executeControl(deps, ACTORS.responder, request(v, { ticketId: "ops 42" }))).rejects.toMatchObject({
      fieldErrors: { ticketId: [expect.stringMatching(/ABC-123/)] },
    });
    await expect(
      svc.executeControl(deps, ACTORS.responder, request(v, { reason: undefined, ticketId: undefined })),
    ).rejects.toMatchObject({
      fieldErrors: { reason: expect.any(Array), ticketId: expect.any(Array) },
    });
    await expect(
      svc.executeControl(deps, ACTORS.responder, request({ target: "nope", control: "conflation", params: {} })),
    ).rejects.toMatchObject({ fieldErrors: { target: expect.any(Array) } });
    await expect(
      svc.executeControl(
        deps,
        ACTORS.responder,
        request({ target: "spot-exchange", control: "book-depth", params: { depth: "5000" } }),
      ),
    ).rejects.toMatchObject({
      fieldErrors: { "params.depth": [expect.stringMatching(/at most 1000/)] },
    });
    await expect(
      svc.executeControl(
        deps,
        ACTORS.commander,
        request({ target: "spot-exchange", control: "cancel-all", params: { symbol: "BTC-USD" } }, { confirm: "btc" }),
      ),
    ).rejects.toMatchObject({
      fieldErrors: { confirm: [expect.stringMatching(/BTC-USD/)] },
    });
    expect(calls("spot-exchange")).toBe(before);
    expect(await auditCount()).toBe(beforeAudit);
  });

  it("20 concurrent submissions with one key make exactly one call and all get the first result", async () => {
    const k = key("burst");
    const v = { target: "spot-exchange", control: "book-depth", params: { depth: 25 } };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => svc.executeControl(deps, ACTORS.responder, request(v, { idempotencyKey: k }))),
    );
    const views = results.map((r) =>
      r.status === "fulfilled"
        ? r.value
        : (() => {
            throw r.reason;
          })(),
    );
    expect(executedWithKey("spot-exchange", k)).toBe(1);
    expect(fleet.controlCalls("spot-exchange").filter((c) => c.idempotencyKey === k)).toHaveLength(1);
    expect(new Set(views.map((x) => x.id)).size).toBe(1);
    expect(views.every((x) => x.state === "succeeded")).toBe(true);
    expect(views.filter((x) => !x.replayed)).toHaveLength(1);
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.idempotencyKey, k)).orderBy(asc(auditLog.seq));
    expect(audit.map((a) => a.outcome)).toEqual(["requested", "succeeded", "verified"]);
    // A later retry with the same key returns the first result without a call; different params are refused.
    const again = await svc.executeControl(deps, ACTORS.responder, request(v, { idempotencyKey: k }));
    expect(again.replayed).toBe(true);
    await expect(
      svc.executeControl(deps, ACTORS.responder, request({ ...v, params: { depth: 30 } }, { idempotencyKey: k })),
    ).rejects.toMatchObject({ status: 409 });
    expect(fleet.controlCalls("spot-exchange").filter((c) => c.idempotencyKey === k)).toHaveLength(1);
  });

  it("when the audit write fails, the target is not called and nothing is recorded", async () => {
    await h.exec(`create or replace function wf_test_fail_audit() returns trigger as $$ begin raise exception 'audit storage unavailable (test)'; end; $$ language plpgsql;
      create trigger wf_test_fail_audit before insert on audit_log for each row execute function wf_test_fail_audit();`);
    const before = calls("spot-exchange");
    const req = request({ target: "spot-exchange", control: "conflation", params: { on: true } });
    try {
      await expect(svc.executeControl(deps, ACTORS.responder, req)).rejects.toSatisfy((e: Error) =>
        /audit storage unavailable/.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`),
      );
    } finally {
      await h.exec("drop trigger wf_test_fail_audit on audit_log; drop function wf_test_fail_audit();");
    }
    expect(calls("spot-exchange")).toBe(before);
    expect(
      await h.db.select().from(controlRequests).where(eq(controlRequests.idempotencyKey, req.idempotencyKey)),
    ).toHaveLength(0);
  });

  it("settlement lag policy: a responder throttles a symbol's new orders at once (audited, verified, the exchange rejects the excess); lifting it is a commander's restore that a second person approves", async () => {
    const sys = fleet.systems.find((x) => x.name === "spot-exchange")!;
    const rejected = async () => {
      const text = await (await fetch(`${sys.url}/metrics`)).text();
      const m = new RegExp(`trading_api_rejections_total\\{symbol="BTC-USD",reason="throttled"\\} (\\d+)`).exec(text);
      return Number(m?.[1] ?? 0);
    };
    const throttle = request(
      {
        target: "spot-exchange",
        control: "symbol-throttle",
        params: { symbol: "BTC-USD", on: "on", ordersPerSecond: "5" },
      },
      { reason: "settlement lag over T2: throttle BTC-USD" },
    );
    const done = await svc.executeControl(deps, ACTORS.responder, throttle);
    expect(done).toMatchObject({ state: "succeeded", approvalRequired: false });
    expect(done.verification).toEqual({ ok: true, message: "BTC-USD throttled to 5 new orders a second" });
    const call = fleet.controlCalls("spot-exchange").find((c) => c.idempotencyKey === throttle.idempotencyKey);
    expect(call?.params).toEqual({ symbol: "BTC-USD", ordersPerSecond: 5 });
    const audit = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.idempotencyKey, throttle.idempotencyKey))
      .orderBy(auditLog.seq);
    expect(audit.map((a) => a.outcome)).toEqual(["requested", "succeeded", "verified"]);
    expect((audit[0]!.params as { direction: string }).direction).toBe("protective");
    // On the exchange's clock: BTC-USD wants about 120 new orders a second; the excess is rejected.
    const before = await rejected();
    fleet.advance(10_000);
    expect(await rejected()).toBeGreaterThan(before + 500);

    const lift = request({
      target: "spot-exchange",
      control: "symbol-throttle",
      params: { symbol: "BTC-USD", on: "off" },
    });
    await expect(svc.executeControl(deps, ACTORS.responder, lift)).rejects.toThrow(/needs the commander role/);
    const pending = await svc.executeControl(deps, ACTORS.commander, lift);
    expect(pending.state).toBe("pending_approval");
    expect(pending.restores).toMatchObject({ description: "Throttle new orders: BTC-USD → 5 new orders a second" });
    const approved = await svc.approveControl(deps, commander2, pending.id);
    expect(approved.state).toBe("succeeded");
    expect(approved.verification).toEqual({ ok: true, message: "BTC-USD no longer throttled" });
  });

  it("WS fan-out overload: a responder tightens the subscription limit (protects the server); a looser 'protective' limit is refused by the exchange and recorded as failed", async () => {
    const on = request(
      { target: "spot-exchange", control: "subscription-rate-limit", params: { on: "on", perMinute: "4" } },
      { reason: "slow consumers climbing: shed re-subscribe churn" },
    );
    const done = await svc.executeControl(deps, ACTORS.responder, on);
    expect(done).toMatchObject({ state: "succeeded", approvalRequired: false });
    expect(done.verification).toEqual({
      ok: true,
      message: "subscription operations limited to 4 a minute per connection",
    });
    const loose = request({
      target: "spot-exchange",
      control: "subscription-rate-limit",
      params: { on: "on", perMinute: "600" },
    });
    const refused = await svc.executeControl(deps, ACTORS.responder, loose);
    expect(refused.state).toBe("failed");
    expect(refused.resultSummary).toMatch(/not below the normal limit/);
    const off = await svc.executeControl(
      deps,
      ACTORS.commander,
      request({ target: "spot-exchange", control: "subscription-rate-limit", params: { on: "off" } }),
    );
    expect(off.state).toBe("pending_approval");
    expect((await svc.approveControl(deps, commander2, off.id)).verification).toEqual({
      ok: true,
      message: "subscription limit back to 60 a minute per connection",
    });
  });

  it("a responder halts a symbol in one step; the preview's open orders are recorded; a commander's NORMAL waits for a second commander and names the halt it lifts", async () => {
    const state = fleet.systems.find((x) => x.name === "spot-exchange")!;
    const read = async () =>
      (await (
        await fetch(`${state.url}/admin/state`, { headers: { authorization: `Bearer ${state.credential}` } })
      ).json()) as { symbols: { symbol: string; mode: string; openOrders: number }[] };
    const halt = request(
      { target: "spot-exchange", control: "symbol-mode", params: { symbol: haltSymbol, mode: "HARD_HALT" } },
      { reason: `split brain on ${haltSymbol}: halting it now` },
    );
    const done = await svc.executeControl(deps, ACTORS.responder, halt);
    expect(done.state).toBe("succeeded");
    expect(done.approvalRequired).toBe(false);
    expect(done.verification).toEqual({ ok: true, message: "symbol mode now HARD_HALT" });
    expect(executedWithKey("spot-exchange", halt.idempotencyKey)).toBe(1);
    expect((await read()).symbols.find((x) => x.symbol === haltSymbol)?.mode).toBe("HARD_HALT");
    const haltAudit = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.idempotencyKey, halt.idempotencyKey))
      .orderBy(auditLog.seq);
    expect(haltAudit.map((a) => [a.outcome, a.actorName])).toEqual([
      ["requested", "responder"],
      ["succeeded", "responder"],
      ["verified", "system"],
    ]);
    // The requested row carries the blast radius read from the exchange just before the call.
    const requested = haltAudit[0]!.params as {
      direction: string;
      blastRadius: { label: string; value: string }[];
      watchMinutes: number;
    };
    expect(requested.direction).toBe("protective");
    expect(requested.watchMinutes).toBe(5);
    expect(requested.blastRadius.map((f) => f.label)).toEqual([
      "open orders",
      "trades in the last minute",
      "resting liquidity",
    ]);
    expect(requested.blastRadius[0]!.value).toMatch(/^[\d,]+ \(\$[\d,.]+ notional\)$/);

    // A commander's NORMAL on the same symbol waits for a second commander, and shows the halt.
    let now = new Date();
    const d: svc.ControlDeps = { ...deps, now: () => now };
    const restore = request({
      target: "spot-exchange",
      control: "symbol-mode",
      params: { symbol: haltSymbol, mode: "NORMAL" },
    });
    await expect(svc.executeControl(d, ACTORS.responder, restore)).rejects.toThrow(/needs the commander role/);
    // Straight from HARD_HALT to NORMAL: the runbook says CANCEL_ONLY first. Refused, nothing recorded or sent.
    const auditBefore = await auditCount();
    await expect(svc.executeControl(d, ACTORS.commander, restore)).rejects.toMatchObject({
      fieldErrors: {
        conditions: [
          expect.stringMatching(
            new RegExp(
              `^Resumed in CANCEL_ONLY first, NORMAL only after validation — fails: ${haltSymbol} is HARD_HALT`,
            ),
          ),
        ],
      },
    });
    expect(
      (
        await svc.previewControl(d, ACTORS.commander, {
          target: "spot-exchange",
          control: "symbol-mode",
          params: { symbol: haltSymbol, mode: "NORMAL" },
        })
      ).conditions,
    ).toEqual([expect.objectContaining({ id: "cancel-only-first", ok: false })]);
    expect(await auditCount()).toBe(auditBefore);
    expect(
      await h.db.select().from(controlRequests).where(eq(controlRequests.idempotencyKey, restore.idempotencyKey)),
    ).toHaveLength(0);
    // A short override reason is refused too; a commander's override with a reason is recorded as one.
    await expect(svc.executeControl(d, ACTORS.commander, { ...restore, override: "because" })).rejects.toMatchObject({
      fieldErrors: { override: [expect.stringMatching(/10 non-blank/)] },
    });
    const overrideReason = `validated ${haltSymbol} by hand on the standby, skipping CANCEL_ONLY`;
    const pending = await svc.executeControl(d, ACTORS.commander, { ...restore, override: overrideReason });
    expect(pending.state).toBe("pending_approval");
    expect(pending.restores).toMatchObject({
      reason: `split brain on ${haltSymbol}: halting it now`,
      by: "responder",
      auditSeq: Number(haltAudit[0]!.seq),
      description: `Set symbol mode: ${haltSymbol} → HARD_HALT`,
    });
    expect((await svc.withRestores(h.db, [pending]))[0]!.restores?.requestId).toBe(done.id);
    const [restoreAudit, overrideAudit] = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.idempotencyKey, restore.idempotencyKey))
      .orderBy(auditLog.seq);
    expect(restoreAudit!.params).toMatchObject({
      direction: "restoring",
      restores: { request: done.id, reason: `split brain on ${haltSymbol}: halting it now` },
      override: { reason: overrideReason },
    });
    expect(overrideAudit).toMatchObject({
      outcome: "override",
      actorName: "commander",
      reason: overrideReason,
      params: expect.objectContaining({ override: [expect.objectContaining({ id: "cancel-only-first", ok: false })] }),
    });
    expect(executedWithKey("spot-exchange", restore.idempotencyKey)).toBe(0);
    await expect(svc.approveControl(d, ACTORS.commander, pending.id)).rejects.toThrow(/second person/);
    await expect(svc.approveControl(d, ACTORS.responder, pending.id)).rejects.toThrow(/needs the commander role/);
    await expect(svc.approveControl(d, null, pending.id)).rejects.toThrow(/Sign in/);
    // Approved 31 s later: the preview is read again and recorded before the call.
    now = new Date(now.getTime() + 31_000);
    const approved = await svc.approveControl(d, commander2, pending.id);
    expect(approved.state).toBe("succeeded");
    expect(approved.approvedBy).toBe("commander2");
    expect(approved.verification).toEqual({ ok: true, message: "symbol mode now NORMAL" });
    expect(executedWithKey("spot-exchange", restore.idempotencyKey)).toBe(1);
    const trail = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.idempotencyKey, restore.idempotencyKey))
      .orderBy(auditLog.seq);
    expect(trail.map((a) => [a.outcome, a.actorName])).toEqual([
      ["requested", "commander"],
      ["override", "commander"],
      ["approved", "commander2"],
      ["preview_refreshed", "system"],
      ["succeeded", "commander"],
      ["verified", "system"],
    ]);
    expect(trail[3]!.params).toMatchObject({
      previousPreviewAgeSeconds: 31,
      blastRadius: expect.arrayContaining([expect.objectContaining({ label: "open orders" })]),
    });
    expect(trail[2]!.approval).toMatchObject({ requestedBy: "commander", approvedBy: "commander2" });
    // Once restored, there is no halt left to lift.
    expect(
      (
        await svc.previewControl(deps, ACTORS.commander, {
          target: "spot-exchange",
          control: "symbol-mode",
          params: { symbol: haltSymbol, mode: "NORMAL" },
        })
      ).restores,
    ).toBeNull();
    await expect(svc.approveControl(deps, commander2, pending.id)).rejects.toThrow(/already succeeded/);
  });

  it("an approval expires after the configured time; nothing is sent", async () => {
    let now = new Date();
    const d: svc.ControlDeps = { ...deps, now: () => now };
    const req = request({ target: "alpha-bot", control: "resume-profile", params: { profileId: lockedProfile } });
    const pending = await svc.executeControl(d, ACTORS.admin, req);
    expect(pending.approvalExpiresAt! - pending.createdAt).toBe(10 * 60_000);
    now = new Date(now.getTime() + 10 * 60_000 + 1000);
    await expect(svc.approveControl(d, ACTORS.commander, pending.id)).rejects.toThrow(/expired/);
    const [row] = await h.db.select().from(controlRequests).where(eq(controlRequests.id, pending.id));
    expect(row!.state).toBe("expired");
    expect(executedWithKey("alpha-bot", req.idempotencyKey)).toBe(0);
    const again = request({ target: "alpha-bot", control: "resume-profile", params: { profileId: lockedProfile } });
    const rejected = await svc.executeControl(d, ACTORS.admin, again);
    const r = await svc.rejectControl(d, ACTORS.commander, rejected.id, "not yet: parity not confirmed");
    expect(r.state).toBe("rejected");
    expect(
      fleet
        .controlCalls("alpha-bot")
        .filter((c) => c.idempotencyKey === again.idempotencyKey || c.idempotencyKey === req.idempotencyKey),
    ).toHaveLength(0);
  });

  it("trigger-reconciliation while the lock is held is refused with the bot's message", async () => {
    fleet.tradingBot("alpha-bot").holdLock(lockedProfile, "order-sync-worker (stalled)", 60_000);
    const preview = await svc.previewControl(deps, ACTORS.responder, {
      target: "alpha-bot",
      control: "trigger-reconciliation",
      params: { profileId: lockedProfile },
    });
    expect(preview.notes.join(" ")).toMatch(/lock is held by order-sync-worker/);
    const v = await svc.executeControl(
      deps,
      ACTORS.responder,
      request({ target: "alpha-bot", control: "trigger-reconciliation", params: { profileId: lockedProfile } }),
    );
    expect(v.state).toBe("failed");
    expect(v.resultSummary).toMatch(
      new RegExp(`HTTP 409: reconciliation lock for profile ${lockedProfile} is held by order-sync-worker`),
    );
    fleet.tradingBot("alpha-bot").releaseLock(lockedProfile);
  });

  it("futures position sync: dry run returns a plan, executing that plan applies it", async () => {
    const plan = await svc.executeControl(
      deps,
      ACTORS.responder,
      request({ target: "kraken-futures", control: "sync-positions", params: { execute: "plan" } }),
    );
    expect(plan.state).toBe("succeeded");
    const planId = (plan.answer as { result: { planId: string } }).result.planId;
    expect(planId).toBeTruthy();
    await expect(
      svc.executeControl(
        deps,
        ACTORS.commander,
        request(
          { target: "kraken-futures", control: "sync-positions", params: { execute: "execute" } },
          { confirm: "kraken-futures" },
        ),
      ),
    ).rejects.toMatchObject({
      fieldErrors: { "params.planId": expect.any(Array) },
    });
    // Executing a sync adopts positions (restoring): a commander asks, a second commander approves.
    const ask = await svc.executeControl(
      deps,
      ACTORS.commander,
      request(
        { target: "kraken-futures", control: "sync-positions", params: { execute: "execute", planId } },
        { confirm: "kraken-futures" },
      ),
    );
    expect(ask.state).toBe("pending_approval");
    const exec = await svc.approveControl(deps, commander2, ask.id);
    expect(exec.state, exec.resultSummary ?? "").toBe("succeeded");
    expect(exec.verification?.ok).toBe(true);
  });

  it("rate-limits each user per minute, auditing the refusal and sending nothing", async () => {
    const d: svc.ControlDeps = {
      ...deps,
      config: { ...config, controls: { ...config.controls, rateLimitPerMinute: 2 } },
    };
    const fresh: Actor = {
      id: "00000000-0000-0000-0000-0000000ra7e1",
      username: "busy-responder",
      displayName: "Busy",
      role: "responder",
    };
    const v = { target: "spot-exchange", control: "conflation", params: { on: true } };
    await svc.executeControl(d, fresh, request(v));
    await svc.executeControl(d, fresh, request(v));
    const before = calls("spot-exchange");
    await expect(svc.executeControl(d, fresh, request(v))).rejects.toMatchObject({ status: 429 });
    expect(calls("spot-exchange")).toBe(before);
    const rows = await h.db.select().from(auditLog).where(eq(auditLog.actorName, "busy-responder"));
    expect(rows.filter((r) => r.outcome === "rate_limited")).toHaveLength(1);
  });

  it("a target that never answers leaves the outcome unknown; re-sending with the same key calls once", async () => {
    const d: svc.ControlDeps = { ...deps, callTimeoutMs: 400 };
    await fleet.setFault("spot-exchange", "hanging");
    let v: svc.ControlRequestView;
    const req = request({ target: "spot-exchange", control: "book-depth", params: { depth: 33 } });
    try {
      v = await svc.executeControl(d, ACTORS.responder, req);
    } finally {
      await fleet.clearFault("spot-exchange");
    }
    expect(v.state).toBe("outcome_unknown");
    const again = await svc.resendUnknownControl(d, ACTORS.responder, v.id);
    expect(again.state).toBe("succeeded");
    expect(executedWithKey("spot-exchange", req.idempotencyKey)).toBeLessThanOrEqual(1);
    expect(again.verification?.ok).toBe(true);
  });

  it("on start-up, requests left mid-call become outcome unknown, audited", async () => {
    const old = new Date(Date.now() - 120_000);
    const k = key("crash");
    await h.db.insert(controlRequests).values({
      idempotencyKey: k,
      fingerprint: "x",
      actorId: ACTORS.responder.id,
      actorName: "responder",
      actorRole: "responder",
      target: "spot-exchange",
      targetKind: "spot-exchange",
      control: "conflation",
      params: { on: true },
      reason: "crashed mid call for the test",
      ticketId: "OPS-9",
      tier: "standard",
      requiredRole: "responder",
      state: "executing",
      createdAt: old,
      updatedAt: old,
      startedAt: old,
    });
    const marked = await svc.recoverInterruptedControls(h.db);
    expect(marked.map((m) => [m.idempotencyKey, m.state])).toContainEqual([k, "outcome_unknown"]);
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.idempotencyKey, k)).orderBy(asc(auditLog.seq));
    expect(audit.map((a) => a.outcome)).toEqual(["outcome_unknown"]);
    expect(await svc.recoverInterruptedControls(h.db)).toHaveLength(0);
  });

  it("keeps the audit chain intact through all of it", async () => {
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });
});
