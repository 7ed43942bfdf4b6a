import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { stringify } from "yaml";
import { openDatabase, type DbHandle } from "../db/client";
import { notifyAttempts, notifyOutbox } from "../db/schema";
import { killCollectorProcess, startCollectorProcess, type CollectorProcess } from "../testing/collector-process";
import { createDatabase, startTestPostgres, type TestPostgres } from "../testing/postgres";
import { NotifyReceiver } from "../testing/notify-receiver";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim";

// The leader killed (-9) in the middle of sending a page: two real collector processes
// (`npm run collector`) on one PostgreSQL 15, a signed-webhook channel to a local receiver that
// holds the leader's request unanswered. After the kill the other process leads and finishes the
// outbox: the receiver sees the same delivery id twice (the one it held, the resend) and can drop
// the second; the outbox holds the page once, delivered, with the one attempt the new leader made.

const WEBHOOK_SECRET = "whsec-leader-kill-test-secret-0042";

let pg: TestPostgres;
let fleet: Fleet;
let receiver: NotifyReceiver;
let dir: string;
let h: DbHandle | undefined;
const procs: CollectorProcess[] = [];
const started = (env: NodeJS.ProcessEnv) => {
  const p = startCollectorProcess(env);
  procs.push(p);
  return p;
};

async function waitUntil(
  what: string,
  fn: () => boolean | Promise<boolean>,
  timeoutMs: number,
  detail?: () => unknown,
) {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  pg = await startTestPostgres();
  fleet = await startTestFleet({ clock: { speed: 1 }, admin: false, kinds: ["trading-bot"] });
  receiver = await new NotifyReceiver({ webhookSecret: WEBHOOK_SECRET }).start();
}, 60_000);

afterAll(async () => {
  for (const p of procs) killCollectorProcess(p);
  await h?.close();
  await receiver?.stop();
  await fleet?.stop();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("paging across a leader killed mid-send", () => {
  it("the new leader finishes the outbox; the receiver sees one delivery id, sent twice, never two pages", async () => {
    const url = await createDatabase(pg.url, "wf_notify_kill");
    h = await openDatabase({ url });
    dir = mkdtempSync(path.join(tmpdir(), "wf-notify-kill-"));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, NODE_ENV: "test", HOOK_SECRET: WEBHOOK_SECRET };
    const targets = fleet.systems.map((s) => {
      const name = `TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`;
      env[name] = s.credential;
      return { name: s.name, kind: s.kind, baseUrl: s.url, simulated: true, credentials: { bearerTokenEnv: name } };
    });
    const bot = fleet.systems[0]!;
    // Only the capital-invariant finding this test causes is routed, so nothing else is paged.
    const notify = {
      channels: [{ name: "hook", type: "webhook", url: `${receiver.url}/webhook`, secretEnv: "HOOK_SECRET" }],
      routes: [{ match: { rule: "capital_invariant", system: bot.name }, channels: ["hook"], repeatMinutes: 0 }],
    };
    writeFileSync(
      path.join(dir, "fleet.yaml"),
      stringify({ defaults: { pollIntervalMs: 500, timeoutMs: 400 }, notify, targets }),
    );
    env.WATCHFLOOR_FLEET_CONFIG = path.join(dir, "fleet.yaml");

    // The first page is held unanswered far longer than the test runs to its kill.
    receiver.hold("webhook", 1, 12_000);
    const a = started(env);
    const b = started(env);
    await waitUntil(
      "both collector processes to start",
      () => Boolean(a.instance && b.instance),
      45_000,
      () => procs.map((p) => p.out.slice(-400)),
    );
    // A leader polls; after its quiet period (nothing is paged for 15 s after taking the lead) the
    // invariant breaks on one profile.
    await waitUntil(
      "a leader to poll the bot",
      () => Object.keys(fleet.requestStats(bot.name).byAgent).some((k) => k.startsWith("Watchfloor-collector/")),
      20_000,
    );
    const leader = Object.keys(fleet.requestStats(bot.name).byAgent)
      .find((k) => k.startsWith("Watchfloor-collector/"))!
      .replace("Watchfloor-collector/", "");
    const [dead, survivor] = leader === a.instance ? [a, b] : [b, a];
    await new Promise((r) => setTimeout(r, 16_000));
    const profileId = "sol-breakout";
    fleet.startScenario("capital-invariant-persistent", bot.name, { profileId });

    await waitUntil(
      "the leader's page to reach the receiver and be held",
      () => receiver.heldNow === 1,
      30_000,
      () => dead.out.slice(-600),
    );
    const [row] = await h.db.select().from(notifyOutbox);
    expect(row, "the page is in the outbox").toBeDefined();
    expect(row!.status).toBe("pending");
    killCollectorProcess(dead);

    // The survivor leads, and its sender finds the pending page and sends it again.
    await waitUntil(
      "the page delivered by the new leader",
      async () => (await h!.db.select().from(notifyOutbox))[0]?.status === "delivered",
      40_000,
      () => survivor.out.slice(-600),
    );
    const attempts = await h.db.select().from(notifyAttempts).orderBy(asc(notifyAttempts.id));
    expect(attempts.map((x) => [x.outcome, x.instance])).toEqual([["delivered", survivor.instance]]);
    const outbox = await h.db.select().from(notifyOutbox);
    expect(outbox, "one page in the outbox").toHaveLength(1);

    // The held request, answered to nobody, is recorded too: both carry the same delivery id.
    await waitUntil("the held request to be recorded", () => receiver.of("webhook").length === 2, 25_000);
    const got = receiver.of("webhook");
    const ids = got.map((r) => r.headers["x-watchfloor-delivery"]);
    expect(new Set(ids).size, "one delivery id").toBe(1);
    expect(ids[0]).toBe(outbox[0]!.dedupKey);
    expect(receiver.duplicateDeliveries).toEqual([ids[0]]);
    const bodies = got.map((r) => r.body as { finding?: { entity?: string; rule?: string }; event?: string });
    for (const body of bodies)
      expect([body.finding?.rule, body.finding?.entity, body.event]).toEqual([
        "capital_invariant",
        profileId,
        "firing",
      ]);
  }, 150_000);
});
