import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { findingAcks, incidents, notifyAttempts, notifyOutbox } from "../db/schema";
import type { Finding } from "../rules/types";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { NotifyReceiver } from "../testing/notify-receiver";
import { NotifyConfig } from "./config";
import { verifyWebhookSignature } from "./channels";
import { Notifier } from "./notifier";
import { listDeliveries } from "./service";
import { actorsByRole, bothDatabases } from "../testing/harness";

// The outbox end to end, on PGlite and on a real PostgreSQL 15, against local receivers that
// implement the channels' public contracts: exact payloads per channel, PagerDuty's dedup_key
// lifecycle, 4xx kept as failed, 429 honouring Retry-After, and a receiver that is down and comes
// back receiving everything once, in order per finding, while the other channel was never held up.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const ROUTING_KEY = "0123456789abcdef0123456789abcdef";
const WEBHOOK_SECRET = "whsec-test-secret-for-signing-42";
const CONSOLE = "https://watchfloor.example";

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "capital_invariant|alpha-bot|eth-grid",
    ruleId: "capital_invariant",
    system: "alpha-bot",
    kind: "trading-bot",
    entity: "eth-grid",
    state: "critical",
    severity: "SEV1",
    title: "Capital invariant",
    summary: "eth-grid: ledger differs from the exchange by 12.5 USDT",
    since: Date.parse("2026-12-01T03:00:00Z"),
    lastEvaluated: Date.parse("2026-12-01T03:00:02Z"),
    evidence: { values: [{ label: "difference (USDT)", value: 12.5, at: Date.parse("2026-12-01T03:00:01Z") }] },
    runbook: "capital-invariant-violation",
    ...over,
  };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(bothDatabases(() => pg, "notify"))("notification outbox on %s", (_name, open) => {
  let h: DbHandle;
  let main: NotifyReceiver;
  let hook: NotifyReceiver;
  let notifier: Notifier | null = null;

  function start(
    channels: unknown[],
    sender: { baseMs: number; capMs: number; timeoutMs?: number } = { baseMs: 100, capMs: 2000 },
  ) {
    const config = NotifyConfig.parse({
      consoleUrl: CONSOLE,
      channels,
      routes: [{ match: {}, channels: (channels as { name: string }[]).map((c) => c.name), repeatMinutes: 0 }],
    });
    const secrets: Record<string, string> = {
      PD_KEY: ROUTING_KEY,
      HOOK_SECRET: WEBHOOK_SECRET,
      WRONG_KEY: "ffffffffffffffffffffffffffffffff",
    };
    notifier = new Notifier({
      db: h.db,
      config,
      secret: (n) => secrets[n],
      instanceId: "test-leader",
      sender: { ...sender, pollMs: 50, random: () => 0.5 },
      refreshMs: 0,
      quietAfterLeadMs: 0,
    });
    notifier.start();
    return notifier;
  }

  beforeAll(async () => {
    h = await open();
    main = await new NotifyReceiver({ pagerdutyRoutingKey: ROUTING_KEY, webhookSecret: WEBHOOK_SECRET }).start();
    hook = await new NotifyReceiver({ webhookSecret: WEBHOOK_SECRET }).start();
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = null;
    for (const t of [notifyAttempts, notifyOutbox]) await h.db.delete(t);
    await h.db.execute("delete from notify_state");
    await h.db.delete(findingAcks);
    main.reset();
    hook.reset();
  });
  afterAll(async () => {
    await main?.stop();
    await hook?.stop();
    await h?.close();
  });

  it("delivers the exact documented payloads, and follows PagerDuty's dedup_key through acknowledge and resolve", async () => {
    const n = start([
      { name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 0 },
      { name: "pager", type: "pagerduty", url: `${main.url}/pagerduty/v2/enqueue`, routingKeyEnv: "PD_KEY" },
      { name: "hook", type: "webhook", url: `${main.url}/webhook`, secretEnv: "HOOK_SECRET" },
    ]);
    const f = finding();
    await n.onEvaluation([f]);
    await until(
      "three deliveries",
      () => main.of("slack").length + main.of("pagerduty").length + main.of("webhook").length === 3,
    );

    expect(main.of("pagerduty")[0]!.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "capital_invariant|alpha-bot|eth-grid",
      payload: {
        summary:
          "SEV1 Capital invariant — alpha-bot / eth-grid: eth-grid: ledger differs from the exchange by 12.5 USDT",
        source: "alpha-bot",
        severity: "critical",
        component: "eth-grid",
        group: "trading-bot",
        class: "capital_invariant",
        timestamp: "2026-12-01T03:00:00.000Z",
        custom_details: {
          state: "critical",
          summary: f.summary,
          evidence: [{ label: "difference (USDT)", value: 12.5, at: "2026-12-01T03:00:01.000Z" }],
        },
      },
      links: [
        {
          href: "https://watchfloor.example/findings/capital_invariant%7Calpha-bot%7Ceth-grid",
          text: "Finding in Watchfloor",
        },
        { href: "https://watchfloor.example/runbooks/capital-invariant-violation", text: "Runbook" },
      ],
      client: "Watchfloor",
      client_url: CONSOLE,
    });
    const slack = main.of("slack")[0]!.body as { text: string; blocks: unknown[] };
    expect(slack.text).toBe(
      "SEV1 Capital invariant — alpha-bot / eth-grid: eth-grid: ledger differs from the exchange by 12.5 USDT",
    );
    expect(JSON.stringify(slack.blocks)).toContain(
      "<https://watchfloor.example/findings/capital_invariant%7Calpha-bot%7Ceth-grid|Open the finding>",
    );
    expect(JSON.stringify(slack.blocks)).toContain("*System:* alpha-bot");

    const hookReq = main.of("webhook")[0]!;
    const body = hookReq.body as Record<string, unknown>;
    expect(body).toMatchObject({
      version: 1,
      event: "firing",
      id: `hook|capital_invariant|alpha-bot|eth-grid|${f.since}|1|firing`,
    });
    expect(body.finding).toMatchObject({
      id: f.id,
      rule: "capital_invariant",
      system: "alpha-bot",
      entity: "eth-grid",
      severity: "SEV1",
      state: "critical",
      url: "https://watchfloor.example/findings/capital_invariant%7Calpha-bot%7Ceth-grid",
    });
    expect(hookReq.headers["x-watchfloor-delivery"]).toBe(body.id);
    // The signature verifies against the exact bytes sent, and not against altered ones.
    const raw = JSON.stringify(body);
    const sig = hookReq.headers["x-watchfloor-signature"]!;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, raw, sig, Number(sig.slice(2, sig.indexOf(","))))).toBeNull();
    expect(
      verifyWebhookSignature(WEBHOOK_SECRET, raw.replace("SEV1", "SEV3"), sig, Number(sig.slice(2, sig.indexOf(",")))),
    ).toBe("signature mismatch");
    expect(verifyWebhookSignature(WEBHOOK_SECRET, raw, sig, Number(sig.slice(2, sig.indexOf(","))) + 3600)).toMatch(
      /replay/,
    );

    // Acknowledge on the board → PagerDuty acknowledge; clear → resolve.
    await h.db
      .insert(findingAcks)
      .values({ findingId: f.id, onset: new Date(f.since), userId: "u1", userName: "j.doe", at: new Date() });
    n.invalidate();
    await n.onEvaluation([f]);
    await until("the acknowledge", () => main.of("pagerduty").length === 2);
    expect(main.of("pagerduty")[1]!.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "acknowledge",
      dedup_key: f.id,
    });
    expect(main.pagerduty.get(f.id)?.status).toBe("acknowledged");
    await n.onEvaluation([{ ...f, state: "ok" }]);
    await until("the resolve", () => main.of("pagerduty").length === 3);
    expect(main.of("pagerduty")[2]!.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: f.id,
    });
    expect([...main.pagerduty.values()]).toEqual([
      {
        dedupKey: f.id,
        status: "resolved",
        summary: expect.stringContaining("Capital invariant"),
        severity: "critical",
        triggers: 1,
      },
    ]);
    expect(main.of("slack").map((r) => (r.body as { text: string }).text)).toEqual([
      expect.stringMatching(/^SEV1 Capital invariant/),
      "Acknowledged by j.doe: SEV1 Capital invariant — alpha-bot / eth-grid",
      "Resolved: Capital invariant — alpha-bot / eth-grid",
    ]);
    await until("every row recorded", async () =>
      (await h.db.select().from(notifyOutbox)).every((r) => r.status === "delivered"),
    );
    const rows = await h.db.select().from(notifyOutbox);
    expect(rows.every((r) => r.status === "delivered" && r.attempts === 1 && r.deliveredAt)).toBe(true);
    expect(await h.db.select().from(notifyAttempts)).toHaveLength(rows.length);
  });

  it("marks a 4xx other than 429 failed after one attempt, keeping the answer", async () => {
    const n = start([
      { name: "pager", type: "pagerduty", url: `${main.url}/pagerduty/v2/enqueue`, routingKeyEnv: "WRONG_KEY" },
    ]);
    await n.onEvaluation([finding()]);
    await until("the failure", async () => (await h.db.select().from(notifyOutbox))[0]?.status === "failed");
    const [row] = await h.db.select().from(notifyOutbox);
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastStatus: 400 });
    expect(row!.lastResponse).toContain("'routing_key' is invalid");
    await new Promise((r) => setTimeout(r, 400)); // several sender polls: still one attempt
    expect(await h.db.select().from(notifyAttempts)).toHaveLength(1);
  });

  it("waits at least the Retry-After of a 429 before trying again, then delivers once", async () => {
    main.rateLimit("slack", 1, "1");
    const n = start([{ name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 0 }], {
      baseMs: 10,
      capMs: 50,
    });
    await n.onEvaluation([finding()]);
    await until(
      "delivery after the 429",
      async () => (await h.db.select().from(notifyOutbox))[0]?.status === "delivered",
    );
    const [row] = await h.db.select().from(notifyOutbox);
    const attempts = await h.db
      .select()
      .from(notifyAttempts)
      .where(eq(notifyAttempts.outboxId, row!.id))
      .orderBy(asc(notifyAttempts.id));
    expect(attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([
      ["retry", 429],
      ["delivered", 200],
    ]);
    // Backoff alone would have retried after 10 ms; Retry-After said 1 s.
    expect(attempts[1]!.at.getTime() - attempts[0]!.at.getTime()).toBeGreaterThanOrEqual(1000);
    expect(main.received.filter((r) => r.kind === "slack").map((r) => r.status)).toEqual([429, 200]);
  });

  it("a receiver that is down and comes back gets every notification once, in order per finding; the other channel is not held up", async () => {
    const port = hook.port;
    await hook.stop();
    const n = start(
      [
        { name: "hook", type: "webhook", url: `http://127.0.0.1:${port}/webhook`, secretEnv: "HOOK_SECRET" },
        { name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 0 },
      ],
      { baseMs: 100, capMs: 400 },
    );
    const a = finding();
    const b = finding({ id: "capital_invariant|alpha-bot|sol-breakout", entity: "sol-breakout" });
    await n.onEvaluation([a, b]);
    await n.onEvaluation([{ ...a, state: "ok" }, b]);
    await n.onEvaluation([
      { ...a, state: "ok" },
      { ...b, severity: "SEV2", state: "warning" },
    ]);
    // Chat gets all three while the webhook is down (a and b started together: one group message).
    await until("chat deliveries", () => main.of("slack").length === 3);
    expect(main.of("slack").map((r) => (r.body as { text: string }).text)).toEqual([
      "SEV1 Capital invariant — alpha-bot: 2 findings (eth-grid, sol-breakout)",
      "Resolved: Capital invariant — alpha-bot / eth-grid",
      expect.stringMatching(/^SEV2 Capital invariant — alpha-bot \/ sol-breakout/),
    ]);
    const pendingHook = await h.db.select().from(notifyOutbox).where(eq(notifyOutbox.channel, "hook"));
    expect(pendingHook.every((r) => r.status === "pending")).toBe(true);
    await until(
      "a few failed attempts",
      async () => (await h.db.select().from(notifyAttempts)).filter((x) => x.outcome === "retry").length >= 3,
    );
    await hook.start(port);
    await until(
      "webhook deliveries",
      async () =>
        hook.of("webhook").length === 4 &&
        (await h.db.select().from(notifyOutbox)).every((r) => r.status === "delivered"),
    );
    await new Promise((r) => setTimeout(r, 600)); // more sender polls: nothing further arrives
    const got = hook.of("webhook").map((r) => r.body as { event: string; finding: { id: string } });
    expect(got).toHaveLength(4);
    expect(hook.duplicateDeliveries).toEqual([]);
    expect(got.filter((g) => g.finding.id === a.id).map((g) => g.event)).toEqual(["firing", "resolve"]);
    expect(got.filter((g) => g.finding.id === b.id).map((g) => g.event)).toEqual(["firing", "firing"]);
    const rows = await h.db.select().from(notifyOutbox).where(eq(notifyOutbox.channel, "hook"));
    expect(rows.every((r) => r.status === "delivered" && r.attempts >= 1)).toBe(true);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
  });

  it("a sender that loses the answer (a leader killed mid-send) re-sends with the same idempotency key, which the receiver de-duplicates", async () => {
    // The receiver takes the first request but answers only after the sender has given up on it.
    main.hold("webhook", 1, 4000);
    const n = start([{ name: "hook", type: "webhook", url: `${main.url}/webhook`, secretEnv: "HOOK_SECRET" }], {
      baseMs: 100,
      capMs: 400,
      timeoutMs: 1500,
    });
    await n.onEvaluation([finding()]);
    await until("delivered", async () => (await h.db.select().from(notifyOutbox))[0]?.status === "delivered");
    await until("the held request recorded", () => main.of("webhook").length === 2);
    const keys = main.of("webhook").map((r) => r.headers["x-watchfloor-delivery"]);
    expect(new Set(keys).size).toBe(1);
    expect(main.duplicateDeliveries).toEqual([keys[0]]);
    const attempts = await h.db.select().from(notifyAttempts).orderBy(asc(notifyAttempts.id));
    expect(attempts.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
    expect(attempts[0]!.response).toMatch(/timed out/);
  });

  it("enqueues nothing twice when a new leader replans from the stored state", async () => {
    const channels = [{ name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 0 }];
    const first = start(channels);
    await first.onEvaluation([finding()]);
    await until("delivery", () => main.of("slack").length === 1);
    await first.stop();
    const second = start(channels);
    await second.onEvaluation([finding()]);
    await second.onEvaluation([finding()]);
    await new Promise((r) => setTimeout(r, 300));
    expect(main.of("slack")).toHaveLength(1);
    expect(await h.db.select().from(notifyOutbox)).toHaveLength(1);
  });
  it("a chat channel gets one message per finding group, exact payload, and follow-ups naming their members; PagerDuty stays per finding", async () => {
    const n = start([
      { name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 1 },
      { name: "pager", type: "pagerduty", url: `${main.url}/pagerduty/v2/enqueue`, routingKeyEnv: "PD_KEY" },
    ]);
    const ghost = (entity: string): Finding =>
      finding({
        id: `ghost_position|alpha-bot|${entity}`,
        ruleId: "ghost_position",
        entity,
        title: "Ghost position",
        summary: `${entity}: the exchange holds a position the bot does not know`,
        runbook: "ghost-positions",
      });
    const [a, b, c] = [ghost("eth-grid"), ghost("sol-breakout"), ghost("btc-dca")];
    await n.onEvaluation([a]);
    await n.onEvaluation([a, b, c]);
    await until(
      "three PagerDuty triggers and one chat message",
      () => main.of("pagerduty").length === 3 && main.of("slack").length === 1,
    );
    expect(main.of("pagerduty").map((r) => (r.body as { dedup_key: string }).dedup_key)).toEqual([a.id, b.id, c.id]);
    const age = expect.stringMatching(
      /^Data age: \d+ s · <https:\/\/watchfloor\.example\/findings\/ghost_position%7Calpha-bot%7C[a-z-]+\|Open the finding>$/,
    );
    const member = (f: Finding) => ({
      type: "section",
      text: {
        type: "mrkdwn",
        text: expect.stringMatching(new RegExp(`^\\*${f.entity}\\* · SEV1 · critical\\n${f.summary}\\n`)),
      },
    });
    const body = main.of("slack")[0]!.body as { text: string; blocks: { text?: { text: string } }[] };
    expect(body).toEqual({
      text: "SEV1 Ghost position — alpha-bot: 3 findings (eth-grid, sol-breakout, btc-dca)",
      blocks: [
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: "*SEV1 Ghost position — alpha-bot: 3 findings (eth-grid, sol-breakout, btc-dca)*",
          },
        },
        {
          type: "section",
          fields: ["*Severity:* SEV1", "*System:* alpha-bot", "*Rule:* Ghost position", "*Findings:* 3"].map(
            (text) => ({ type: "mrkdwn", text }),
          ),
        },
        member(a),
        member(b),
        member(c),
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "<https://watchfloor.example/runbooks/ghost-positions|Runbook>" }],
        },
      ],
    });
    for (const i of [2, 3, 4]) expect(body.blocks[i]!.text!.text.split("\n")[2]).toEqual(age);
    expect(body.blocks[3]!.text!.text).toContain(
      "<https://watchfloor.example/findings/ghost_position%7Calpha-bot%7Csol-breakout|Open the finding>",
    );

    // One outbox row for the group, found by any member (the incident room's query), listing all three.
    const A = actorsByRole((r) => r);
    const deps = { db: h.db, config: NotifyConfig.parse({}), ticketPattern: "^[A-Z]+-\\d+$" };
    const forB = (await listDeliveries(deps, A.responder, { findingIds: [b.id] })).filter((d) => d.channel === "chat");
    expect(
      forB.map((d) => [d.event, d.findingId, d.findingIds, d.memberList.map((m) => m.entity), d.dedupKey]),
    ).toEqual([
      ["firing", null, [a.id, b.id, c.id], ["eth-grid", "sol-breakout", "btc-dca"], `chat|${a.id}|${a.since}|1|firing`],
    ]);

    // An incident opened for eth-grid: the follow-ups link to it beside that finding.
    const [inc] = await h.db
      .insert(incidents)
      .values({
        title: "Ghost positions <alpha-bot>",
        severity: "SEV1",
        status: "investigating",
        affected: [{ system: "alpha-bot", entity: "eth-grid", kind: "profile" }],
        openedById: "u2",
        openedByName: "c.commander",
        openedAt: new Date(),
        updatedAt: new Date(),
      })
      .returning();
    // Two acknowledged: one follow-up naming them; PagerDuty hears of each.
    for (const f of [a, c])
      await h.db
        .insert(findingAcks)
        .values({ findingId: f.id, onset: new Date(f.since), userId: "u1", userName: "j.doe", at: new Date() });
    n.invalidate();
    await n.onEvaluation([a, b, c]);
    await until("the acknowledgement", () => main.of("slack").length === 2 && main.of("pagerduty").length === 5);
    const ack = main.of("slack")[1]!.body as { text: string; blocks: { text?: { text: string } }[] };
    expect(ack.text).toBe("Acknowledged by j.doe: SEV1 Ghost position — alpha-bot: 2 findings (eth-grid, btc-dca)");
    expect(ack.blocks[2]!.text!.text).toMatch(
      new RegExp(
        `^\\*eth-grid\\*.*\\|Open the finding> · <https://watchfloor\\.example/incidents/${inc!.id}\\|Incident: Ghost positions &lt;alpha-bot&gt;>$`,
        "s",
      ),
    );
    expect(ack.blocks[3]!.text!.text).toMatch(/^\*btc-dca\*.*\|Open the finding>$/s);
    await n.onEvaluation([a, b, c].map((f) => ({ ...f, state: "ok" as const })));
    await until("the resolution", () => main.of("slack").length === 3 && main.of("pagerduty").length === 8);
    expect((main.of("slack")[2]!.body as { text: string }).text).toBe(
      "Resolved: Ghost position — alpha-bot: 3 findings (eth-grid, sol-breakout, btc-dca)",
    );
    await until("every row delivered", async () =>
      (await h.db.select().from(notifyOutbox)).every((r) => r.status === "delivered"),
    );
    const chatRows = await h.db
      .select()
      .from(notifyOutbox)
      .where(eq(notifyOutbox.channel, "chat"))
      .orderBy(asc(notifyOutbox.id));
    expect(chatRows.map((r) => [r.event, r.findingIds])).toEqual([
      ["firing", [a.id, b.id, c.id]],
      ["acknowledge", [a.id, c.id]],
      ["resolve", [a.id, b.id, c.id]],
    ]);
    await h.db.delete(incidents);
  });

  it("a group message still waiting when the leader stops is sent once by the next leader", async () => {
    const channels = [{ name: "chat", type: "slack", url: `${main.url}/slack`, groupWaitSeconds: 2 }];
    const first = start(channels);
    const b = finding({ id: "capital_invariant|alpha-bot|sol-breakout", entity: "sol-breakout" });
    await first.onEvaluation([finding(), b]);
    const [held] = await h.db.select().from(notifyOutbox);
    expect(held).toMatchObject({ status: "held", event: "firing", findingIds: [finding().id, b.id] });
    await first.stop();
    const second = start(channels);
    await second.onEvaluation([finding(), b]);
    await until("the held message sent", () => main.of("slack").length === 1);
    await second.onEvaluation([finding(), b]);
    await new Promise((r) => setTimeout(r, 300));
    expect(main.of("slack")).toHaveLength(1);
    expect((main.of("slack")[0]!.body as { text: string }).text).toBe(
      "SEV1 Capital invariant — alpha-bot: 2 findings (eth-grid, sol-breakout)",
    );
    const rows = await h.db.select().from(notifyOutbox);
    expect(rows.map((r) => [r.dedupKey, r.status])).toEqual([[held!.dedupKey, "delivered"]]);
  });
});
