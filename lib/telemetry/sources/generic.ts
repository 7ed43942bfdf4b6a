import { genericPathOf, type JsonField, type TargetConfig } from "../../config/fleet";
import { SYSTEM_ENTITY, type Sample, type SourceError, type SourceResult } from "../model";
import { failedPoll, type EndpointPoll } from "./health";
import { fetchLimited, targetUrl } from "./http";
import { readMetrics, type HistogramMemory } from "./metrics";
import type { PollContext } from "./types";

// The generic kinds: any exporter, read without knowing what it is.
//
// - `prometheus`: one GET of the exposition path (default /metrics), text 0.0.4 or OpenMetrics,
//   read by the same parser and rules as the built-in scrapes (partial reads included). The entity
//   of a series is the value of the target's `scrape.entityLabel`, else the system itself.
// - `http-json`: one GET of a health JSON; the configured fields are picked by path and become
//   samples named by their `metric` (default: the path).
//
// Both send basic auth (credentials.basicAuthUserEnv / basicAuthPasswordEnv) or a bearer token
// when configured. A body that is HTML (a login page, a proxy's error page) is a `parse` error,
// never an empty success: the findings of the target turn Unknown with that error shown.

/** Authorization for a generic target: basic auth or a bearer token, resolved from env var names. */
export function authorizationFor(ctx: PollContext): SourceResult<string | undefined> {
  const c = ctx.target.credentials;
  if (c.basicAuthUserEnv && c.basicAuthPasswordEnv) {
    const user = ctx.secret?.(c.basicAuthUserEnv);
    const password = ctx.secret?.(c.basicAuthPasswordEnv);
    if (user === undefined || password === undefined)
      return {
        ok: false,
        error: {
          kind: "http",
          detail: `basic auth configured but ${user === undefined ? c.basicAuthUserEnv : c.basicAuthPasswordEnv} is not set`,
        },
      };
    return { ok: true, value: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
  }
  return { ok: true, value: ctx.token ? `Bearer ${ctx.token}` : undefined };
}

function looksLikeHtml(contentType: string, body: string): boolean {
  return /\bhtml\b/i.test(contentType) || /^\s*<(?:!doctype|html|head|body)\b/i.test(body);
}

async function fetchGeneric(
  ctx: PollContext,
  path: string,
  accept: string,
): Promise<{ ok: true; body: string; contentType: string; status: number; latencyMs: number } | EndpointPoll> {
  const started = performance.now();
  const auth = authorizationFor(ctx);
  if (!auth.ok) return failedPoll(path, auth.error, { latencyMs: 0 });
  let url: string;
  try {
    url = targetUrl(ctx.target.baseUrl, path);
  } catch (e) {
    return failedPoll(path, { kind: "network", detail: `cannot build the URL: ${(e as Error).message}` });
  }
  const headers: Record<string, string> = { accept };
  if (auth.value) headers.authorization = auth.value;
  if (ctx.userAgent) headers["user-agent"] = ctx.userAgent;
  const r = await fetchLimited(url, { timeoutMs: ctx.timeoutMs, maxBytes: ctx.maxBytes, headers });
  if (!r.ok) {
    const status = /^HTTP (\d{3})\b/.exec(r.error.detail)?.[1];
    return failedPoll(path, r.error, {
      latencyMs: performance.now() - started,
      ...(status ? { status: Number(status) } : {}),
    });
  }
  const { body, contentType, status, latencyMs } = r.value;
  if (looksLikeHtml(contentType, body)) {
    const title = /<title[^>]*>([^<]{0,80})/i.exec(body)?.[1]?.trim();
    const error: SourceError = {
      kind: "parse",
      detail: `answered HTML (${contentType || "no content type"})${title ? `: "${title}"` : ""}, not ${accept.startsWith("application/json") ? "JSON" : "a metrics exposition"}`,
    };
    return failedPoll(path, error, { latencyMs, status });
  }
  return { ok: true, body, contentType, status, latencyMs };
}

/** A `prometheus` target: scrape its exposition. */
export async function pollGenericScrape(ctx: PollContext, memory?: HistogramMemory): Promise<EndpointPoll> {
  const path = genericPathOf(ctx.target) ?? "/metrics";
  const f = await fetchGeneric(
    ctx,
    path,
    "application/openmetrics-text;version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
  );
  if (!("body" in f)) return f;
  const base = { path, status: f.status, latencyMs: f.latencyMs, reports: [] };
  const entityLabel = ctx.target.scrape?.entityLabel;
  const r = readMetrics(f.body, f.contentType, {
    system: ctx.target.name,
    observedAt: ctx.now,
    memory,
    entityLabels: entityLabel ? [entityLabel] : [],
  });
  if (!r.ok) return { ...base, ok: false, error: r.error, samples: [] };
  if (r.value.samples.length === 0)
    return { ...base, ok: false, error: { kind: "parse", detail: "the exposition holds no samples" }, samples: [] };
  return { ...base, ok: true, samples: r.value.samples, ...(r.value.partial ? { partial: r.value.partial } : {}) };
}

type Segment = { key: string } | { index: number } | { all: true };

/** `queues[*].depth` → [{key:queues},{all},{key:depth}] */
export function parseFieldPath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+|\*)\]/g)) {
    if (m[1] !== undefined) out.push({ key: m[1] });
    else if (m[2] === "*") out.push({ all: true });
    else out.push({ index: Number(m[2]) });
  }
  return out;
}

function valueOf(v: unknown, field: JsonField): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    if (field.map && Object.hasOwn(field.map, v)) return field.map[v];
    const n = Number(v.trim());
    if (v.trim() !== "" && Number.isFinite(n)) return n;
  }
  return undefined;
}

export interface JsonPick {
  samples: Sample[];
  /** Fields configured but absent (or not a number) in this document: named on the sources screen. */
  missing: string[];
}

/**
 * The configured fields of a JSON document as samples. A field that is absent gives no sample
 * (and is listed as missing), never a default; a string that is no number and not in `map` is
 * treated the same way.
 */
export function pickJsonFields(
  doc: unknown,
  fields: readonly JsonField[],
  system: string,
  observedAt: number,
): JsonPick {
  const samples: Sample[] = [];
  const missing: string[] = [];
  for (const field of fields) {
    const metric = field.metric ?? field.path;
    const segs = parseFieldPath(field.path);
    let found = 0;
    const walk = (node: unknown, i: number, entity: string) => {
      if (i === segs.length) {
        const v = valueOf(node, field);
        if (v === undefined) return;
        samples.push({
          system,
          entity,
          metric,
          labels: entity === SYSTEM_ENTITY ? {} : { entity },
          value: v,
          observedAt,
        });
        found++;
        return;
      }
      const s = segs[i]!;
      if ("key" in s) {
        if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.hasOwn(node, s.key))
          walk((node as Record<string, unknown>)[s.key], i + 1, entity);
      } else if ("index" in s) {
        if (Array.isArray(node) && s.index < node.length) walk(node[s.index], i + 1, entity);
      } else if (Array.isArray(node)) {
        node.forEach((el, idx) => {
          const named =
            field.entityField && el !== null && typeof el === "object"
              ? (el as Record<string, unknown>)[field.entityField]
              : undefined;
          const name = typeof named === "string" || typeof named === "number" ? String(named) : String(idx);
          walk(el, i + 1, name);
        });
      }
    };
    walk(doc, 0, SYSTEM_ENTITY);
    if (!found) missing.push(field.path);
  }
  return { samples, missing };
}

/** An `http-json` target: read its document and pick the configured fields. */
export async function pollGenericJson(ctx: PollContext): Promise<EndpointPoll> {
  const path = genericPathOf(ctx.target) ?? "/health";
  const f = await fetchGeneric(ctx, path, "application/json");
  if (!("body" in f)) return f;
  const base = { path, status: f.status, latencyMs: f.latencyMs, reports: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(f.body);
  } catch (e) {
    const snippet = f.body.replace(/\s+/g, " ").slice(0, 60);
    return {
      ...base,
      ok: false,
      error: { kind: "parse", detail: `invalid JSON (${(e as Error).message})${snippet ? `: ${snippet}` : ""}` },
      samples: [],
    };
  }
  const fields = ctx.target.json?.fields ?? [];
  const pick = pickJsonFields(doc, fields, ctx.target.name, ctx.now);
  if (pick.samples.length === 0)
    return {
      ...base,
      ok: false,
      error: {
        kind: "schema",
        detail: `none of the configured fields is in the document (${pick.missing.join(", ")})`,
      },
      samples: [],
    };
  if (pick.missing.length)
    return {
      ...base,
      ok: true,
      samples: pick.samples,
      partial: {
        issues: pick.missing.slice(0, 20).map((m) => ({ rule: "field", message: `field ${m} is not in the document` })),
        issueCount: pick.missing.length,
        droppedFamilies: pick.missing.map((m) => fields.find((x) => x.path === m)?.metric ?? m),
      },
    };
  return { ...base, ok: true, samples: pick.samples };
}

/** The endpoint key a generic target's one read is kept under (its path). */
export function genericEndpoint(t: TargetConfig): string | undefined {
  return genericPathOf(t);
}
