import { Agent, fetch as undiciFetch } from "undici";
import type { SourceError, SourceResult } from "../model";

// One HTTP GET/POST with a timeout covering the whole exchange (headers and body), a body-size
// cap enforced while streaming, and typed errors. Never throws.
//
// Connections to targets are kept open between polls (one pool per origin, so per target): the
// fetch built into Node closes an idle connection after 4 s, so at the shipped 5 s interval every
// poll paid for a new TCP connection (and a TLS handshake where there is one). undici is the HTTP
// client Node's own fetch is built on, as a package so its Agent (the keep-alive pool) can be
// configured; a target's own keep-alive hint (`Keep-Alive: timeout=…`) still wins when shorter.
const targetPool = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 10 * 60_000 });

/**
 * The address of `path` on a target. The one URL builder for targets: polling and controls both
 * use it, so a target is read and controlled at the same address. `baseUrl` may carry a path
 * prefix (`https://host/bot/`, with or without the trailing slash); it is kept, where
 * `new URL("/x", base)` would drop it. Throws on a base URL that is not a URL.
 */
export function targetUrl(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return new URL(path.replace(/^\/+/, ""), base).toString();
}

export interface FetchLimitedOptions {
  timeoutMs: number;
  maxBytes: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Treat these non-2xx statuses as answers rather than errors (e.g. 503 from /health/ready). */
  acceptStatus?: number[];
}

export interface FetchedBody {
  status: number;
  headers: Headers;
  contentType: string;
  body: string;
  latencyMs: number;
}

function err(kind: SourceError["kind"], detail: string): { ok: false; error: SourceError } {
  return { ok: false, error: { kind, detail } };
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/** The connection was closed or reset by the other side before any answer came. */
function closedUnderUs(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return ["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"].includes(cause?.code ?? "");
}

export async function fetchLimited(url: string, o: FetchLimitedOptions): Promise<SourceResult<FetchedBody>> {
  const started = performance.now();
  const signal = AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      res = (await undiciFetch(url, {
        method: o.method ?? "GET",
        headers: o.headers,
        body: o.body,
        signal,
        redirect: "manual",
        dispatcher: targetPool,
      })) as unknown as Response;
      break;
    } catch (e) {
      if (signal.aborted) return err("timeout", `no response within ${o.timeoutMs} ms`);
      // A kept connection the target closed as it was reused (a server that drops idle connections
      // after a few seconds without saying so in a Keep-Alive header): a GET is sent once more, on
      // a new connection, as browsers do. A target that refuses connections is not retried.
      if (attempt === 0 && (o.method ?? "GET") === "GET" && closedUnderUs(e)) continue;
      return err("network", describeNetworkError(e));
    }
  }
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    await res.body?.cancel().catch(() => {});
    return err("http", `response of ${declared} bytes exceeds the ${o.maxBytes}-byte cap`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = res.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > o.maxBytes) {
          await reader.cancel().catch(() => {});
          return err("http", `response exceeds the ${o.maxBytes}-byte cap`);
        }
        chunks.push(value);
      }
    }
  } catch (e) {
    if (signal.aborted) return err("timeout", `response body not complete within ${o.timeoutMs} ms`);
    return err("network", `connection broke while reading the body: ${describeNetworkError(e)}`);
  }
  const body = Buffer.concat(chunks).toString("utf8");
  const latencyMs = performance.now() - started;
  const contentType = res.headers.get("content-type") ?? "";
  if (!res.ok && !(o.acceptStatus ?? []).includes(res.status)) {
    const snippet = body.replace(/\s+/g, " ").slice(0, 160);
    return err("http", `HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`);
  }
  return { ok: true, value: { status: res.status, headers: res.headers, contentType, body, latencyMs } };
}
