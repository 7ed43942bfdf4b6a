// One HTTP listener per simulated system, with fault injection in front of the system's handler.
// Faults model what a monitoring console meets in the field: a refused connection, a request that
// never answers, a slow answer, a 500, an HTML error page from a proxy, truncated JSON, a broken
// metrics page, an enormous body.

import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface SimResponse {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => SimResponse;

export const JSON_TYPE = "application/json; charset=utf-8";
export const NDJSON_TYPE = "application/x-ndjson; charset=utf-8";

export function json(status: number, value: unknown, headers?: Record<string, string>): SimResponse {
  return { status, body: JSON.stringify(value), contentType: JSON_TYPE, headers };
}

export function text(status: number, body: string, contentType = "text/plain; charset=utf-8"): SimResponse {
  return { status, body, contentType };
}

export const FAULT_KINDS = [
  "down",
  "hanging",
  "slow",
  "http-500",
  "html-error",
  "truncated-json",
  "malformed-metrics",
  "odd-metrics-line",
  "oversized-body",
  "counter-reset",
  "ignores-halt",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** slow: real milliseconds before the answer (default 3000). */
  delayMs?: number;
  /** html-error: HTTP status of the page (default 502). */
  status?: number;
  /** oversized-body: body size in bytes (default 20 MiB). */
  bytes?: number;
  /** odd-metrics-line: the line to insert (default: a sample of a real family with a decimal comma). */
  line?: string;
}

export interface ActiveFault {
  fault: Exclude<FaultKind, "counter-reset">;
  options: FaultOptions;
  since: string;
}

export function isFaultKind(v: string): v is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(v);
}

const MAX_REQUEST_BODY = 1024 * 1024;

const HTML_PAGE = (status: number) =>
  `<!DOCTYPE html>\n<html><head><title>${status} Bad Gateway</title></head>\n<body><center><h1>${status} Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body></html>\n`;

/**
 * The exposition with one line a real exporter might ship inserted among the good ones: by
 * default a sample of the middle family written with a decimal comma ("1,5"), which no
 * Prometheus parser reads. Everything else is left as it was.
 */
export function withOddLine(body: string, line?: string): string {
  const lines = body.split("\n");
  const samples = lines.map((l, i) => [l, i] as const).filter(([l]) => l !== "" && !l.startsWith("#"));
  const [pick, at] = samples[Math.floor(samples.length / 2)] ?? ["", lines.length];
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(pick)?.[0] ?? "odd_metric";
  lines.splice(at + 1, 0, line ?? `${name}{odd="yes"} 1,5`);
  return lines.join("\n");
}

const MALFORMED_METRICS = [
  "# HELP broken_metric this family is broken on purpose",
  "# TYPE broken_metric counter",
  'broken_metric{label="unterminated} 1',
  "broken_metric_without_value",
  "# TYPE broken_metric gauge",
  "9starts_with_digit 3",
  'another{a="1",} not-a-number',
].join("\n");

export class SimServer {
  private server: http.Server | null = null;
  private sockets = new Set<Socket>();
  private hung = new Set<http.ServerResponse>();
  private timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;
  fault: ActiveFault | null = null;
  /** Every request received, counted by "METHOD path" and by user agent, so tests can count pollers. */
  readonly requestStats = {
    byPath: new Map<string, number>(),
    byAgent: new Map<string, { count: number; lastAt: number }>(),
  };

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly handler: Handler,
    private readonly faultClock: () => string = () => new Date().toISOString(),
  ) {}

  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get listeningPort(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    // Idle connections stay open for a minute, as a server behind a load balancer would keep them
    // (nginx keeps 75 s): the console polls every few seconds and reuses its connection.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.boundPort || this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this.boundPort;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  async setFault(fault: ActiveFault["fault"], options: FaultOptions = {}): Promise<void> {
    await this.clearFault();
    this.fault = { fault, options, since: this.faultClock() };
    if (fault === "down") await this.shutdown();
  }

  async clearFault(): Promise<void> {
    const previous = this.fault;
    this.fault = null;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    if (previous?.fault === "down" && !this.server) await this.listen();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathKey = `${(req.method ?? "GET").toUpperCase()} ${(req.url ?? "/").split("?")[0]}`;
    this.requestStats.byPath.set(pathKey, (this.requestStats.byPath.get(pathKey) ?? 0) + 1);
    const agent = String(req.headers["user-agent"] ?? "(none)");
    const seen = this.requestStats.byAgent.get(agent);
    this.requestStats.byAgent.set(agent, { count: (seen?.count ?? 0) + 1, lastAt: Date.now() });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      if (tooLarge)
        return this.write(res, json(413, { error: "payload_too_large", message: "request body over 1 MiB" }));
      const url = new URL(req.url ?? "/", "http://sim.local");
      const simReq: SimRequest = {
        method: (req.method ?? "GET").toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.dispatch(simReq, res);
    });
    req.on("error", () => res.destroy());
  }

  private dispatch(req: SimRequest, res: http.ServerResponse): void {
    const fault = this.fault;
    if (!fault) return this.answer(req, res);
    switch (fault.fault) {
      case "down":
        res.destroy();
        return;
      case "hanging":
        this.hung.add(res);
        res.on("close", () => this.hung.delete(res));
        return;
      case "slow": {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.answer(req, res);
        }, fault.options.delayMs ?? 3000);
        this.timers.add(t);
        return;
      }
      case "http-500":
        return this.write(res, json(500, { error: "internal_server_error", message: "simulated failure" }));
      case "html-error": {
        const status = fault.options.status ?? 502;
        return this.write(res, text(status, HTML_PAGE(status), "text/html; charset=utf-8"));
      }
      case "truncated-json": {
        const r = this.safeHandle(req);
        if (r.contentType.includes("json")) {
          const cut = Math.max(1, Math.floor(r.body.length / 2));
          return this.write(res, { ...r, body: r.body.slice(0, cut) });
        }
        return this.write(res, r);
      }
      case "malformed-metrics": {
        const r = this.safeHandle(req);
        if (req.path === "/metrics") return this.write(res, { ...r, body: `${MALFORMED_METRICS}\n` });
        return this.write(res, r);
      }
      case "odd-metrics-line": {
        const r = this.safeHandle(req);
        if (req.path === "/metrics" && r.status === 200)
          return this.write(res, { ...r, body: withOddLine(r.body, fault.options.line) });
        return this.write(res, r);
      }
      case "oversized-body":
        return this.writeOversized(res, this.safeHandle(req), fault.options.bytes ?? 20 * 1024 * 1024);
      case "ignores-halt":
        // A behaviour fault (the system keeps trading through a halt): HTTP answers normally.
        return this.answer(req, res);
    }
  }

  private safeHandle(req: SimRequest): SimResponse {
    try {
      return this.handler(req);
    } catch (err) {
      return json(500, { error: "internal_server_error", message: err instanceof Error ? err.message : String(err) });
    }
  }

  private answer(req: SimRequest, res: http.ServerResponse): void {
    this.write(res, this.safeHandle(req));
  }

  private write(res: http.ServerResponse, r: SimResponse): void {
    if (res.destroyed || res.writableEnded) return;
    const body = Buffer.from(r.body, "utf8");
    res.writeHead(r.status, {
      "content-type": r.contentType,
      "content-length": String(body.length),
      ...(r.headers ?? {}),
    });
    res.end(body);
  }

  private writeOversized(res: http.ServerResponse, r: SimResponse, bytes: number): void {
    const isJson = r.contentType.includes("json") && !r.contentType.includes("ndjson");
    const head = isJson ? '{"padding":"' : `${r.body}\n`;
    const tail = isJson ? `","body":${r.body}}` : "\n";
    const fillChar = isJson ? "x" : "#";
    const padding = Math.max(0, bytes - head.length - tail.length);
    res.writeHead(r.status, {
      "content-type": r.contentType,
      "content-length": String(head.length + padding + tail.length),
    });
    res.write(head);
    const chunk = Buffer.alloc(64 * 1024, isJson ? fillChar : "# padding line\n");
    let left = padding;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        const ok = res.write(n === chunk.length ? chunk : chunk.subarray(0, n));
        if (!ok) {
          res.once("drain", pump);
          return;
        }
      }
      res.end(tail);
    };
    pump();
  }
}
