import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { controlRequests } from "../db/schema";
import { appendAudit } from "../audit/log";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { bothDatabases } from "../testing/harness";
import { DEFAULT_SETTINGS } from "./catalog";
import { loadControlWatches } from "./watch";

// Which controls the board engine watches, from the request records, on both databases: a
// verified protective control within its window; a later control on the same subject replaces
// it (a single symbol leaves an every-symbol watch); an unverified one or one configured with no
// watch is not watched; each watch links its `requested` audit row.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const NOW = Date.parse("2026-12-05T12:00:00.000Z");
const MIN = 60_000;
let n = 0;

async function succeeded(
  h: DbHandle,
  o: {
    control: string;
    params: Record<string, unknown>;
    at: number;
    verified?: boolean;
    target?: string;
    kind?: string;
  },
): Promise<string> {
  const key = `w-${process.pid}-${++n}`;
  const at = new Date(o.at);
  const [row] = await h.db
    .insert(controlRequests)
    .values({
      idempotencyKey: key,
      fingerprint: key,
      actorId: "u-1",
      actorName: "rae",
      actorRole: "responder",
      target: o.target ?? "spot-exchange",
      targetKind: o.kind ?? "spot-exchange",
      control: o.control,
      params: o.params,
      reason: "watch test: protecting the exchange",
      ticketId: "OPS-5",
      tier: "elevated",
      requiredRole: "responder",
      state: "succeeded",
      verification: { ok: o.verified ?? true, message: "checked" },
      createdAt: at,
      updatedAt: at,
      startedAt: at,
      finishedAt: at,
    })
    .returning();
  await appendAudit(h.db, {
    actorName: "rae",
    action: `control.${o.control}`,
    target: o.target ?? "spot-exchange",
    params: o.params,
    idempotencyKey: key,
    outcome: "requested",
    at,
  });
  return row!.id;
}

const [pglite, postgres] = bothDatabases(() => pg, "watch");
describe.each([pglite, postgres])("control watches on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("watches verified protective controls, replaced by later ones on the same subject", async () => {
    const btc = await succeeded(h, {
      control: "symbol-mode",
      params: { symbol: "BTC-USD", mode: "HARD_HALT" },
      at: NOW - 10 * MIN,
    });
    await succeeded(h, { control: "symbol-mode", params: { symbol: "BTC-USD", mode: "NORMAL" }, at: NOW - 9 * MIN });
    const eth = await succeeded(h, {
      control: "symbol-mode",
      params: { symbol: "ETH-USD", mode: "SOFT_HALT" },
      at: NOW - 3 * MIN,
    });
    const all = await succeeded(h, {
      control: "symbol-mode",
      params: { scope: "all", mode: "CANCEL_ONLY" },
      at: NOW - 2 * MIN,
    });
    const sol = await succeeded(h, {
      control: "symbol-mode",
      params: { symbol: "SOL-USD", mode: "HARD_HALT" },
      at: NOW - MIN,
    });
    await succeeded(h, { control: "withdrawals-halt", params: { on: true }, at: NOW - MIN, verified: false });
    const paused = await succeeded(h, {
      control: "pause-profile",
      params: { profileId: "eth-grid" },
      at: NOW - MIN,
      target: "alpha-bot",
      kind: "trading-bot",
    });
    await succeeded(h, { control: "conflation", params: { on: true }, at: NOW - MIN });

    const watches = await loadControlWatches(h.db, DEFAULT_SETTINGS, NOW);
    const byId = new Map(watches.map((w) => [w.id, w]));
    // BTC-USD was put back to NORMAL: its halt is no longer watched. ETH-USD's own halt was
    // replaced by the every-symbol CANCEL_ONLY; SOL-USD's later halt takes it out of that one.
    expect(byId.has(btc)).toBe(false);
    expect(byId.has(eth)).toBe(false);
    expect(byId.get(all)).toMatchObject({
      spec: { kind: "symbol-halted", symbols: "all", mode: "CANCEL_ONLY" },
      except: ["SOL-USD"],
      from: NOW - 2 * MIN,
      until: NOW + 3 * MIN,
    });
    expect(byId.get(sol)).toMatchObject({
      description: "Set symbol mode: SOL-USD → HARD_HALT",
      by: "rae",
      ticketId: "OPS-5",
      spec: { symbols: ["SOL-USD"] },
    });
    expect(byId.get(sol)!.auditSeq).toEqual(expect.any(Number));
    expect(byId.get(paused)).toMatchObject({
      system: "alpha-bot",
      spec: { kind: "profile-paused", profileId: "eth-grid" },
    });
    // Unverified (the withdrawals halt) and unwatchable (conflation) controls are not watched.
    expect(watches.map((w) => w.spec.kind).sort()).toEqual(["profile-paused", "symbol-halted", "symbol-halted"]);

    // A restore being sent right now replaces the watch already (its effect lands before its record says succeeded).
    const key = `w-${process.pid}-inflight`;
    await h.db.insert(controlRequests).values({
      idempotencyKey: key,
      fingerprint: key,
      actorId: "u-2",
      actorName: "cam",
      actorRole: "commander",
      target: "alpha-bot",
      targetKind: "trading-bot",
      control: "resume-profile",
      params: { profileId: "eth-grid" },
      reason: "watch test: resuming the profile",
      ticketId: "OPS-6",
      tier: "standard",
      requiredRole: "commander",
      state: "executing",
      createdAt: new Date(NOW),
      updatedAt: new Date(NOW),
      startedAt: new Date(NOW),
    });
    expect((await loadControlWatches(h.db, DEFAULT_SETTINGS, NOW)).map((w) => w.spec.kind).sort()).toEqual([
      "symbol-halted",
      "symbol-halted",
    ]);
    await h.db.delete(controlRequests).where(eq(controlRequests.idempotencyKey, key));

    // The fleet config can turn a control's watch off, or lengthen it.
    const off = await loadControlWatches(
      h.db,
      { ...DEFAULT_SETTINGS, policy: { "symbol-mode": { watchMinutes: 0 }, "pause-profile": { watchMinutes: 30 } } },
      NOW,
    );
    expect(off.map((w) => [w.spec.kind, w.until - w.from])).toEqual([["profile-paused", 30 * MIN]]);
  });
});
