// The control contract every simulated system shares: POST /control/<name> with a bearer
// credential, a reason, a ticket ID, an actor and an idempotency key. Every call is recorded
// (accepted or not) so a test can prove that a control took effect exactly once.

import { z } from "zod";
import type { SimRequest, SimResponse } from "./http";
import { json } from "./http";

export interface ControlOutcome {
  status: number;
  body: Record<string, unknown>;
}

export interface ControlContext {
  reason: string;
  ticketId: string;
  actor: string;
  idempotencyKey: string;
}

export interface ControlDef<P> {
  name: string;
  description: string;
  params: z.ZodType<P>;
  run(params: P, ctx: ControlContext): ControlOutcome;
}

export type AuthResult = "ok" | "missing" | "invalid" | "unavailable";

export interface ControlCallRecord {
  seq: number;
  receivedAt: string;
  control: string;
  auth: AuthResult;
  reason: string | null;
  ticketId: string | null;
  actor: string | null;
  idempotencyKey: string | null;
  params: unknown;
  status: number;
  /** True when this call ran the control (false for rejections and idempotent replays). */
  executed: boolean;
  replayed: boolean;
  response: Record<string, unknown>;
}

export const TICKET_ID_RE = /^[A-Za-z][A-Za-z0-9]*-\d+$/;
const META_FIELDS = [
  { field: "reason", header: "X-Reason" },
  { field: "ticketId", header: "X-Ticket-Id" },
  { field: "actor", header: "X-Actor" },
  { field: "idempotencyKey", header: "Idempotency-Key" },
] as const;

export interface AuthGate {
  /** When set, even a correct credential is refused (e.g. the auth provider is down). */
  (): { status: number; message: string } | null;
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Checks the bearer credential: 401 when missing or malformed, 403 when wrong. */
export function checkBearer(
  req: SimRequest,
  credential: string,
  gate?: AuthGate,
): { result: AuthResult; response?: SimResponse } {
  const auth = header(req, "authorization");
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  if (!m) {
    return {
      result: "missing",
      response: json(
        401,
        { error: "unauthorized", message: "missing bearer credential (Authorization: Bearer <token>)" },
        { "www-authenticate": 'Bearer realm="sim"' },
      ),
    };
  }
  if (m[1] !== credential)
    return {
      result: "invalid",
      response: json(403, { error: "forbidden", message: "credential not accepted by this system" }),
    };
  const gated = gate?.();
  if (gated)
    return { result: "unavailable", response: json(gated.status, { error: "unauthorized", message: gated.message }) };
  return { result: "ok" };
}

export class ControlEndpoint {
  private defs = new Map<string, ControlDef<unknown>>();
  private records: ControlCallRecord[] = [];
  private answers = new Map<string, ControlOutcome>();

  constructor(
    private readonly credential: string,
    private readonly nowIso: () => string,
    private readonly gate?: AuthGate,
  ) {}

  register<P>(def: ControlDef<P>): void {
    this.defs.set(def.name, def as ControlDef<unknown>);
  }

  names(): string[] {
    return [...this.defs.keys()];
  }

  describe(): { name: string; description: string }[] {
    return [...this.defs.values()].map((d) => ({ name: d.name, description: d.description }));
  }

  calls(): ControlCallRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  handle(name: string, req: SimRequest): SimResponse {
    const record: ControlCallRecord = {
      seq: this.records.length + 1,
      receivedAt: this.nowIso(),
      control: name,
      auth: "ok",
      reason: null,
      ticketId: null,
      actor: null,
      idempotencyKey: null,
      params: null,
      status: 0,
      executed: false,
      replayed: false,
      response: {},
    };
    const finish = (outcome: ControlOutcome, headers?: Record<string, string>): SimResponse => {
      record.status = outcome.status;
      record.response = outcome.body;
      this.records.push(record);
      return json(outcome.status, outcome.body, headers);
    };

    // Parse what we can first so even rejected calls are recorded with their fields.
    let body: Record<string, unknown> = {};
    let bodyError: string | null = null;
    if (req.body.trim()) {
      try {
        const parsed: unknown = JSON.parse(req.body);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else bodyError = "body must be a JSON object";
      } catch {
        bodyError = "body is not valid JSON";
      }
    }
    const meta: Record<string, string | null> = {};
    for (const { field, header: h } of META_FIELDS) {
      const fromBody = body[field];
      const v = typeof fromBody === "string" ? fromBody : header(req, h.toLowerCase());
      meta[field] = v && v.trim() ? v.trim() : null;
    }
    record.reason = meta.reason ?? null;
    record.ticketId = meta.ticketId ?? null;
    record.actor = meta.actor ?? null;
    record.idempotencyKey = meta.idempotencyKey ?? null;
    record.params = body.params ?? {};

    if (req.method !== "POST")
      return finish({ status: 405, body: { error: "method_not_allowed", message: "controls take POST" } });

    const auth = checkBearer(req, this.credential, this.gate);
    record.auth = auth.result;
    if (auth.response) {
      record.status = auth.response.status;
      record.response = JSON.parse(auth.response.body) as Record<string, unknown>;
      this.records.push(record);
      return auth.response;
    }

    const def = this.defs.get(name);
    if (!def) {
      return finish({
        status: 404,
        body: { error: "unknown_control", message: `no control named "${name}"; known: ${this.names().join(", ")}` },
      });
    }
    if (bodyError) return finish({ status: 400, body: { error: "invalid_body", message: bodyError } });

    const missing = META_FIELDS.filter(({ field }) => !meta[field]);
    if (missing.length > 0) {
      const first = missing[0]!;
      return finish({
        status: 400,
        body: {
          error: "missing_field",
          field: first.field,
          fields: missing.map((m) => m.field),
          message: `missing required ${missing.map((m) => `${m.field} (body field "${m.field}" or header ${m.header})`).join(", ")}`,
        },
      });
    }
    if (!TICKET_ID_RE.test(meta.ticketId!)) {
      return finish({
        status: 400,
        body: {
          error: "invalid_field",
          field: "ticketId",
          message: `ticketId "${meta.ticketId}" must look like ABC-123`,
        },
      });
    }

    const key = meta.idempotencyKey!;
    const previous = this.answers.get(key);
    if (previous) {
      record.replayed = true;
      return finish(previous, { "idempotency-replayed": "true" });
    }

    const parsed = def.params.safeParse(body.params ?? {});
    let outcome: ControlOutcome;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = ["params", ...(issue?.path ?? []).map(String)].join(".");
      outcome = {
        status: 400,
        body: { error: "invalid_params", field: path, message: `${path}: ${issue?.message ?? "invalid"}` },
      };
    } else {
      outcome = def.run(parsed.data, {
        reason: meta.reason!,
        ticketId: meta.ticketId!,
        actor: meta.actor!,
        idempotencyKey: key,
      });
      record.executed = outcome.status < 300;
    }
    this.answers.set(key, outcome);
    return finish(outcome);
  }
}

/** Standard success body for a control. */
export function accepted(control: string, at: string, result: Record<string, unknown>): ControlOutcome {
  return { status: 200, body: { ok: true, control, appliedAt: at, result } };
}

export function rejected(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): ControlOutcome {
  return { status, body: { ok: false, error, message, ...extra } };
}
