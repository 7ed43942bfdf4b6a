import "server-only";
import { sql } from "drizzle-orm";
import { getFleetConfig } from "../config/current";
import type { TargetConfig } from "../config/fleet";
import { getDb, type Db } from "../db";
import { rowsOf } from "../db/client";
import { ingestLines, ingestStats, reports as reportsTable } from "../db/schema";
import { readNamedSecret } from "../env";
import { decodeBody, envelopeReport, MAX_INGEST_BYTES, sourceForToken } from "../telemetry/ingest";
import type { Report } from "../telemetry/model";
import type { Decoded } from "../telemetry/shipped/bodies";
import { lineFormatOf, parseShippedEntry } from "../telemetry/shipped/line";
import { announce } from "./changes";

// Push ingest enters the collector here, whichever receiver took the request (POST /api/ingest,
// the Loki push API, the Elasticsearch bulk API): one token check, one body cap, one way from a
// decoded record to a stored report, and one place that counts what each source sent. Valid
// records are stored (once per id) in the same transaction as the counts before any receiver
// answers 2xx; a rejected record is named and the rest of the batch is stored.

export type Receiver = "ingest" | "loki" | "es";

export const WWW_AUTHENTICATE = 'Basic realm="Watchfloor ingest", charset="UTF-8"';

export type IngestAuth =
  { ok: true; source: string; target: TargetConfig } | { ok: false; status: 401 | 403; error: string };

/**
 * The per-source ingest token, as `Authorization: Bearer <token>` or as the password of HTTP basic
 * auth (several shippers can only do basic auth; the user name is not checked).
 */
export function authenticateIngest(authorization: string | null): IngestAuth {
  let token: string | undefined;
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i);
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (bearer) token = bearer[1];
  else if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    token = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  if (!token)
    return {
      ok: false,
      status: 401,
      error:
        "missing ingest token (Authorization: Bearer <ingest token>, or basic auth with the token as the password)",
    };
  const cfg = getFleetConfig();
  const source = sourceForToken(cfg, token, readNamedSecret);
  const target = source ? cfg.targets.find((t) => t.name === source) : undefined;
  if (!source || !target)
    return { ok: false, status: 403, error: "this token is not an ingest token of any configured source" };
  return { ok: true, source, target };
}

/** Reads the body up to the cap; null when it is larger. */
export async function readCappedBody(req: Request): Promise<Buffer | null> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > MAX_INGEST_BYTES) return null;
  const reader = req.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_INGEST_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads and un-gzips the body; an error answer when it is too large or not decodable. */
export async function readIngestBody(
  req: Request,
): Promise<{ ok: true; raw: Buffer } | { ok: false; status: 400 | 413 | 415; error: string }> {
  const raw = await readCappedBody(req);
  if (raw === null) return { ok: false, status: 413, error: `request body exceeds ${MAX_INGEST_BYTES} bytes` };
  return decodeBody(raw, req.headers.get("content-encoding"));
}

export interface ItemOutcome {
  ref: string;
  status: "stored" | "duplicate" | "unparsed" | "rejected";
  error?: string;
  id?: string;
}

export interface IngestCounts {
  received: number;
  stored: number;
  duplicates: number;
  unparsed: number;
  rejected: number;
}

/** How many unparsed and rejected lines are kept per source for the sources screen. */
export const KEEP_LINES = 10;

/** The text to show for a record: its message line when it has one, else the record as JSON. */
const lineText = (d: Decoded): string => {
  const v = "entry" in d ? d.entry.record : "envelope" in d ? d.envelope : "";
  if (typeof v === "string") return v.slice(0, 2000);
  const o = v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  const message = ["message", "msg", "log", "MESSAGE", "event"]
    .map((k) => o[k])
    .find((x): x is string => typeof x === "string");
  return (message ?? JSON.stringify(v) ?? "").slice(0, 2000);
};

/** Turns decoded records into reports, stores them with the counts, and says what became of each. */
export async function ingestDecoded(
  source: string,
  target: TargetConfig,
  receiver: Receiver,
  items: Decoded[],
): Promise<{ outcomes: ItemOutcome[]; counts: IngestCounts; reports: Report[] }> {
  const fmt = lineFormatOf(target.logs);
  const outcomes: ItemOutcome[] = [];
  const toStore: { index: number; report: Report }[] = [];
  const kept: { outcome: "unparsed" | "rejected"; ref: string; line: string; reason: string }[] = [];
  for (const d of items) {
    if ("error" in d) {
      outcomes.push({ ref: d.ref, status: "rejected", error: d.error });
      kept.push({ outcome: "rejected", ref: d.ref, line: lineText(d), reason: d.error });
      continue;
    }
    if ("envelope" in d) {
      const env = envelopeReport(d.envelope, source);
      if (env.ok) {
        toStore.push({ index: outcomes.length, report: env.report });
        outcomes.push({ ref: d.ref, status: "stored" });
      } else {
        outcomes.push({ ref: d.ref, status: "rejected", error: env.error });
        kept.push({ outcome: "rejected", ref: d.ref, line: lineText(d), reason: env.error });
      }
      continue;
    }
    const out = parseShippedEntry(d.entry, source, fmt);
    if (out.status === "report") {
      toStore.push({ index: outcomes.length, report: out.report });
      outcomes.push({ ref: d.ref, status: "stored" });
    } else if (out.status === "unparsed") {
      outcomes.push({ ref: d.ref, status: "unparsed", error: out.reason });
      kept.push({ outcome: "unparsed", ref: d.ref, line: out.line, reason: out.reason });
    } else {
      outcomes.push({ ref: d.ref, status: "rejected", error: out.error });
      kept.push({ outcome: "rejected", ref: d.ref, line: lineText(d), reason: out.error });
    }
  }

  const db = await getDb();
  const reports = toStore.map((t) => t.report);
  const inserted = await db.transaction(async (tx) => {
    const { ids, maxSeq } = await insertReports(tx as unknown as Db, reports);
    const counts = {
      stored: ids.size,
      duplicates: reports.length - ids.size,
      unparsed: kept.filter((k) => k.outcome === "unparsed").length,
      rejected: kept.filter((k) => k.outcome === "rejected").length,
    };
    await tx
      .insert(ingestStats)
      .values({ system: source, received: items.length, ...counts, lastReceiver: receiver, lastAt: new Date() })
      .onConflictDoUpdate({
        target: ingestStats.system,
        set: {
          received: sql`${ingestStats.received} + ${items.length}`,
          stored: sql`${ingestStats.stored} + ${counts.stored}`,
          duplicates: sql`${ingestStats.duplicates} + ${counts.duplicates}`,
          unparsed: sql`${ingestStats.unparsed} + ${counts.unparsed}`,
          rejected: sql`${ingestStats.rejected} + ${counts.rejected}`,
          lastReceiver: receiver,
          lastAt: new Date(),
        },
      });
    const recent = kept.slice(-KEEP_LINES);
    if (recent.length) {
      await tx.insert(ingestLines).values(recent.map((k) => ({ system: source, receiver, ...k })));
      // Keep the newest KEEP_LINES per outcome for this source, in one statement.
      await tx.execute(sql`
        delete from ${ingestLines} where ${ingestLines.seq} in (
          select seq from (
            select ${ingestLines.seq} as seq, row_number() over (partition by ${ingestLines.outcome} order by ${ingestLines.seq} desc) as n
            from ${ingestLines} where ${ingestLines.system} = ${source}
          ) ranked where n > ${KEEP_LINES})`);
    }
    return { ids, maxSeq };
  });

  // Per record: the first copy of a newly inserted id is stored, any other copy a duplicate.
  const firstSeen = new Set<string>();
  for (const t of toStore) {
    const o = outcomes[t.index]!;
    o.id = t.report.id;
    if (inserted.ids.has(t.report.id) && !firstSeen.has(t.report.id)) firstSeen.add(t.report.id);
    else o.status = "duplicate";
  }
  // Stored: the leader's rules read them from the database, whichever instance leads. This only
  // wakes its reader; a lost message delays them by one evaluator tick.
  if (inserted.maxSeq) announce({ type: "reports", upTo: inserted.maxSeq, systems: [source] });
  const count = (s: ItemOutcome["status"]) => outcomes.filter((o) => o.status === s).length;
  return {
    outcomes,
    reports,
    counts: {
      received: items.length,
      stored: count("stored"),
      duplicates: count("duplicate"),
      unparsed: count("unparsed"),
      rejected: count("rejected"),
    },
  };
}

/** Rows per insert statement: one JSON parameter each, a batch of 500 1 KB lines in one. */
const INSERT_CHUNK = 1000;

/**
 * Inserts reports once per (system, id); returns the ids that were new. Each chunk is one
 * statement with one JSON parameter that the database unpacks (jsonb_to_recordset): a drizzle
 * multi-row insert builds and binds six parameters per row in JavaScript, which profiles showed
 * as most of an ingest batch's time outside the database.
 */
async function insertReports(db: Db, list: Report[]): Promise<{ ids: Set<string>; maxSeq: number }> {
  const ids = new Set<string>();
  let maxSeq = 0;
  for (let i = 0; i < list.length; i += INSERT_CHUNK) {
    const chunk = list
      .slice(i, i + INSERT_CHUNK)
      .map((r) => ({ s: r.system, i: r.id, k: r.kind, f: r.fields, t: new Date(r.observedAt).toISOString() }));
    const result = await db.execute(sql`
      insert into ${reportsTable} (system, id, kind, fields, observed_at)
      select r.s, r.i, r.k, r.f, r.t
      from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as r(s text, i text, k text, f jsonb, t timestamptz)
      on conflict do nothing
      returning id, seq`);
    for (const r of rowsOf<{ id: string; seq: string | number }>(result)) {
      ids.add(r.id);
      maxSeq = Math.max(maxSeq, Number(r.seq));
    }
  }
  return { ids, maxSeq };
}
