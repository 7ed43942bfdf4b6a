// Local stand-ins for the services Watchfloor pages through, written from their public API
// contracts (these services cannot be reached from here): a Slack-compatible incoming webhook, the
// PagerDuty Events API v2 (with its dedup_key semantics), a generic webhook that verifies the
// X-Watchfloor-Signature, and an Alertmanager webhook-receiver endpoint. `npm run demo` starts one
// and shows what arrived on its page; the tests assert the exact payloads it recorded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhookSignature } from "../notify/channels";

export type ReceiverKind = "slack" | "pagerduty" | "webhook" | "alertmanager";

export interface Received {
  seq: number;
  kind: ReceiverKind;
  at: number;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Why the request was refused (400/401), if it was. */
  error?: string;
}

export interface PagerDutyAlert {
  dedupKey: string;
  status: "triggered" | "acknowledged" | "resolved";
  summary: string;
  severity: string;
  /** Trigger events merged into this alert (PagerDuty de-duplicates them by dedup_key). */
  triggers: number;
}

export interface NotifyReceiverOptions {
  port?: number;
  /** Secret for verifying the generic webhook's signature. */
  webhookSecret?: string;
  /** PagerDuty routing key accepted (any 32-character key if unset). */
  pagerdutyRoutingKey?: string;
}

const PD_ACTIONS = new Set(["trigger", "acknowledge", "resolve"]);
const PD_SEVERITIES = new Set(["critical", "error", "warning", "info"]);

/** The PagerDuty Events API v2 checks: which fields are wrong (empty = valid). */
export function pagerDutyErrors(body: unknown, routingKey?: string): string[] {
  const errors: string[] = [];
  if (!body || typeof body !== "object" || Array.isArray(body)) return ["Event object is invalid"];
  const b = body as Record<string, unknown>;
  if (typeof b.routing_key !== "string" || (routingKey ? b.routing_key !== routingKey : b.routing_key.length !== 32))
    errors.push("'routing_key' is invalid");
  if (typeof b.event_action !== "string" || !PD_ACTIONS.has(b.event_action))
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  if (b.dedup_key !== undefined && (typeof b.dedup_key !== "string" || b.dedup_key.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if ((b.event_action === "acknowledge" || b.event_action === "resolve") && typeof b.dedup_key !== "string")
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (b.event_action === "trigger") {
    const p = b.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== "object") errors.push("'payload' is required for trigger");
    else {
      if (typeof p.summary !== "string" || p.summary.length === 0 || p.summary.length > 1024)
        errors.push("'payload.summary' must be 1 to 1024 characters");
      if (typeof p.source !== "string" || p.source.length === 0) errors.push("'payload.source' is required");
      if (typeof p.severity !== "string" || !PD_SEVERITIES.has(p.severity))
        errors.push("'payload.severity' must be one of critical, error, warning, info");
    }
  }
  if (
    b.links !== undefined &&
    (!Array.isArray(b.links) || b.links.some((l) => !l || typeof (l as { href?: unknown }).href !== "string"))
  )
    errors.push("'links' must be a list of {href, text}");
  return errors;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export class NotifyReceiver {
  readonly received: Received[] = [];
  readonly pagerduty = new Map<string, PagerDutyAlert>();
  /** Webhook deliveries seen more than once (by X-Watchfloor-Delivery): a retry after a lost answer. */
  readonly duplicateDeliveries: string[] = [];
  private readonly deliveries = new Set<string>();
  private server: Server | null = null;
  private seq = 0;
  /** Per path: answer the next N requests with 429 and this Retry-After (seconds). */
  private limits = new Map<ReceiverKind, { remaining: number; retryAfter: string }>();
  /** Per path: answer every request with this status until cleared (e.g. 503). */
  private failing = new Map<ReceiverKind, number>();
  /** Per path: hold the next N requests this long before answering (the sender may give up first). */
  private holds = new Map<ReceiverKind, { remaining: number; ms: number }>();
  /** Requests being held right now (their sender is waiting for an answer). */
  heldNow = 0;
  port = 0;

  constructor(private readonly o: NotifyReceiverOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = this.o.port ?? this.port ?? 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (the port refuses connections: "down"); start() again on the same port. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }

  rateLimit(kind: ReceiverKind, requests: number, retryAfter: string) {
    this.limits.set(kind, { remaining: requests, retryAfter });
  }

  /** Forgets everything received (between tests). */
  reset() {
    this.received.length = 0;
    this.pagerduty.clear();
    this.duplicateDeliveries.length = 0;
    this.deliveries.clear();
    this.limits.clear();
    this.failing.clear();
    this.holds.clear();
  }

  hold(kind: ReceiverKind, requests: number, ms: number) {
    this.holds.set(kind, { remaining: requests, ms });
  }

  fail(kind: ReceiverKind, status: number | null) {
    if (status === null) this.failing.delete(kind);
    else this.failing.set(kind, status);
  }

  of(kind: ReceiverKind, accepted = true): Received[] {
    return this.received.filter((r) => r.kind === kind && (!accepted || (r.status >= 200 && r.status < 300)));
  }

  private record(kind: ReceiverKind, req: IncomingMessage, status: number, body: unknown, error?: string) {
    const headers: Record<string, string> = {};
    for (const h of ["content-type", "user-agent", "x-watchfloor-signature", "x-watchfloor-delivery"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    this.received.push({ seq: ++this.seq, kind, at: Date.now(), status, body, headers, ...(error ? { error } : {}) });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://receiver");
    const send = (
      status: number,
      body: string,
      type = "text/plain; charset=utf-8",
      extra: Record<string, string> = {},
    ) => {
      res.writeHead(status, { "content-type": type, ...extra });
      res.end(body);
    };
    if (req.method === "GET" && url.pathname === "/") return send(200, this.page(), "text/html; charset=utf-8");
    if (req.method === "GET" && url.pathname === "/api/received")
      return send(
        200,
        JSON.stringify({ received: this.received, pagerduty: [...this.pagerduty.values()] }),
        "application/json",
      );
    const kind: ReceiverKind | null =
      url.pathname === "/slack" || url.pathname.startsWith("/slack/")
        ? "slack"
        : url.pathname === "/pagerduty/v2/enqueue"
          ? "pagerduty"
          : url.pathname === "/webhook"
            ? "webhook"
            : url.pathname === "/alertmanager"
              ? "alertmanager"
              : null;
    if (!kind || req.method !== "POST") return send(404, "no_service");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const hold = this.holds.get(kind);
    if (hold && hold.remaining > 0) {
      hold.remaining--;
      this.heldNow++;
      await new Promise((r) => setTimeout(r, hold.ms));
      this.heldNow--;
    }
    const failing = this.failing.get(kind);
    if (failing) return send(failing, "unavailable");
    const limit = this.limits.get(kind);
    if (limit && limit.remaining > 0) {
      limit.remaining--;
      this.record(kind, req, 429, null, "rate limited");
      return send(
        429,
        kind === "pagerduty"
          ? JSON.stringify({ status: "throttled", message: "Requests for this service are arriving too quickly." })
          : "rate_limited",
        kind === "pagerduty" ? "application/json" : "text/plain",
        { "retry-after": limit.retryAfter },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      this.record(kind, req, 400, raw, "not JSON");
      return kind === "pagerduty"
        ? send(
            400,
            JSON.stringify({
              status: "invalid event",
              message: "Event object is invalid",
              errors: ["Request body is not valid JSON"],
            }),
            "application/json",
          )
        : send(400, "invalid_payload");
    }
    switch (kind) {
      case "slack": {
        const b = body as { text?: unknown; blocks?: unknown };
        if (!b || typeof b !== "object" || Array.isArray(b))
          return this.refuse(kind, req, res, body, 400, "invalid_payload");
        if ((typeof b.text !== "string" || b.text.trim() === "") && !(Array.isArray(b.blocks) && b.blocks.length))
          return this.refuse(kind, req, res, body, 400, "no_text");
        this.record(kind, req, 200, body);
        return send(200, "ok");
      }
      case "pagerduty": {
        const errors = pagerDutyErrors(body, this.o.pagerdutyRoutingKey);
        if (errors.length) {
          this.record(kind, req, 400, body, errors.join("; "));
          return send(
            400,
            JSON.stringify({ status: "invalid event", message: "Event object is invalid", errors }),
            "application/json",
          );
        }
        const b = body as { event_action: string; dedup_key?: string; payload?: { summary: string; severity: string } };
        const key = b.dedup_key ?? `generated-${this.seq + 1}`;
        const alert = this.pagerduty.get(key);
        if (b.event_action === "trigger") {
          // A trigger for an open alert with the same dedup_key merges into it; after resolve it opens a new one.
          if (alert && alert.status !== "resolved") {
            alert.triggers++;
            alert.summary = b.payload!.summary;
            alert.severity = b.payload!.severity;
          } else
            this.pagerduty.set(key, {
              dedupKey: key,
              status: "triggered",
              summary: b.payload!.summary,
              severity: b.payload!.severity,
              triggers: 1,
            });
        } else if (alert && alert.status !== "resolved") {
          alert.status = b.event_action === "acknowledge" ? "acknowledged" : "resolved";
        }
        this.record(kind, req, 202, body);
        return send(
          202,
          JSON.stringify({ status: "success", message: "Event processed", dedup_key: key }),
          "application/json",
        );
      }
      case "webhook": {
        if (this.o.webhookSecret) {
          const problem = verifyWebhookSignature(
            this.o.webhookSecret,
            raw,
            req.headers["x-watchfloor-signature"] as string | undefined,
            Math.floor(Date.now() / 1000),
          );
          if (problem) return this.refuse(kind, req, res, body, 401, problem);
        }
        const id = req.headers["x-watchfloor-delivery"];
        if (typeof id !== "string" || !id)
          return this.refuse(kind, req, res, body, 400, "missing X-Watchfloor-Delivery");
        if (this.deliveries.has(id)) this.duplicateDeliveries.push(id);
        this.deliveries.add(id);
        this.record(kind, req, 200, body);
        return send(200, "ok");
      }
      case "alertmanager": {
        this.record(kind, req, 200, body);
        return send(200, "ok");
      }
    }
  }

  private refuse(
    kind: ReceiverKind,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    status: number,
    error: string,
  ) {
    this.record(kind, req, status, body, error);
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(error);
  }

  private page(): string {
    const rows = [...this.received]
      .reverse()
      .slice(0, 200)
      .map((r) => {
        const b = r.body as Record<string, unknown> | null;
        const text =
          r.kind === "slack"
            ? String(b?.text ?? "")
            : r.kind === "pagerduty"
              ? `${b?.event_action} ${b?.dedup_key}${(b?.payload as { summary?: string })?.summary ? ` — ${(b?.payload as { summary: string }).summary}` : ""}`
              : r.kind === "webhook"
                ? `${b?.event} ${(b?.finding as { id?: string })?.id ?? ""}`
                : JSON.stringify(b).slice(0, 300);
        return `<tr><td>${new Date(r.at).toISOString().slice(11, 19)}</td><td>${r.kind}</td><td>${r.status}</td><td>${escapeHtml(text)}${r.error ? ` <em>(${escapeHtml(r.error)})</em>` : ""}</td></tr>`;
      })
      .join("");
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Notifications received</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;background:#0b1220;color:#e5e7eb}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #334155;padding:.4rem;text-align:left;vertical-align:top}h1{font-size:1.3rem}</style></head>
<body><h1>Notifications received</h1><p>This local receiver stands in for Slack, PagerDuty, a generic webhook and Alertmanager's webhook receiver. ${this.received.length} request${this.received.length === 1 ? "" : "s"} so far; the page refreshes every 3 s.</p>
<table><thead><tr><th>Time (UTC)</th><th>Channel</th><th>Answer</th><th>Notification</th></tr></thead><tbody>${rows || '<tr><td colspan="4">Nothing yet — start a scenario and watch this page.</td></tr>'}</tbody></table></body></html>`;
  }
}

export async function startNotifyReceiver(o: NotifyReceiverOptions = {}): Promise<NotifyReceiver> {
  return new NotifyReceiver(o).start();
}
