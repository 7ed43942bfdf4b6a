import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuleHarness } from "../rules/testing";
import { startFleet, type Fleet } from "../sim/fleet";
import { RSYSLOG_BIN, SYSLOG_NG_BIN, startRsyslog, startSyslogNg, type Shipper } from "../testing/shippers";

// Real shippers from Debian against the real receivers: the simulated futures bot runs the
// orphan/phantom scenario writing its log file as a Python bot would; syslog-ng (http() to
// /api/ingest) and rsyslog (omelasticsearch to /es/) tail it and post to an HTTP server that
// hands each request to the same functions the console's route handlers call. Mid-stream the
// server goes away (connections refused) and comes back on the same port, as a restarted console
// does; afterwards every distinct line written is stored exactly once, and the orphan rule over
// the stored reports is a SEV1.

process.env.WATCHFLOOR_DATA_DIR = "memory://";
// Their own fleet config: the futures bot the shipped lines come from, with its ingest token.
const fleetDir = mkdtempSync(path.join(tmpdir(), "wf-shippers-"));
writeFileSync(
  path.join(fleetDir, "fleet.yaml"),
  "targets:\n  - name: kraken-futures\n    kind: futures-bot\n    baseUrl: http://127.0.0.1:9\n    credentials: { ingestTokenEnv: INGEST_TOKEN_KRAKEN_FUTURES }\n",
);
process.env.WATCHFLOOR_FLEET_CONFIG = path.join(fleetDir, "fleet.yaml");
const TOKEN = "ingest-token-for-shipper-tests";
process.env.INGEST_TOKEN_KRAKEN_FUTURES = TOKEN;

const MIN = 60_000;
const dir = mkdtempSync(path.join(tmpdir(), "wf-shippers-"));
let receivers: typeof import("./receivers");
let db: import("../db/client").Db;
let schema: typeof import("../db/schema");
let server: Server;
let port = 0;
const requests: { path: string; status: number }[] = [];

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const method = req.method ?? "GET";
  const request = new Request(url, {
    method,
    headers,
    ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
  });
  let answer: Response;
  if (url.pathname === "/api/ingest" && method === "POST") answer = await receivers.receivePlain(request);
  else if (url.pathname === "/es" || url.pathname.startsWith("/es/"))
    answer = await receivers.receiveEs(request, url.pathname.slice(4).split("/").filter(Boolean));
  else answer = new Response("not found", { status: 404 });
  requests.push({ path: `${method} ${url.pathname}`, status: answer.status });
  res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
  res.end(method === "HEAD" ? undefined : Buffer.from(await answer.arrayBuffer()));
}

const listen = () =>
  new Promise<void>((resolve) => {
    server = createServer((req, res) => void handle(req, res).catch((e) => res.writeHead(500).end(String(e))));
    server.listen(port, "127.0.0.1", () => {
      port = (server.address() as AddressInfo).port;
      resolve();
    });
  });
const down = () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  receivers = await import("./receivers");
  db = await (await import("../db")).getDb();
  schema = await import("../db/schema");
  await listen();
});

afterAll(async () => {
  await down().catch(() => {});
  await (await (await import("../db")).getDatabase()).close();
  rmSync(dir, { recursive: true, force: true });
});

async function storedBetween(from: number, to: number) {
  return (await db.select().from(schema.reports)).filter(
    (r) => r.system === "kraken-futures" && r.observedAt.getTime() >= from && r.observedAt.getTime() < to,
  );
}

/** Runs the scenario for `minutes` virtual minutes in steps, pausing so the shipper tails along. */
async function drive(fleet: Fleet, minutes: number) {
  for (let i = 0; i < minutes; i++) {
    fleet.advance(MIN);
    await sleep(150);
  }
}

const shippers: [name: string, bin: string, start: (file: string) => Promise<Shipper>, day: string][] = [
  [
    "syslog-ng (http() to /api/ingest)",
    SYSLOG_NG_BIN,
    (file) => startSyslogNg({ file, token: TOKEN, url: `http://127.0.0.1:${port}/api/ingest` }),
    "2026-12-05",
  ],
  [
    "rsyslog (omelasticsearch to /es/)",
    RSYSLOG_BIN,
    (file) => startRsyslog({ file, token: TOKEN, esBase: `http://127.0.0.1:${port}/es/` }),
    "2026-12-06",
  ],
];

describe.each(shippers)("%s", (name, bin, start, day) => {
  it("delivers the bot's log file; after a console restart mid-stream every line is stored exactly once; the orphan spike is a SEV1", async () => {
    expect(existsSync(bin), `${bin} is missing: run npm run deps:system`).toBe(true);
    const file = path.join(dir, `${name.split(" ")[0]}.log`);
    const from = Date.parse(`${day}T10:00:00.000Z`);
    const fleet = await startFleet({
      config: {
        seed: 11,
        host: "127.0.0.1",
        adminPort: 0,
        systems: [
          {
            name: "kraken-futures",
            kind: "futures-bot",
            port: 0,
            credential: "sim-token-kf",
            logFile: { path: file, format: "text" },
          },
        ],
      },
      portBase: 0,
      admin: false,
      startTime: from,
    });
    const shipper = await start(file);
    try {
      fleet.startScenario("orphan-phantom-spike");
      await drive(fleet, 6);
      await down(); // the console stops mid-stream
      await drive(fleet, 6);
      await sleep(1500);
      await listen(); // and comes back on the same address
      await drive(fleet, 6);
      const to = from + 18 * MIN + 1;
      const lines = new Set(readFileSync(file, "utf8").split("\n").filter(Boolean));
      expect(lines.size).toBeGreaterThan(50);
      const deadline = Date.now() + 45_000;
      let stored = await storedBetween(from, to);
      while (stored.length < lines.size && Date.now() < deadline) {
        await sleep(500);
        stored = await storedBetween(from, to);
      }
      await sleep(1500); // anything sent twice would have arrived by now
      stored = await storedBetween(from, to);
      expect(stored.length, `${name}: stored reports vs distinct lines written\n${shipper.log().slice(-2000)}`).toBe(
        lines.size,
      );
      // Each stored report is one written line: same kinds, same count per kind.
      const kindsWritten = new Map<string, number>();
      for (const l of lines) {
        const kind = l.includes("API circuit breaker OPENED")
          ? "API_CIRCUIT_BREAKER_OPENED"
          : l.includes("API circuit breaker CLOSED")
            ? "API_CIRCUIT_BREAKER_CLOSED"
            : l.split(" ")[3]!;
        kindsWritten.set(kind, (kindsWritten.get(kind) ?? 0) + 1);
      }
      const kindsStored = new Map<string, number>();
      for (const r of stored) kindsStored.set(r.kind, (kindsStored.get(r.kind) ?? 0) + 1);
      expect(Object.fromEntries(kindsStored)).toEqual(Object.fromEntries(kindsWritten));
      // The shipper really met the console being down and delivered afterwards: refused while it was
      // stopped, or cut off mid-request when the stop caught a request in flight (curl's errors 7,
      // 56 and 52, as syslog-ng and rsyslog log them).
      expect(shipper.log()).toMatch(/Couldn\\?'t connect to server|Connection reset by peer|Empty reply from server/);
      expect(
        requests.filter((r) => r.status >= 300),
        "every request the receivers answered was a success",
      ).toEqual([]);

      // The console's orphan rule over exactly what was stored.
      const h = new RuleHarness("futures-bot", { name: "kraken-futures" });
      h.store.addReports(
        stored.map((r) => ({
          system: r.system,
          kind: r.kind,
          id: r.id,
          fields: r.fields as Record<string, unknown>,
          observedAt: r.observedAt.getTime(),
        })),
      );
      const finding = h.one("recon_orphaned", from + 18 * MIN);
      expect(finding).toMatchObject({ state: "critical", severity: "SEV1" });
    } finally {
      await shipper.stop();
      await fleet.stop();
    }
  }, 120_000);
});
