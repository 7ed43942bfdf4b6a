import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, startTestPostgres, type TestPostgres } from "../testing/postgres";
import { PostgresChangeBus, type ChangeEvent } from "./changes";

// The change bus over a real PostgreSQL 15: when an instance's LISTEN connection is cut (here by
// the server terminating its backend, as a database restart or a failover does), the messages sent
// meanwhile are lost; the bus must say so to its own instance (a "resync" event, so the board feed
// rebuilds from the database) and carry on receiving once the driver has reconnected.

let pg: TestPostgres;
let url = "";
let admin: postgres.Sql;
const buses: PostgresChangeBus[] = [];

beforeAll(async () => {
  pg = await startTestPostgres();
  url = await createDatabase(pg.url, `wf_changes_${process.pid}`);
  admin = postgres(url, { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  for (const b of buses) await b.stop().catch(() => {});
  await admin?.end({ timeout: 2 }).catch(() => {});
  await pg?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("change bus on PostgreSQL", () => {
  it("tells its own instance to read again after its connection was cut, and receives again", async () => {
    const a = new PostgresChangeBus("instance-a", url);
    const b = new PostgresChangeBus("instance-b", url);
    buses.push(a, b);
    await a.start();
    await b.start();
    const seen: ChangeEvent[] = [];
    b.subscribe((e) => seen.push(e));

    a.publish({ type: "board", version: 1 });
    await until("the first message", () => seen.some((e) => e.type === "board" && e.version === 1));
    expect(seen.some((e) => e.type === "resync")).toBe(false);

    // Cut every LISTEN connection on the server: b's among them.
    const cut = await admin`
      SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`;
    expect(cut.length).toBeGreaterThan(0);
    // What is sent while b is away is lost to it.
    a.publish({ type: "board", version: 2 });

    await until("a resync on b", () => seen.some((e) => e.type === "resync"));
    expect(b.stats.resyncs).toBeGreaterThan(0);
    // Listening again: later messages arrive.
    await until("the next message", () => {
      a.publish({ type: "board", version: 3 });
      return seen.some((e) => e.type === "board" && e.version === 3);
    });
  }, 60_000);
});
