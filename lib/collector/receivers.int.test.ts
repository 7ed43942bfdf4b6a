import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import protobuf from "protobufjs";
import { compressSync } from "snappy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../db/client";
import { bothDatabases } from "../testing/harness";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";

// The three receivers, called as their route handlers call them, with bodies written the way each real
// client sends them (per its public documentation), against the embedded database. The Loki
// protobuf body is encoded here with protobufjs from the Loki push.proto text and compressed with
// snappy, the libraries a JavaScript client would use; the product decodes it with its own
// descriptor, so a wrong field number on either side fails these tests. Everything runs on the
// embedded database and on PostgreSQL 15.

process.env.WATCHFLOOR_DATA_DIR = "memory://";
// Their own fleet config: the futures bot the shipped lines come from, with its ingest token.
const fleetDir = mkdtempSync(path.join(tmpdir(), "wf-receivers-"));
writeFileSync(
  path.join(fleetDir, "fleet.yaml"),
  "targets:\n  - name: kraken-futures\n    kind: futures-bot\n    baseUrl: http://127.0.0.1:9\n    credentials: { ingestTokenEnv: INGEST_TOKEN_KRAKEN_FUTURES }\n",
);
process.env.WATCHFLOOR_FLEET_CONFIG = path.join(fleetDir, "fleet.yaml");
const TOKEN = "ingest-token-for-receiver-tests";
process.env.INGEST_TOKEN_KRAKEN_FUTURES = TOKEN;

// grafana/loki pkg/push/push.proto, the messages a push carries (gogoproto options left out).
const LOKI_PUSH_PROTO = `
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;
const ClientPushRequest = protobuf.parse(LOKI_PUSH_PROTO).root.lookupType("logproto.PushRequest");

// The route files (app/api/ingest, app/loki/api/v1/push, app/es/[[...path]]) hand the request to
// these functions unchanged; they are called the same way here.
let routes: {
  ingest: { POST: (r: Request) => Promise<Response> };
  loki: { POST: (r: Request) => Promise<Response> };
  es: (r: Request, path: string[]) => Promise<Response>;
};
let db: import("../db/client").Db;
let schema: typeof import("../db/schema");
let stats: typeof import("../sources-ingest");

const BASE = "http://127.0.0.1:3000";
const bearer = { Authorization: `Bearer ${TOKEN}` };
const basic = (user: string, pass: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`,
});
const post = (path: string, body: BodyInit | Buffer, headers: Record<string, string> = {}) =>
  new Request(`${BASE}${path}`, { method: "POST", body: body as BodyInit, headers: { ...bearer, ...headers } });
const es = (method: string, path: string[], body?: BodyInit, headers: Record<string, string> = bearer) =>
  routes.es(
    new Request(`${BASE}/es/${path.join("/")}`, { method, ...(body !== undefined ? { body } : {}), headers }),
    path,
  );

let seq = 0;
/** A unique Python-logging line at a fixed second, so each test's lines are its own. */
const pyLine = (kind: string, fields: string) => {
  seq++;
  const ms = String(seq % 1000).padStart(3, "0");
  return `2026-12-05 10:${String(Math.floor(seq / 1000) % 60).padStart(2, "0")}:${String(seq % 60).padStart(2, "0")},${ms} INFO ${kind} ${fields} run=${seq}`;
};

async function storedRuns(kind: string): Promise<number[]> {
  const rows = await db.select().from(schema.reports);
  return rows
    .filter((r) => r.system === "kraken-futures" && r.kind === kind)
    .map((r) => (r.fields as { run?: number }).run ?? -1);
}

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
  const r = await import("./receivers");
  routes = { ingest: { POST: r.receivePlain }, loki: { POST: r.receiveLoki }, es: r.receiveEs };
  schema = await import("../db/schema");
  stats = await import("../sources-ingest");
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

// lib/db hands out the process-wide handle kept under this key; each database takes its place.
const DB_KEY = Symbol.for("watchfloor.db");
const g = globalThis as Record<symbol, unknown>;

describe.each(bothDatabases(() => pg, "receivers"))("on %s", (_name, open) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await open();
    g[DB_KEY] = Promise.resolve(handle);
    db = handle.db;
  }, 60_000);

  afterAll(async () => {
    delete g[DB_KEY];
    await handle?.close();
  });

  describe("the token: bearer, or basic auth with the token as password", () => {
    it("401 without a token (with a basic-auth challenge), 403 with a wrong one, on every receiver", async () => {
      const none = await routes.loki.POST(new Request(`${BASE}/loki/api/v1/push`, { method: "POST", body: "{}" }));
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect((await routes.ingest.POST(post("/api/ingest", "{}", { Authorization: "Bearer nope" }))).status).toBe(403);
      expect((await routes.ingest.POST(post("/api/ingest", "{}", basic("bot", "nope")))).status).toBe(403);
      expect((await es("GET", [], undefined, {})).status).toBe(401);
      const wrongEs = await es("POST", ["_bulk"], "{}\n", basic("elastic", "wrong"));
      expect(wrongEs.status).toBe(403);
      expect((await wrongEs.json()).error.type).toBe("security_exception");
    });

    it("accepts the token as the basic-auth password whatever the user name", async () => {
      const line = pyLine("CYCLE_SUMMARY", "positions=2");
      const res = await routes.ingest.POST(
        post("/api/ingest", JSON.stringify({ message: line }), basic("fluentbit", TOKEN)),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ source: "kraken-futures", stored: 1 });
    });
  });

  describe("POST /api/ingest: plain JSON as generic HTTP outputs send it", () => {
    it("Fluent Bit http output (format json): an array of records with date in epoch seconds and the line in log", async () => {
      const a = pyLine(
        "RECONCILIATION_REPORT",
        'orphaned=2 phantom=0 issues=[{"type":"ORPHANED","symbol":"PF_ETHUSD","exchange_qty":1.5}]',
      );
      const b = pyLine("CYCLE_SUMMARY", "positions=3");
      const body = JSON.stringify([
        { date: 1764929702.118, log: a },
        { date: 1764929703.5, log: b },
        { date: 1764929704.1, log: "2026-12-05 10:15:04,100 INFO heartbeat ok" },
      ]);
      const res = await routes.ingest.POST(post("/api/ingest", body, { "Content-Type": "application/json" }));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        accepted: 2,
        stored: 2,
        duplicates: 0,
        unparsed: 1,
        rejected: [],
        unparsedLines: [{ item: 3, reason: "no known log pattern in the line" }],
      });
      const rows = (await db.select().from(schema.reports)).filter(
        (r) => (r.fields as { run?: number }).run === seq - 1,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        kind: "RECONCILIATION_REPORT",
        fields: { orphaned: 2, phantom: 0, issues: [{ type: "ORPHANED", symbol: "PF_ETHUSD", exchange_qty: 1.5 }] },
      });
    });

    it("Vector http sink (codec json, newline-delimited framing): JSON lines with message and timestamp", async () => {
      const lines = [
        pyLine("KILL_SWITCH_ACTIVATED", "reason=margin_critical auction_max_margin_util=91.2"),
        pyLine("CYCLE_SUMMARY", "positions=0"),
      ];
      const body =
        lines
          .map((message) =>
            JSON.stringify({
              file: "/var/log/trading-bot/bot.log",
              host: "droplet-1",
              message,
              source_type: "file",
              timestamp: "2026-12-05T10:15:09.000Z",
            }),
          )
          .join("\n") + "\n";
      const res = await routes.ingest.POST(
        post("/api/ingest", gzipSync(body), { "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip" }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ stored: 2 });
      expect((await db.select().from(schema.reports)).find((r) => r.kind === "KILL_SWITCH_ACTIVATED")).toMatchObject({
        fields: { reason: "margin_critical", host: "droplet-1" },
      });
    });

    it("one structlog object, and our own envelope in the same JSON lines body, told apart by shape", async () => {
      const structlog = {
        event: "REGISTRY_AUDIT_REPORT",
        violations_total: 0,
        trigger: "periodic",
        timestamp: "2026-12-05T10:16:00.000Z",
        level: "info",
        run: ++seq,
      };
      const envelope = {
        id: `env-${seq}`,
        kind: "RECONCILIATION_REPORT",
        ts: "2026-12-05T10:16:01.000Z",
        fields: { orphaned: 0, run: seq },
      };
      const res = await routes.ingest.POST(
        post("/api/ingest", `${JSON.stringify(structlog)}\n${JSON.stringify(envelope)}\n`),
      );
      expect(await res.json()).toMatchObject({ stored: 2, rejected: [] });
      expect(await storedRuns("REGISTRY_AUDIT_REPORT")).toContain(seq);
      expect((await db.select().from(schema.reports)).some((r) => r.id === `env-${seq}`)).toBe(true);
    });

    it("bad input: each rejection names its line, the rest is stored; a retry stores nothing twice", async () => {
      const good = pyLine("CYCLE_SUMMARY", "positions=1");
      const body = [
        JSON.stringify({ message: good }),
        "<html>not json</html>",
        JSON.stringify({ message: pyLine("RECONCILIATION_REPORT", 'note="unclosed') }),
        JSON.stringify({ message: "RECONCILIATION_REPORT orphaned=1" }),
        JSON.stringify({ message: `${pyLine("CYCLE_SUMMARY", "")} pad="${"x".repeat(65 * 1024)}"` }),
        JSON.stringify({ host: "x" }),
      ].join("\n");
      const res = await routes.ingest.POST(post("/api/ingest", body));
      expect(res.status).toBe(207);
      const json = await res.json();
      expect(json).toMatchObject({ stored: 1 });
      expect(json.rejected).toEqual([
        { line: 2, error: "not valid JSON" },
        { line: 3, error: 'RECONCILIATION_REPORT: value of "note" has an opening quote and no closing quote' },
        {
          line: 4,
          error:
            "RECONCILIATION_REPORT: the record carries no time (no timestamp prefix, time field or shipper timestamp)",
        },
        { line: 5, error: "record is longer than 64 KiB" },
        { line: 6, error: "record has no message field (one of message, msg, log, MESSAGE, line, event)" },
      ]);
      const retry = await routes.ingest.POST(post("/api/ingest", body));
      expect(await retry.json()).toMatchObject({ stored: 0, duplicates: 1 });
      const all = await routes.ingest.POST(post("/api/ingest", "garbage\nmore garbage\n"));
      expect(all.status).toBe(400);
      expect((await all.json()).rejected).toEqual([
        { line: 1, error: "not valid JSON" },
        { line: 2, error: "not valid JSON" },
      ]);
    });
  });

  describe("POST /loki/api/v1/push", () => {
    it("JSON as Promtail's and Fluent Bit's loki output send it: labels become fields, 204", async () => {
      const a = pyLine("RECONCILIATION_REPORT", "orphaned=0 phantom=2");
      const body = JSON.stringify({
        streams: [
          {
            stream: { job: "trading-bot", host: "droplet-1" },
            values: [
              ["1764929702118000000", a],
              ["1764929702119000000", "2026-12-05 10:15:02,119 DEBUG tick"],
            ],
          },
        ],
      });
      const res = await routes.loki.POST(post("/loki/api/v1/push", body, { "Content-Type": "application/json" }));
      expect(res.status).toBe(204);
      const row = (await db.select().from(schema.reports)).find((r) => (r.fields as { run?: number }).run === seq);
      expect(row).toMatchObject({
        kind: "RECONCILIATION_REPORT",
        fields: { orphaned: 0, phantom: 2, job: "trading-bot", host: "droplet-1" },
      });
    });

    it("protobuf + snappy as Promtail and Grafana Alloy send it, structured metadata included; a retry is stored once", async () => {
      const lines = [
        pyLine("API circuit breaker OPENED", "consecutive_failures=3"),
        pyLine("KILL_SWITCH_CLEARED", "reason=margin_critical"),
      ];
      const msg = ClientPushRequest.fromObject({
        streams: [
          {
            labels: '{job="trading-bot", unit="trading-bot.service"}',
            entries: lines.map((line, i) => ({
              timestamp: { seconds: 1764929702 + i, nanos: 5_000_000 },
              line,
              structuredMetadata: [{ name: "trace_id", value: `t${i}` }],
            })),
          },
        ],
      });
      const body = compressSync(Buffer.from(ClientPushRequest.encode(msg).finish()));
      const send = () =>
        routes.loki.POST(post("/loki/api/v1/push", body, { "Content-Type": "application/x-protobuf" }));
      expect((await send()).status).toBe(204);
      const before = (await db.select().from(schema.reports)).length;
      expect((await send()).status).toBe(204);
      expect((await db.select().from(schema.reports)).length).toBe(before);
      const rows = (await db.select().from(schema.reports)).filter((r) =>
        [seq - 1, seq].includes((r.fields as { run?: number }).run ?? -1),
      );
      expect(rows.map((r) => r.kind).sort()).toEqual(["API_CIRCUIT_BREAKER_OPENED", "KILL_SWITCH_CLEARED"]);
      expect(rows.find((r) => r.kind === "API_CIRCUIT_BREAKER_OPENED")).toMatchObject({
        fields: { consecutive_failures: 3, job: "trading-bot", unit: "trading-bot.service", trace_id: "t0" },
      });
    });

    it("bad input: invalid snappy, snappy that is not protobuf, an unknown content type, and bad entries named with the rest stored", async () => {
      const bad = await routes.loki.POST(
        post("/loki/api/v1/push", Buffer.from([0x10, 0xff, 0xff, 0xff]), { "Content-Type": "application/x-protobuf" }),
      );
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/^the body is not valid snappy/);
      const notProto = await routes.loki.POST(
        post("/loki/api/v1/push", compressSync(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), {
          "Content-Type": "application/x-protobuf",
        }),
      );
      expect(notProto.status).toBe(400);
      expect(await notProto.text()).toMatch(/^the body is not a Loki PushRequest protobuf/);
      expect((await routes.loki.POST(post("/loki/api/v1/push", "x", { "Content-Type": "text/csv" }))).status).toBe(415);
      const good = pyLine("CYCLE_SUMMARY", "positions=5");
      const body = JSON.stringify({
        streams: [
          {
            stream: { job: "bot" },
            values: [
              ["yesterday", good],
              ["1764929702118000000", good],
              ["1764929702118000000", pyLine("RECONCILIATION_REPORT", "issues=[{")],
            ],
          },
        ],
      });
      const res = await routes.loki.POST(post("/loki/api/v1/push", body));
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain("2 of 3 entries rejected, the others stored:");
      expect(text).toContain(
        'streams[0].values[0]: timestamp "yesterday" is not nanoseconds since the epoch as a string',
      );
      expect(text).toContain(
        'streams[0].values[2]: RECONCILIATION_REPORT: value of "issues" starts embedded JSON that is never closed',
      );
      expect(await storedRuns("CYCLE_SUMMARY")).toContain(seq - 1);
    });
  });

  describe("the Elasticsearch-compatible base /es", () => {
    it("answers the version handshake and the probes clients make before sending", async () => {
      const info = await es("GET", []);
      expect(info.status).toBe(200);
      expect(info.headers.get("x-elastic-product")).toBe("Elasticsearch");
      expect(await info.json()).toMatchObject({
        version: { number: expect.stringMatching(/^8\./) },
        tagline: "You Know, for Search",
      });
      expect((await es("HEAD", [])).status).toBe(200);
      expect((await (await es("GET", ["_license"])).json()).license.status).toBe("active");
      expect((await es("HEAD", ["_cat", "health"])).status).toBe(200);
      const unknown = await es("GET", ["_search"]);
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.reason).toMatch(/GET \/_search is not part of/);
    });

    it("bulk as Fluent Bit's es output sends it (create + @timestamp + log) and as rsyslog's omelasticsearch sends it (index + message)", async () => {
      const a = pyLine("RECONCILIATION_REPORT", "orphaned=1 phantom=0");
      const b = pyLine("CYCLE_SUMMARY", "positions=4");
      const body =
        `{"create":{"_index":"fluent-bit"}}\n${JSON.stringify({ "@timestamp": "2026-12-05T10:15:02.118Z", log: a })}\n` +
        `{"index":{"_index":"system"}}\n${JSON.stringify({ timestamp: "2026-12-05T10:15:03.000Z", host: "droplet-1", programname: "trading-bot", message: b })}\n`;
      const res = await es("POST", ["_bulk"], body, { ...bearer, "Content-Type": "application/x-ndjson" });
      expect(res.status).toBe(200);
      const json = await res.json();
      expect(json.errors).toBe(false);
      expect(json.items).toEqual([
        { create: expect.objectContaining({ _index: "fluent-bit", status: 201, result: "created" }) },
        { index: expect.objectContaining({ _index: "system", status: 201, result: "created" }) },
      ]);
      const again = await (await es("POST", ["system", "_bulk"], body)).json();
      expect(again.items.map((i: Record<string, { status: number }>) => Object.values(i)[0]!.status)).toEqual([
        200, 200,
      ]);
    });

    it("bad input: per-item 400 naming the item, errors true, the rest stored; a broken action line refuses the request", async () => {
      const good = pyLine("CYCLE_SUMMARY", "positions=6");
      const body = `{"index":{}}\n{not json}\n{"index":{}}\n${JSON.stringify({ message: good })}\n{"delete":{"_id":"x"}}\n{"index":{}}\n${JSON.stringify({ message: "KILL_SWITCH_ACTIVATED reason=x" })}\n`;
      const json = await (await es("POST", ["bot-logs", "_bulk"], body)).json();
      expect(json.errors).toBe(true);
      expect(json.items.map((i: Record<string, { status: number }>) => Object.values(i)[0]!.status)).toEqual([
        400, 201, 400, 400,
      ]);
      expect(json.items[0].index.error.reason).toBe("item 1 (line 2): the document is not valid JSON");
      expect(json.items[2].delete.error.reason).toMatch(/delete is not supported/);
      expect(json.items[3].index.error.reason).toMatch(/carries no time/);
      expect(await storedRuns("CYCLE_SUMMARY")).toContain(seq);
      const broken = await es("POST", ["_bulk"], "this is not ndjson\n");
      expect(broken.status).toBe(400);
      expect((await broken.json()).error.reason).toMatch(/^line 1: the action line is not valid JSON/);
    });
  });

  describe("a full batch of 500 as a shipper sends it", () => {
    it("stores exactly the good distinct lines once, with a duplicate and a bad line in the batch, and again nothing on a retry", async () => {
      const firstRun = seq + 1;
      const good = Array.from({ length: 498 }, (_, i) => pyLine("REGISTRY_AUDIT_REPORT", `checked=${i} missing=0`));
      const runs = Array.from({ length: 498 }, (_, i) => firstRun + i);
      // Line 251 repeats line 100; line 400 names a pattern but its quoted value is never closed.
      const lines = [...good.slice(0, 250), good[99]!, ...good.slice(250)];
      lines.splice(399, 0, '2026-12-05 11:00:00,000 INFO REGISTRY_AUDIT_REPORT note="never closed');
      expect(lines).toHaveLength(500);
      const body = lines.map((message) => JSON.stringify({ message })).join("\n");

      const res = await routes.ingest.POST(post("/api/ingest", body));
      expect(res.status).toBe(207);
      const json = await res.json();
      expect(json).toMatchObject({ accepted: 499, stored: 498, duplicates: 1, unparsed: 0 });
      expect(json.rejected).toEqual([{ line: 400, error: expect.stringMatching(/note.*no closing quote/) }]);
      const stored = (await storedRuns("REGISTRY_AUDIT_REPORT")).filter((r) => r >= firstRun).sort((a, b) => a - b);
      expect(stored).toEqual(runs);

      // The shipper did not see the answer and sends the same batch again: nothing new is stored.
      const again = await routes.ingest.POST(post("/api/ingest", body));
      expect(again.status).toBe(207);
      expect(await again.json()).toMatchObject({ stored: 0, duplicates: 499 });
      expect((await storedRuns("REGISTRY_AUDIT_REPORT")).filter((r) => r >= firstRun)).toHaveLength(498);
    });

    it("keeps only the newest ten rejected lines per source", async () => {
      const bad = (n: number) =>
        `2026-12-05 11:00:${String(n).padStart(2, "0")},000 INFO THRESHOLD_MISMATCH note="unclosed ${n}`;
      for (const batch of [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10, 11, 12],
      ]) {
        const res = await routes.ingest.POST(
          post("/api/ingest", batch.map((n) => JSON.stringify({ message: bad(n) })).join("\n")),
        );
        expect(res.status).toBe(400);
      }
      const k = (await stats.readIngestStats()).find((s) => s.system === "kraken-futures")!;
      expect(k.lastRejected.map((l) => l.line)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3].map(bad));
    });
  });

  describe("per-source counts for the sources screen", () => {
    it("counts what every receiver got, and keeps the last unparsed lines", async () => {
      const view = await stats.readIngestStats();
      const k = view.find((s) => s.system === "kraken-futures")!;
      expect(k.stored).toBeGreaterThanOrEqual(10);
      expect(k.unparsed).toBe(2);
      expect(k.received).toBe(k.stored + k.duplicates + k.unparsed + k.rejected);
      expect(k.lastUnparsed.map((l) => l.line)).toEqual([
        "2026-12-05 10:15:02,119 DEBUG tick",
        "2026-12-05 10:15:04,100 INFO heartbeat ok",
      ]);
      expect(k.lastRejected.length).toBeGreaterThan(0);
    });
  });
});
