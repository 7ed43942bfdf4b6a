import "server-only";
import { randomUUID } from "node:crypto";
import { FOREIGN_ORIGIN_MESSAGE, isForeignOrigin } from "../auth/same-origin";
import { MAX_INGEST_BYTES } from "../telemetry/ingest";
import { decodeEsBulk, decodeLokiJson, decodeLokiProtobuf, decodePlainJson } from "../telemetry/shipped/bodies";
import {
  authenticateIngest,
  ingestDecoded,
  readIngestBody,
  WWW_AUTHENTICATE,
  type IngestAuth,
  type ItemOutcome,
} from "./push-ingest";

// The three receivers log shippers are pointed at, each answering in its own protocol's terms:
//   POST /api/ingest          our NDJSON envelope or plain JSON (object, array, JSON lines)
//   POST /loki/api/v1/push    Loki push API, JSON or protobuf + snappy; 204 as Loki answers
//   /es                       an Elasticsearch-compatible base: version handshake, probes, _bulk
// They share the token check, the body cap, gzip and the record pipeline (push-ingest.ts).

const NO_STORE = { "Cache-Control": "no-store" };

type Refused = { status: number; error: string; headers?: Record<string, string> };

/** The checks every receiver makes before reading a body. */
function gate(req: Request): { ok: true; auth: Extract<IngestAuth, { ok: true }> } | { ok: false; refused: Refused } {
  // Shippers send no Origin; a browser on another site has no business posting reports (reads,
  // the handshake and probes, change nothing and follow the console's rule for reads).
  const writes = req.method !== "GET" && req.method !== "HEAD";
  if (writes && isForeignOrigin(req.headers))
    return { ok: false, refused: { status: 403, error: FOREIGN_ORIGIN_MESSAGE } };
  const auth = authenticateIngest(req.headers.get("authorization"));
  if (!auth.ok)
    return {
      ok: false,
      refused: {
        status: auth.status,
        error: auth.error,
        ...(auth.status === 401 ? { headers: { "WWW-Authenticate": WWW_AUTHENTICATE } } : {}),
      },
    };
  return { ok: true, auth };
}

/** "line 3" → { line: 3 }, "item 2" → { item: 2 }, anything else → { ref }. */
function refOf(ref: string): { line: number } | { item: number } | { ref: string } {
  const m = /^(line|item) (\d+)$/.exec(ref);
  if (m) return m[1] === "line" ? { line: Number(m[2]) } : { item: Number(m[2]) };
  return { ref };
}

// ------------------------------------------------------------------------------------------ /api/ingest

/** POST /api/ingest: the report envelope (NDJSON) or a shipper's plain JSON, told apart by shape. */
export async function receivePlain(req: Request): Promise<Response> {
  const g = gate(req);
  if (!g.ok)
    return Response.json(
      { error: g.refused.error },
      { status: g.refused.status, headers: { ...NO_STORE, ...g.refused.headers } },
    );
  const { source, target } = g.auth;
  const body = await readIngestBody(req);
  if (!body.ok) return Response.json({ error: body.error, source }, { status: body.status, headers: NO_STORE });
  const decoded = decodePlainJson(body.raw.toString("utf8"));
  if (!decoded.ok)
    return Response.json({ error: decoded.error, source }, { status: decoded.status, headers: NO_STORE });
  if (decoded.items.length === 0)
    return Response.json(
      {
        source,
        stored: 0,
        duplicates: 0,
        accepted: 0,
        unparsed: 0,
        rejected: [],
        error: "empty body: send one JSON object per line",
      },
      { status: 400, headers: NO_STORE },
    );
  const { outcomes, counts, reports } = await ingestDecoded(source, target, "ingest", decoded.items);
  const rejected = outcomes.filter((o) => o.status === "rejected").map((o) => ({ ...refOf(o.ref), error: o.error! }));
  const unparsedLines = outcomes
    .filter((o) => o.status === "unparsed")
    .slice(0, 5)
    .map((o) => ({ ...refOf(o.ref), reason: o.error! }));
  const answer = {
    source,
    accepted: reports.length,
    stored: counts.stored,
    duplicates: counts.duplicates,
    unparsed: counts.unparsed,
    rejected,
    ...(unparsedLines.length ? { unparsedLines } : {}),
  };
  const none = reports.length === 0 && counts.unparsed === 0;
  return Response.json(none ? { ...answer, error: "no valid lines" } : answer, {
    status: none ? 400 : rejected.length ? 207 : 200,
    headers: NO_STORE,
  });
}

// ------------------------------------------------------------------------------------------ Loki

/** Loki's push API at /loki/api/v1/push. Errors are plain text, as Loki's are. */
export async function receiveLoki(req: Request): Promise<Response> {
  const text = (status: number, msg: string, headers: Record<string, string> = {}) =>
    new Response(`${msg}\n`, {
      status,
      headers: { "Content-Type": "text/plain; charset=utf-8", ...NO_STORE, ...headers },
    });
  const g = gate(req);
  if (!g.ok) return text(g.refused.status, g.refused.error, g.refused.headers);
  const { source, target } = g.auth;
  const body = await readIngestBody(req);
  if (!body.ok) return text(body.status, body.error);
  const type = (req.headers.get("content-type") ?? "application/json").split(";")[0]!.trim().toLowerCase();
  let decoded;
  if (type === "application/x-protobuf") decoded = decodeLokiProtobuf(body.raw, MAX_INGEST_BYTES);
  else if (type === "application/json") decoded = decodeLokiJson(body.raw.toString("utf8"));
  else if (type === "" || type === "text/plain" || type === "application/octet-stream") {
    // Some clients send no useful type: JSON when it reads as JSON, else protobuf (Loki's default).
    const json = body.raw.subarray(0, 64).toString("utf8").trimStart().startsWith("{")
      ? decodeLokiJson(body.raw.toString("utf8"))
      : null;
    decoded = json?.ok ? json : decodeLokiProtobuf(body.raw, MAX_INGEST_BYTES);
  } else
    return text(415, `Content-Type "${type}" is not a Loki push body (application/json or application/x-protobuf)`);
  if (!decoded.ok) return text(decoded.status, decoded.error);
  if (decoded.items.length === 0) return new Response(null, { status: 204, headers: NO_STORE });
  const { outcomes } = await ingestDecoded(source, target, "loki", decoded.items);
  const rejected = outcomes.filter((o) => o.status === "rejected");
  if (rejected.length === 0) return new Response(null, { status: 204, headers: NO_STORE });
  // As Loki does when some entries fail validation: the valid ones are stored, the answer is a
  // 400 naming the others (so a shipper does not resend what was stored).
  const named = rejected.slice(0, 20).map((o) => `${o.ref}: ${o.error}`);
  const more = rejected.length > 20 ? `\n(and ${rejected.length - 20} more)` : "";
  return text(
    400,
    `${rejected.length} of ${outcomes.length} entries rejected, the others stored:\n${named.join("\n")}${more}`,
  );
}

// ------------------------------------------------------------------------------------------ Elasticsearch

/** The Elasticsearch version the handshake announces: clients pick their request format from it. */
export const ES_VERSION = "8.11.0";
const ES_HEADERS = { "X-Elastic-Product": "Elasticsearch", ...NO_STORE };
const CLUSTER_UUID = "watchfloor-ingest";

function esError(status: number, type: string, reason: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { error: { root_cause: [{ type, reason }], type, reason }, status },
    { status, headers: { ...ES_HEADERS, ...headers } },
  );
}

function esInfo(): Record<string, unknown> {
  return {
    name: "watchfloor",
    cluster_name: "watchfloor",
    cluster_uuid: CLUSTER_UUID,
    version: {
      number: ES_VERSION,
      build_flavor: "default",
      build_type: "tar",
      lucene_version: "9.8.0",
      minimum_wire_compatibility_version: "7.17.0",
      minimum_index_compatibility_version: "7.0.0",
    },
    tagline: "You Know, for Search",
  };
}

/** Every request under /es: `path` is what follows /es/ split on "/". */
export async function receiveEs(req: Request, path: string[]): Promise<Response> {
  const g = gate(req);
  if (!g.ok) {
    const type = g.refused.status === 401 ? "security_exception" : "security_exception";
    return esError(g.refused.status, type, g.refused.error, g.refused.headers);
  }
  const method = req.method.toUpperCase();
  const p = path.filter((s) => s !== "");
  const head = (status = 200) => new Response(null, { status, headers: ES_HEADERS });
  const key = p.join("/");
  if (p.length === 0) {
    if (method === "HEAD") return head();
    if (method === "GET") return Response.json(esInfo(), { headers: ES_HEADERS });
  }
  if (key === "_license" && (method === "GET" || method === "HEAD")) {
    if (method === "HEAD") return head();
    return Response.json(
      {
        license: {
          status: "active",
          uid: CLUSTER_UUID,
          type: "basic",
          issue_date_in_millis: 0,
          max_nodes: 1000,
          issued_to: "watchfloor",
          issuer: "watchfloor",
          start_date_in_millis: -1,
        },
      },
      { headers: ES_HEADERS },
    );
  }
  // rsyslog's omelasticsearch checks this before sending.
  if (key === "_cat/health" && (method === "GET" || method === "HEAD")) {
    if (method === "HEAD") return head();
    return new Response(`${Math.floor(Date.now() / 1000)} watchfloor green 1 1 0 0 0 0 0 0 - 100.0%\n`, {
      headers: { ...ES_HEADERS, "Content-Type": "text/plain; charset=UTF-8" },
    });
  }
  const bulkIndex =
    p.length === 1 && p[0] === "_bulk" ? "watchfloor" : p.length === 2 && p[1] === "_bulk" ? p[0]! : null;
  if (bulkIndex !== null && (method === "POST" || method === "PUT")) return receiveBulk(req, g.auth, bulkIndex);
  return esError(
    p.length === 0 || bulkIndex !== null ? 405 : 404,
    p.length === 0 || bulkIndex !== null ? "method_not_allowed" : "resource_not_found_exception",
    `${method} /${key} is not part of this Elasticsearch-compatible ingest endpoint (GET /, HEAD /, GET /_license, POST /_bulk, POST /<index>/_bulk)`,
  );
}

async function receiveBulk(req: Request, auth: Extract<IngestAuth, { ok: true }>, index: string): Promise<Response> {
  const started = Date.now();
  const body = await readIngestBody(req);
  if (!body.ok)
    return esError(body.status, body.status === 413 ? "content_too_long_exception" : "parse_exception", body.error);
  const decoded = decodeEsBulk(body.raw.toString("utf8"), index);
  if (!decoded.ok) return esError(400, "illegal_argument_exception", decoded.error);
  if (decoded.items.length === 0)
    return esError(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
  const { outcomes } = await ingestDecoded(
    auth.source,
    auth.target,
    "es",
    decoded.items.map((i) => i.decoded),
  );
  const items = decoded.items.map((it, i) => {
    const o: ItemOutcome = outcomes[i]!;
    const base = { _index: it.action.index, _id: o.id ?? it.action.id ?? randomUUID() };
    if (o.status === "stored") return { [it.action.op]: { ...base, _version: 1, result: "created", status: 201 } };
    if (o.status === "duplicate") return { [it.action.op]: { ...base, _version: 1, result: "noop", status: 200 } };
    if (o.status === "unparsed")
      return { [it.action.op]: { ...base, result: "noop", status: 200, watchfloor_unparsed: o.error } };
    return {
      [it.action.op]: {
        ...base,
        status: 400,
        error: { type: "document_parsing_exception", reason: `${it.ref}: ${o.error}` },
      },
    };
  });
  const errors = outcomes.some((o) => o.status === "rejected");
  return Response.json({ took: Date.now() - started, errors, items }, { headers: ES_HEADERS });
}
