import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { openDatabase } from "../db/client";
import { killCollectorProcess, startCollectorProcess, type CollectorProcess } from "../testing/collector-process";
import { createDatabase, startTestPostgres, type TestPostgres } from "../testing/postgres";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim";
import { CHANGES_CHANNEL, readEnvelope } from "./changes";

// Two collector processes (`npm run collector`) on one real PostgreSQL: exactly one polls the
// targets; when it is killed (-9) the other takes over; the leader's change notifications reach a
// LISTEN client on the database before and after the handover. (That a console instance's viewers
// see them is the two-instance e2e's part, e2e/postgres.spec.ts.)

let pg: TestPostgres;
let fleet: Fleet;
let dir: string;
const procs: CollectorProcess[] = [];
const started = (env: NodeJS.ProcessEnv) => {
  const p = startCollectorProcess(env);
  procs.push(p);
  return p;
};

/** User agents that polled a target within the last `ms`. */
function activePollers(target: string, ms: number): string[] {
  const now = Date.now();
  return Object.entries(fleet.requestStats(target).byAgent)
    .filter(([agent, v]) => agent.startsWith("Watchfloor-collector/") && now - v.lastAt < ms)
    .map(([agent]) => agent.replace("Watchfloor-collector/", ""));
}

async function waitUntil(what: string, fn: () => boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  pg = await startTestPostgres();
  fleet = await startTestFleet({ clock: { speed: 1 }, admin: false });
}, 60_000);

afterAll(async () => {
  for (const p of procs) killCollectorProcess(p);
  await fleet?.stop();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("collector leadership across processes", () => {
  it("one poller per target, handover after kill -9, change notifications from whichever instance leads", async () => {
    const url = await createDatabase(pg.url, "wf_leader");
    const h = await openDatabase({ url });
    dir = mkdtempSync(path.join(tmpdir(), "wf-leader-"));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, NODE_ENV: "test" };
    const targets = fleet.systems.map((s) => {
      const name = `TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`;
      env[name] = s.credential;
      return { name: s.name, kind: s.kind, baseUrl: s.url, simulated: true, credentials: { bearerTokenEnv: name } };
    });
    writeFileSync(
      path.join(dir, "fleet.yaml"),
      stringify({ defaults: { pollIntervalMs: 500, timeoutMs: 400 }, targets }),
    );
    env.WATCHFLOOR_FLEET_CONFIG = path.join(dir, "fleet.yaml");

    // A listener standing in for a console instance's viewers.
    const { default: postgres } = await import("postgres");
    const listener = postgres(url, { max: 1, onnotice: () => {} });
    const events: Array<{ from: string; type: string; at: number }> = [];
    const malformed: string[] = [];
    await listener.listen(CHANGES_CHANNEL, (payload) => {
      const env = readEnvelope(payload);
      if (typeof env === "string") malformed.push(env);
      else events.push({ from: env.from, type: env.event.type, at: Date.now() });
    });
    /** What only a leader says: it evaluated (heartbeat), it stored findings, it took the lead. */
    const leaderWords = new Set(["leader", "board"]);

    const a = started(env);
    const b = started(env);
    await waitUntil("both collector processes to start", () => Boolean(a.instance && b.instance), 45_000);
    await waitUntil(
      "a leader to poll every target",
      () => fleet.systems.every((s) => activePollers(s.name, 1500).length === 1),
      20_000,
    );

    // Over several intervals, every target is polled by exactly one instance: the same one.
    await new Promise((r) => setTimeout(r, 2000));
    const leaders = new Set(fleet.systems.flatMap((s) => activePollers(s.name, 2000)));
    expect([...leaders]).toHaveLength(1);
    const leader = [...leaders][0]!;
    const [dead, survivor] = leader === a.instance ? [a, b] : [b, a];
    expect(survivor.instance).not.toBe(leader);
    // The leader announces itself and says it evaluates (heartbeats); the follower says neither.
    await waitUntil(
      "the leader's heartbeats",
      () => events.filter((e) => e.from === leader && e.type === "leader").length >= 2,
      5000,
    );
    expect(events.filter((e) => e.from === survivor.instance && leaderWords.has(e.type))).toEqual([]);

    killCollectorProcess(dead); // kill -9 the whole process tree (npx → tsx → node)
    const killedAt = Date.now();
    await waitUntil(
      "the survivor to poll every target",
      () => fleet.systems.every((s) => activePollers(s.name, 1000).includes(survivor.instance!)),
      15_000,
    );
    // How long the handover takes is a figure for the bench, not an assertion here.
    console.log(`handover after kill -9: ${Date.now() - killedAt} ms`);
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of fleet.systems) expect(activePollers(s.name, 1000)).toEqual([survivor.instance]);
    await waitUntil(
      "the new leader to announce itself and evaluate",
      () =>
        events.some((e) => e.from === survivor.instance && e.type === "role" && e.at > killedAt) &&
        events.filter((e) => e.from === survivor.instance && e.type === "leader" && e.at > killedAt).length >= 2,
      10_000,
    );
    // Every message on the channel was one the console can read (nothing cut at the NOTIFY limit).
    expect(malformed).toEqual([]);

    await listener.end();
    await h.close();
  }, 120_000);
});
