import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/roles";

// Confirming a counter-based finding handled is a commander's verb: checked inside the service,
// reason and ticket ID validated by name, and the confirmation written as one audit record. The
// board engine reads those records back (as after a restart) and the rule honours them.

process.env.WATCHFLOOR_DATA_DIR = "memory://";
process.env.WATCHFLOOR_FLEET_CONFIG = "config/fleet.yaml";
// The shipped fleet file names its credentials by variable; the ticket pattern is what is read here.
for (const v of [
  "SIM_TOKEN_ALPHA_BOT",
  "SIM_TOKEN_BETA_BOT",
  "SIM_TOKEN_KRAKEN_FUTURES",
  "INGEST_TOKEN_KRAKEN_FUTURES",
  "SIM_TOKEN_SPOT_EXCHANGE",
  "DEMO_PAGERDUTY_ROUTING_KEY",
  "DEMO_WEBHOOK_SECRET",
  "SIM_SUPABASE_KEY_BETA_BOT",
])
  process.env[v] ??= "test-token";
process.env.SIM_SUPABASE_URL_BETA_BOT ??= "http://127.0.0.1:4102";

const responder: Actor = {
  id: "00000000-0000-0000-0000-0000000000b1",
  username: "r",
  displayName: "Arr",
  role: "responder",
};
const commander: Actor = {
  id: "00000000-0000-0000-0000-0000000000b2",
  username: "cam",
  displayName: "Cam Commander",
  role: "commander",
};
const LEDGER = "exchange_ledger_invariant|spot-exchange|*";
const OTHER = "settlement_lag|spot-exchange|*";
const T = Date.parse("2026-11-21T10:00:00.000Z");

let mod: typeof import("./confirm");
let db: import("../db/client").Db;
let schema: typeof import("../db/schema");

function row(id: string, ruleId: string, extra: Record<string, unknown>) {
  const since = new Date(T);
  return {
    id,
    ruleId,
    system: "spot-exchange",
    entity: "*",
    state: "critical",
    severity: "SEV1",
    since,
    updatedAt: since,
    finding: {
      id,
      ruleId,
      system: "spot-exchange",
      entity: "*",
      state: "critical",
      severity: "SEV1",
      since: T,
      lastEvaluated: T,
      title: "t",
      summary: "s",
      evidence: { values: [] },
      runbook: "ledger-invariant-violation",
      kind: "spot-exchange",
      ...extra,
    },
  };
}

beforeAll(async () => {
  mod = await import("./confirm");
  db = await (await import("../db")).getDb();
  schema = await import("../db/schema");
  await db.insert(schema.findings).values([
    row(LEDGER, "exchange_ledger_invariant", {
      confirmable: "the 6 invariant violations counted so far were handled",
    }),
    row(OTHER, "settlement_lag", {}),
  ]);
});

afterAll(async () => {
  await (await (await import("../db")).getDatabase()).close();
});

const good = { findingId: LEDGER, reason: "Double postings reversed by correction entries", ticketId: "OPS-77" };

describe("confirmFindingHandled", () => {
  it("refuses responders and anonymous callers, auditing nothing", async () => {
    await expect(mod.confirmFindingHandled(responder, good)).rejects.toThrow(/needs the commander role/);
    await expect(mod.confirmFindingHandled(null, good)).rejects.toThrow(/Sign in/);
    expect(await db.select().from(schema.auditLog)).toHaveLength(0);
  });

  it("names a short reason and a ticket ID that does not match the pattern", async () => {
    const err = (await mod.confirmFindingHandled(commander, { ...good, reason: "done", ticketId: "nope" }).then(
      () => ({ fieldErrors: {} }),
      (e: unknown) => e,
    )) as { fieldErrors: Record<string, string[]> };
    expect(Object.keys(err.fieldErrors).sort()).toEqual(["reason", "ticketId"]);
    expect(err.fieldErrors.ticketId![0]).toMatch(/ABC-123/);
    await expect(mod.confirmFindingHandled(commander, { ...good, ticketId: undefined })).rejects.toThrow(
      /ticketId: a ticket ID is required/,
    );
    expect(await db.select().from(schema.auditLog)).toHaveLength(0);
  });

  it("refuses a finding that is not confirmable: it clears when its signal does", async () => {
    await expect(mod.confirmFindingHandled(commander, { ...good, findingId: OTHER })).rejects.toThrow(
      /cannot be confirmed/,
    );
    await expect(mod.confirmFindingHandled(commander, { ...good, findingId: "nope|x|y" })).rejects.toThrow(
      /does not exist/,
    );
  });

  it("writes the confirmation as one audit record, which the board engine reads back and the rule honours", async () => {
    const c = await mod.confirmFindingHandled(commander, good);
    expect(c).toMatchObject({ findingId: LEDGER, by: "Cam Commander", ticketId: "OPS-77" });
    const audit = await db.select().from(schema.auditLog);
    expect(audit.map((a) => [a.action, a.target, a.actorName, a.reason, a.ticketId, a.outcome])).toEqual([
      ["finding.confirm-handled", LEDGER, "cam", good.reason, "OPS-77", "succeeded"],
    ]);

    // A board engine started afterwards (a restart) finds it in the audit log.
    const { BoardEngine } = await import("./engine");
    const { TelemetryStore } = await import("../collector/store");
    const store = new TelemetryStore();
    // The exchange's counter: 6 violations until just before the confirmation, no new one since.
    for (let t = c.at - 60_000; t <= c.at + 10_000; t += 2000) {
      store.addSamples([
        {
          system: "spot-exchange",
          entity: "*",
          metric: "invariant_violation_total",
          labels: {},
          value: t < c.at - 30_000 ? 5 : 6,
          observedAt: t,
        },
      ]);
    }
    const engine = new BoardEngine({
      inputs: {
        history: store,
        targetsForRules: () => [
          { name: "spot-exchange", kind: "spot-exchange" as const, intervalMs: 2000, thresholds: {} },
        ],
        freshness: () => "ok" as const,
        droppedFamilies: () => [],
        sourceProblem: () => undefined,
      },
      db,
      onChange: () => {},
      now: () => c.at + 10_000,
    });
    await engine.loadConfirmations();
    expect(engine.confirmations.get(LEDGER)).toMatchObject({ by: "Cam Commander", ticketId: "OPS-77", at: c.at });
    await engine.evaluate();
    expect(engine.findings.get(LEDGER)).toMatchObject({
      state: "ok",
      confirmed: { by: "Cam Commander", ticketId: "OPS-77" },
    });
  });
});
