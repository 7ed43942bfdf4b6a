import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/roles";

// Acknowledging is checked inside the service: a viewer (or nobody) is refused with nothing
// stored and nothing audited; a responder's acknowledgement is stored once and audited.

process.env.WATCHFLOOR_DATA_DIR = "memory://";
process.env.WATCHFLOOR_FLEET_CONFIG = "config/fleet.yaml";

const viewer: Actor = { id: "00000000-0000-0000-0000-0000000000a1", username: "v", displayName: "Vee", role: "viewer" };
const responder: Actor = { id: "00000000-0000-0000-0000-0000000000a2", username: "r", displayName: "Arr", role: "responder" };
const FINDING = "capital_invariant|alpha-bot|eth-grid";

let mod: typeof import("./ack");
let db: import("../db/client").Db;
let schema: typeof import("../db/schema");

beforeAll(async () => {
  mod = await import("./ack");
  db = await (await import("../db")).getDb();
  schema = await import("../db/schema");
  const since = new Date("2026-11-21T10:00:00.000Z");
  await db.insert(schema.findings).values({
    id: FINDING, ruleId: "capital_invariant", system: "alpha-bot", entity: "eth-grid", state: "critical", severity: "SEV1",
    finding: { id: FINDING, ruleId: "capital_invariant", system: "alpha-bot", entity: "eth-grid", state: "critical", severity: "SEV1", since: since.getTime(), lastEvaluated: since.getTime(), title: "t", summary: "s", evidence: { values: [] }, runbook: "capital-invariant-violation", kind: "trading-bot" },
    since, updatedAt: since,
  });
});

afterAll(async () => {
  await (await (await import("../db")).getDatabase()).close();
});

describe("acknowledgeFinding", () => {
  it("refuses viewers and anonymous callers, storing and auditing nothing", async () => {
    await expect(mod.acknowledgeFinding(viewer, FINDING)).rejects.toThrow(/needs the responder role/);
    await expect(mod.acknowledgeFinding(null, FINDING)).rejects.toThrow(/Sign in/);
    expect(await db.select().from(schema.findingAcks)).toHaveLength(0);
    expect(await db.select().from(schema.auditLog)).toHaveLength(0);
  });

  it("stores a responder's acknowledgement once, audited, for this occurrence", async () => {
    const first = await mod.acknowledgeFinding(responder, FINDING);
    expect(first.by).toBe("Arr");
    const again = await mod.acknowledgeFinding(responder, FINDING);
    expect(again.by).toBe("Arr");
    const acks = await db.select().from(schema.findingAcks);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.onset.toISOString()).toBe("2026-11-21T10:00:00.000Z");
    const audit = await db.select().from(schema.auditLog);
    expect(audit.map((a) => [a.action, a.target, a.actorName])).toEqual([["finding.acknowledge", FINDING, "r"]]);
  });

  it("names what is wrong with a bad id or an unknown finding", async () => {
    await expect(mod.acknowledgeFinding(responder, "")).rejects.toThrow(/finding: missing or malformed/);
    await expect(mod.acknowledgeFinding(responder, "nope|x|y")).rejects.toThrow(/does not exist/);
  });
});
