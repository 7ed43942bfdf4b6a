import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "../db/client";
import { actorsByRole } from "../testing/harness";
import { loadRunbooks, DEFAULT_RUNBOOK_DIR } from "../runbooks/load";
import type { Finding } from "../rules/types";
import { NotifyConfig } from "../notify/config";
import { enqueue } from "../notify/outbox";
import * as notify from "../notify/service";
import * as svc from "./service";

// The incident room's notifications section: what it reads (the room's finding ids and history
// window, handed to the deliveries list) names the notifications for the incident's findings and
// nothing else — not another entity's, not a test send, not an earlier occurrence long before the
// incident opened — and only responders and above may read it.

const A = actorsByRole((r) => `The ${r}`);
const T0 = Date.parse("2026-03-01T10:00:00Z");
const MIN = 60_000;

function finding(entity: string, over: Partial<Finding> = {}): Finding {
  return {
    id: `capital_invariant|alpha-bot|${entity}`,
    ruleId: "capital_invariant",
    system: "alpha-bot",
    kind: "trading-bot",
    entity,
    state: "critical",
    severity: "SEV2",
    title: "Capital invariant violation",
    summary: `${entity} has 2 capital invariant violations`,
    since: T0 - MIN,
    lastEvaluated: T0,
    evidence: { values: [] },
    runbook: "capital-invariant-violation",
    ...over,
  };
}

describe("notifications in the incident room (PGlite)", () => {
  let h: DbHandle;
  let clock = T0;
  const inScope = finding("eth-grid");
  const otherEntity = finding("btc-dca");
  const otherSystem = { ...finding("eth-grid"), id: "capital_invariant|beta-bot|eth-grid", system: "beta-bot" };
  let incidents: svc.IncidentDeps;
  let deliveries: notify.NotifyDeps;

  beforeAll(async () => {
    h = await openDatabase({ dataDir: "memory://" });
    const runbooks = (await loadRunbooks(DEFAULT_RUNBOOK_DIR)).runbooks;
    incidents = {
      db: h.db,
      now: () => new Date(clock),
      runbooks: async () => runbooks,
      findings: async () => [inScope, otherEntity, otherSystem],
      lookup: () => () => undefined,
      systemKind: (name) => (name === "alpha-bot" || name === "beta-bot" ? "trading-bot" : undefined),
    };
    deliveries = {
      db: h.db,
      config: NotifyConfig.parse({
        channels: [{ name: "chat", type: "slack", url: "http://127.0.0.1:10/slack" }],
        routes: [{ channels: ["chat"] }],
      }),
      ticketPattern: "^[A-Z]+-\\d+$",
      now: () => clock,
    };
    const row = (findingId: string | null, event: string, key: string) => ({
      dedupKey: `chat|${key}`,
      channel: "chat",
      channelType: "slack",
      findingId,
      event,
      summary: `${event} ${findingId ?? "test"}`,
      payload: { text: event },
    });
    // Three hours before: an earlier occurrence of the same finding, outside the room's window.
    await enqueue(h.db, [row(inScope.id, "firing", "old-firing")], T0 - 3 * 60 * MIN);
    await enqueue(
      h.db,
      [
        row(inScope.id, "firing", "firing"),
        row(otherEntity.id, "firing", "other-entity"),
        row(otherSystem.id, "firing", "other-system"),
        row(null, "test", "test-send"),
      ],
      T0 - MIN,
    );
    await enqueue(h.db, [row(inScope.id, "resolve", "resolve")], T0 + 5 * MIN);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists the notifications for the incident's findings only, newest first", async () => {
    const { id } = await svc.openIncident(incidents, A.commander, { findingId: inScope.id });
    clock = T0 + 10 * MIN;
    const room = await svc.getIncidentRoom(incidents, A.responder, id);
    expect(room.findingIds).toEqual([inScope.id]);
    const listed = await notify.listDeliveries(deliveries, A.responder, {
      findingIds: room.findingIds,
      since: room.historySince,
    });
    expect(listed.map((d) => d.dedupKey)).toEqual(["chat|resolve", "chat|firing"]);
    expect(listed.every((d) => d.findingId === inScope.id)).toBe(true);
  });

  it("lists every finding on a whole-system incident, and nothing for an incident with no findings", async () => {
    const { id } = await svc.openIncident(incidents, A.commander, {
      title: "alpha-bot misbehaving",
      severity: "SEV2",
      affected: "alpha-bot/*",
    });
    const room = await svc.getIncidentRoom(incidents, A.responder, id);
    const listed = await notify.listDeliveries(deliveries, A.responder, {
      findingIds: room.findingIds,
      since: room.historySince,
    });
    expect(listed.map((d) => d.dedupKey).sort()).toEqual(["chat|firing", "chat|other-entity", "chat|resolve"]);
    expect(await notify.listDeliveries(deliveries, A.responder, { findingIds: [], since: room.historySince })).toEqual(
      [],
    );
  });

  it("lists a chat group message for any of its member findings, with every member", async () => {
    const since = clock;
    const group = (key: string, members: Finding[]) => ({
      dedupKey: `chat|${key}`,
      channel: "chat",
      channelType: "slack",
      findingId: null,
      findingIds: members.map((f) => f.id),
      members: members.map((finding) => ({ finding })),
      event: "firing",
      summary: `SEV2 Capital invariant violation — ${members[0]!.system}: ${members.length} findings`,
      payload: { text: key },
    });
    await enqueue(h.db, [group("group-alpha", [inScope, otherEntity]), group("group-beta", [otherSystem])], clock);
    const forOther = await notify.listDeliveries(deliveries, A.responder, { findingIds: [otherEntity.id], since });
    expect(forOther.map((d) => [d.dedupKey, d.memberList.map((m) => m.entity)])).toEqual([
      ["chat|group-alpha", ["eth-grid", "btc-dca"]],
    ]);
    const forInScope = await notify.listDeliveries(deliveries, A.responder, { findingIds: [inScope.id], since });
    expect(forInScope.map((d) => d.dedupKey)).toEqual(["chat|group-alpha"]);
  });

  it("is for responders and above", async () => {
    await expect(notify.listDeliveries(deliveries, A.viewer, { findingIds: [inScope.id] })).rejects.toThrow(
      /needs the responder role/,
    );
  });
});
