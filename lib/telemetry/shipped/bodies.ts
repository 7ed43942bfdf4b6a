import protobuf from "protobufjs/light";
import { uncompressSync } from "snappy";
import type { ShippedEntry } from "./line";

// Request bodies as log shippers send them, decoded into records to parse one by one. Each record
// keeps a reference ("line 3", "item 2", "streams[0].values[4]") so a rejection names it. A body
// that cannot be read at all (not JSON, not snappy, not protobuf) is refused whole with the reason.
//
// - plain JSON (Fluent Bit `http`, Vector `http`, syslog-ng `http()`): one object, an array of
//   objects, or JSON lines. A record shaped like our own report envelope (`id`, `kind`, `ts`) is
//   kept as such; anything else is a shipped record.
// - Loki push API: `application/json` ({streams:[{stream:{labels}, values:[[ns, line, meta?]]}]})
//   and `application/x-protobuf` (snappy-compressed logproto.PushRequest, as Promtail and Grafana
//   Alloy send it). Decoded with the snappy and protobufjs libraries, never by hand.
// - Elasticsearch bulk API: NDJSON action/document pairs.

export type Decoded =
  { ref: string; envelope: unknown } | { ref: string; entry: ShippedEntry } | { ref: string; error: string };

export type BodyResult = { ok: true; items: Decoded[] } | { ok: false; status: 400 | 413 | 415; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Our own NDJSON report envelope: told apart from a shipped record by its keys. */
export const isEnvelope = (v: unknown): boolean => isObject(v) && "id" in v && "kind" in v && "ts" in v;

function plainItem(ref: string, v: unknown): Decoded {
  if (isEnvelope(v)) return { ref, envelope: v };
  if (!isObject(v))
    return {
      ref,
      error: `expected a JSON object, got ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`,
    };
  return { ref, entry: { record: v } };
}

/** A plain JSON body: one object, an array of objects, or JSON lines. */
export function decodePlainJson(text: string): BodyResult {
  const trimmed = text.trim();
  if (!trimmed)
    return {
      ok: false,
      status: 400,
      error: "empty body: send a JSON object, an array of objects, or one JSON object per line",
    };
  let whole: unknown;
  let parsedWhole = false;
  try {
    whole = JSON.parse(trimmed);
    parsedWhole = true;
  } catch {
    // Not one JSON value: JSON lines.
  }
  if (parsedWhole) {
    if (Array.isArray(whole)) return { ok: true, items: whole.map((v, i) => plainItem(`item ${i + 1}`, v)) };
    if (isObject(whole)) return { ok: true, items: [plainItem("line 1", whole)] };
  }
  const items: Decoded[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      items.push({ ref: `line ${i + 1}`, error: "not valid JSON" });
      return;
    }
    items.push(plainItem(`line ${i + 1}`, v));
  });
  return { ok: true, items };
}

// ------------------------------------------------------------------------------------------ Loki

/** `{job="bot", host="a"}` (Prometheus label syntax, as Loki's protobuf carries stream labels). */
export function parseLokiLabels(s: string): Record<string, string> | null {
  const t = s.trim();
  if (!t.startsWith("{") || !t.endsWith("}")) return null;
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  const body = t.slice(1, -1);
  let i = 0;
  while (i < body.length) {
    if (/^\s*$/.test(body.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(body);
    if (!m) return null;
    try {
      out[m[1]!] = JSON.parse(`"${m[2]!}"`) as string;
    } catch {
      return null;
    }
    i = re.lastIndex;
  }
  return out;
}

/** Loki timestamps: nanoseconds since the epoch as a decimal string. */
function nsToMs(v: unknown): number | null {
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) return null;
  return v.length > 6 ? Number(v.slice(0, -6)) : 0;
}

const stringRecord = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((x) => typeof x === "string");

/** Loki push API, JSON flavour. */
export function decodeLokiJson(text: string): BodyResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: false,
      status: 400,
      error: 'the body is not valid JSON (Loki push: {"streams":[{"stream":{…},"values":[["<ns>","<line>"]]}]})',
    };
  }
  if (!isObject(body) || !Array.isArray(body.streams))
    return { ok: false, status: 400, error: 'expected {"streams": [...]} (Loki push API)' };
  const items: Decoded[] = [];
  body.streams.forEach((s: unknown, si) => {
    const ref = `streams[${si}]`;
    if (!isObject(s) || !Array.isArray(s.values)) {
      items.push({ ref, error: 'a stream needs "stream" labels and a "values" array' });
      return;
    }
    const labels = s.stream === undefined ? {} : s.stream;
    if (!stringRecord(labels)) {
      items.push({ ref: `${ref}.stream`, error: "stream labels must be an object of strings" });
      return;
    }
    s.values.forEach((v: unknown, vi) => {
      const vref = `${ref}.values[${vi}]`;
      if (!Array.isArray(v) || v.length < 2 || v.length > 3 || typeof v[1] !== "string") {
        items.push({
          ref: vref,
          error: 'an entry is ["<unix epoch in nanoseconds>", "<log line>"] with optional structured metadata',
        });
        return;
      }
      const ms = nsToMs(v[0]);
      if (ms === null) {
        items.push({
          ref: vref,
          error: `timestamp ${JSON.stringify(v[0]).slice(0, 40)} is not nanoseconds since the epoch as a string`,
        });
        return;
      }
      if (v[2] !== undefined && !stringRecord(v[2])) {
        items.push({ ref: vref, error: "structured metadata must be an object of strings" });
        return;
      }
      items.push({
        ref: vref,
        entry: {
          record: v[1],
          shipperTime: ms,
          labels: { ...labels, ...((v[2] as Record<string, string> | undefined) ?? {}) },
        },
      });
    });
  });
  return { ok: true, items };
}

// logproto.PushRequest (grafana/loki pkg/push/push.proto), as a protobufjs JSON descriptor:
// PushRequest { repeated StreamAdapter streams = 1; }
// StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
// EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
export const LOKI_PUSH_DESCRIPTOR = {
  nested: {
    logproto: {
      nested: {
        PushRequest: { fields: { streams: { rule: "repeated", type: "StreamAdapter", id: 1 } } },
        StreamAdapter: {
          fields: {
            labels: { type: "string", id: 1 },
            entries: { rule: "repeated", type: "EntryAdapter", id: 2 },
            hash: { type: "uint64", id: 3 },
          },
        },
        EntryAdapter: {
          fields: {
            timestamp: { type: "Timestamp", id: 1 },
            line: { type: "string", id: 2 },
            structuredMetadata: { rule: "repeated", type: "LabelPairAdapter", id: 3 },
          },
        },
        LabelPairAdapter: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        // google.protobuf.Timestamp, same wire shape.
        Timestamp: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } },
      },
    },
  },
};

export const PushRequest = protobuf.Root.fromJSON(LOKI_PUSH_DESCRIPTOR).lookupType("logproto.PushRequest");

interface PushRequestShape {
  streams?: {
    labels?: string;
    entries?: {
      timestamp?: { seconds?: number | { toNumber(): number }; nanos?: number };
      line?: string;
      structuredMetadata?: { name?: string; value?: string }[];
    }[];
  }[];
}

/** The uncompressed length a snappy block announces in its varint preamble. */
function snappyLength(buf: Buffer): number | null {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < Math.min(buf.length, 5); i++) {
    const b = buf[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
  return null;
}

/** Loki push API, protobuf flavour: a snappy block holding a logproto.PushRequest. */
export function decodeLokiProtobuf(raw: Buffer, maxBytes: number): BodyResult {
  const announced = snappyLength(raw);
  if (announced === null)
    return {
      ok: false,
      status: 400,
      error: "the body is not snappy-compressed (Loki push protobuf bodies are snappy blocks)",
    };
  if (announced > maxBytes)
    return {
      ok: false,
      status: 413,
      error: `the uncompressed body would be ${announced} bytes, over the ${maxBytes}-byte cap`,
    };
  let plain: Buffer;
  try {
    plain = uncompressSync(raw, { asBuffer: true }) as Buffer;
  } catch (e) {
    return { ok: false, status: 400, error: `the body is not valid snappy (${(e as Error).message})` };
  }
  let msg: PushRequestShape;
  try {
    msg = PushRequest.toObject(PushRequest.decode(plain), { longs: Number, defaults: false }) as PushRequestShape;
  } catch (e) {
    return { ok: false, status: 400, error: `the body is not a Loki PushRequest protobuf (${(e as Error).message})` };
  }
  const items: Decoded[] = [];
  (msg.streams ?? []).forEach((s, si) => {
    const labels = parseLokiLabels(s.labels ?? "{}");
    if (labels === null) {
      items.push({
        ref: `streams[${si}].labels`,
        error: `labels ${JSON.stringify(s.labels).slice(0, 80)} are not in {name="value", …} form`,
      });
      return;
    }
    (s.entries ?? []).forEach((e, ei) => {
      const ref = `streams[${si}].entries[${ei}]`;
      const sec =
        typeof e.timestamp?.seconds === "object" ? e.timestamp.seconds.toNumber() : (e.timestamp?.seconds ?? 0);
      const ms = sec * 1000 + Math.floor((e.timestamp?.nanos ?? 0) / 1e6);
      if (!e.timestamp || ms <= 0) {
        items.push({ ref, error: "entry has no timestamp" });
        return;
      }
      const meta = Object.fromEntries((e.structuredMetadata ?? []).map((p) => [p.name ?? "", p.value ?? ""]));
      items.push({ ref, entry: { record: e.line ?? "", shipperTime: ms, labels: { ...labels, ...meta } } });
    });
  });
  return { ok: true, items };
}

// ------------------------------------------------------------------------------------------ Elasticsearch bulk

export interface BulkAction {
  /** index | create | update | delete | whatever the line named */
  op: string;
  index: string;
  id?: string;
}

export type BulkItem = { ref: string; action: BulkAction; decoded: Decoded };

/** Elasticsearch bulk body: NDJSON, an action line and (except for delete) a document line. */
export function decodeEsBulk(
  text: string,
  defaultIndex: string,
): { ok: true; items: BulkItem[] } | { ok: false; status: 400; error: string } {
  const lines = text.split("\n");
  const items: BulkItem[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!.trim();
    const n = i + 1;
    i++;
    if (!raw) continue;
    let action: unknown;
    try {
      action = JSON.parse(raw);
    } catch {
      // ES refuses the whole request when an action line is not JSON: the pairing is lost.
      return {
        ok: false,
        status: 400,
        error: `line ${n}: the action line is not valid JSON (a bulk body is an action line, then a document line)`,
      };
    }
    const op = isObject(action) ? Object.keys(action)[0] : undefined;
    if (!op || !isObject(action) || Object.keys(action).length !== 1 || !isObject(action[op])) {
      return { ok: false, status: 400, error: `line ${n}: an action line is {"index": {…}} or {"create": {…}}` };
    }
    const meta = action[op] as Record<string, unknown>;
    const act: BulkAction = {
      op,
      index: typeof meta._index === "string" ? meta._index : defaultIndex,
      ...(typeof meta._id === "string" ? { id: meta._id } : {}),
    };
    if (op === "delete") {
      items.push({
        ref: `item ${items.length + 1} (line ${n})`,
        action: act,
        decoded: { ref: `line ${n}`, error: "delete is not supported: reports are never deleted" },
      });
      continue;
    }
    if (i >= lines.length || !lines[i]!.trim())
      return { ok: false, status: 400, error: `line ${n}: the ${op} action has no document line after it` };
    const docLine = lines[i]!.trim();
    const dn = i + 1;
    i++;
    const ref = `item ${items.length + 1} (line ${dn})`;
    if (op !== "index" && op !== "create") {
      items.push({ ref, action: act, decoded: { ref, error: `${op} is not supported: send index or create` } });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(docLine);
    } catch {
      items.push({ ref, action: act, decoded: { ref, error: "the document is not valid JSON" } });
      continue;
    }
    items.push({ ref, action: act, decoded: plainItem(ref, doc) });
  }
  return { ok: true, items };
}
