// Ingest throughput, in a process of its own: lines per second through each log-shipper receiver
// to "stored" — the receiver function the route handler calls (body decode, line parse, report
// insert and per-source counts in one transaction) on the embedded database in a fresh data
// directory on disk, as the product runs it (BENCH_INGEST_DATA_DIR=memory:// for one in memory), one core,
// batches of 500 lines of about 1 KB, each line new (so every one is inserted). Plain JSON
// lines to /api/ingest, Loki push as JSON and as protobuf + snappy, and Elasticsearch bulk.
// Result: one IPC message (or JSON on stdout when run by hand).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import protobuf from "protobufjs";
import { compressSync } from "snappy";

export interface IngestReceiverResult {
  receiver: string;
  batches: number;
  lines: number;
  /** Lines per second of wall time. */
  linesPerSecond: number;
  /**
   * Lines per second of this process's CPU time (user + system, all its threads): what one core
   * does, not counting other processes' time on a shared machine.
   */
  linesPerCpuSecond?: number;
  /** Median time for one batch of 500. */
  medianBatchMs: number;
}

export interface IngestResult {
  /** Which database the reports went to. */
  database?: string;
  lineBytes: number;
  batchLines: number;
  receivers: IngestReceiverResult[];
}

/** The budget: at least this many lines per second through the bulk and Loki receivers. */
export const INGEST_BUDGET_LINES_S = 20_000;

const TOKEN = "bench-ingest-token";
const BATCH = 500;
const PUSH_PROTO = `syntax = "proto3"; package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }`;

let seq = 0;
/** A ~1 KB futures-bot line, unique by its sequence number and time. */
function line(t: number): string {
  seq++;
  const asctime = new Date(t).toISOString().replace("T", " ").replace(".", ",").replace("Z", "");
  const issues = Array.from(
    { length: 6 },
    (_, i) => `{"type": "QTY_SYNCED", "symbol": "PF_SYM${i}USD", "registry_qty": ${i}.25, "exchange_qty": ${i}.5}`,
  ).join(", ");
  const base = `${asctime} INFO RECONCILIATION_REPORT orphaned=0 phantom=0 qty_mismatch=6 qty_synced=6 pending_adopted=0 state_adjustments_deduped=0 state_adjustments_logged=6 seq=${seq} issues=[${issues}]`;
  return base + " pad=" + "x".repeat(Math.max(1, 1024 - base.length - 5));
}

async function main() {
  const dataDir = process.env.BENCH_INGEST_DATA_DIR || mkdtempSync(path.join(tmpdir(), "watchfloor-ingest-bench-"));
  process.env.WATCHFLOOR_DATA_DIR = dataDir;
  process.env.WATCHFLOOR_FLEET_CONFIG = "config/fleet.yaml";
  process.env.INGEST_TOKEN_KRAKEN_FUTURES = TOKEN;
  for (const v of [
    "SIM_TOKEN_ALPHA_BOT",
    "SIM_TOKEN_BETA_BOT",
    "SIM_TOKEN_KRAKEN_FUTURES",
    "SIM_TOKEN_SPOT_EXCHANGE",
    "DEMO_PAGERDUTY_ROUTING_KEY",
    "DEMO_WEBHOOK_SECRET",
    "SIM_SUPABASE_KEY_BETA_BOT",
  ])
    process.env[v] ??= "bench";
  process.env.SIM_SUPABASE_URL_BETA_BOT ??= "http://127.0.0.1:9";
  const r = await import("../../lib/collector/receivers");
  const Push = protobuf.parse(PUSH_PROTO).root.lookupType("logproto.PushRequest");
  const auth = { Authorization: `Bearer ${TOKEN}` };
  let t = Date.parse("2026-12-01T00:00:00.000Z");
  const next = () => (t += 3);

  const bodies: Record<string, () => { send: () => Promise<Response> }> = {
    "POST /api/ingest (JSON lines)": () => {
      const body = Array.from({ length: BATCH }, () => JSON.stringify({ message: line(next()) })).join("\n");
      return {
        send: () => r.receivePlain(new Request("http://bench/api/ingest", { method: "POST", body, headers: auth })),
      };
    },
    "Loki push (JSON)": () => {
      const values = Array.from({ length: BATCH }, () => {
        const ts = next();
        return [`${ts}000000`, line(ts)];
      });
      const body = JSON.stringify({ streams: [{ stream: { job: "trading-bot" }, values }] });
      return {
        send: () =>
          r.receiveLoki(
            new Request("http://bench/loki/api/v1/push", {
              method: "POST",
              body,
              headers: { ...auth, "Content-Type": "application/json" },
            }),
          ),
      };
    },
    "Loki push (protobuf + snappy)": () => {
      const entries = Array.from({ length: BATCH }, () => {
        const ts = next();
        return { timestamp: { seconds: Math.floor(ts / 1000), nanos: (ts % 1000) * 1e6 }, line: line(ts) };
      });
      const body = compressSync(
        Buffer.from(Push.encode(Push.fromObject({ streams: [{ labels: '{job="trading-bot"}', entries }] })).finish()),
      );
      return {
        send: () =>
          r.receiveLoki(
            new Request("http://bench/loki/api/v1/push", {
              method: "POST",
              body: body as unknown as BodyInit,
              headers: { ...auth, "Content-Type": "application/x-protobuf" },
            }),
          ),
      };
    },
    "Elasticsearch bulk": () => {
      const body =
        Array.from({ length: BATCH }, () => `{"index":{}}\n${JSON.stringify({ message: line(next()) })}`).join("\n") +
        "\n";
      return {
        send: () =>
          r.receiveEs(new Request("http://bench/es/_bulk", { method: "POST", body, headers: auth }), ["_bulk"]),
      };
    },
  };

  const out: IngestReceiverResult[] = [];
  for (const [receiver, make] of Object.entries(bodies)) {
    // Warm up (JIT, prepared statements), then 20 timed batches; bodies are built before timing.
    for (let i = 0; i < 3; i++) await (await make().send()).arrayBuffer();
    const prepared = Array.from({ length: 20 }, () => make());
    const times: number[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const p of prepared) {
      const b0 = performance.now();
      const res = await p.send();
      if (res.status >= 300) throw new Error(`${receiver}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer();
      times.push(performance.now() - b0);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    times.sort((a, b) => a - b);
    out.push({
      receiver,
      batches: prepared.length,
      lines: prepared.length * BATCH,
      linesPerSecond: Math.round((prepared.length * BATCH) / seconds),
      linesPerCpuSecond: Math.round((prepared.length * BATCH) / cpuSeconds),
      medianBatchMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10,
    });
  }
  const result: IngestResult = {
    database: dataDir.startsWith("memory://") ? "embedded, in memory" : "embedded, data directory on disk",
    lineBytes: Buffer.byteLength(line(next())),
    batchLines: BATCH,
    receivers: out,
  };
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
  const db = await import("../../lib/db");
  await (await db.getDatabase()).close();
  if (!process.env.BENCH_INGEST_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
}

if (process.argv[1] && /bench\/ingest\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
