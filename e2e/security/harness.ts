import { readFileSync } from "node:fs";
import { encodeReply } from "next/dist/compiled/react-server-dom-turbopack/client.edge";
import type { Role } from "../../lib/auth/roles";
import { LOCAL_USERS } from "../fixtures/users";
import { baseUrl } from "../fixtures/lane";
import { fleetAdmin, fleetFile } from "../fleet";
import { authFile } from "../support";
import { readSecrets } from "../secrets";
import type { Caller } from "./surface";

// The matrix's plumbing: raw HTTP (fetch, no browser) with each caller's cookies, server actions
// by build-manifest id, the fixtures samples need (an incident, a pending control, a share link…)
// and the probes that read what a call would change.

export const FOREIGN = "https://evil.example";
const ROLE_CALLERS: Role[] = ["viewer", "responder", "commander", "admin"];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

const cookieOf = (role: Role) => {
  const state = JSON.parse(readFileSync(authFile(role), "utf8")) as { cookies: Array<{ name: string; value: string }> };
  return state.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
};

export function actionIds(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
    node: Record<string, { exportedName?: string; filename?: string; workers: Record<string, unknown> }>;
  };
  const out = new Map<string, string>();
  for (const [id, v] of Object.entries(manifest.node))
    if (v.filename && v.exportedName) out.set(`${v.filename}#${v.exportedName}`, id);
  return out;
}

export interface Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  /** Read only the head (server-sent events). */
  stream?: boolean;
}

export async function send(req: Request): Promise<Reply> {
  const ac = new AbortController();
  const res = await fetch(`${baseUrl()}${req.path}`, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    redirect: "manual",
    signal: ac.signal,
  });
  if (req.stream) {
    const reader = res.body?.getReader();
    const first = reader ? await reader.read() : undefined;
    ac.abort();
    return {
      status: res.status,
      headers: res.headers,
      text: first?.value ? new TextDecoder().decode(first.value) : "",
    };
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Credentials a caller brings: cookies, extra headers and a query suffix. Share tokens come three ways. */
export function callerWays(
  caller: Caller,
  token: string,
): Array<{ cookie?: string; headers: Record<string, string>; query?: string; label: string }> {
  if (caller === "anonymous") return [{ headers: { Origin: baseUrl() }, label: "no session" }];
  if (caller === "foreign-origin")
    return [{ cookie: cookieOf("admin"), headers: { Origin: FOREIGN }, label: "admin session, foreign Origin" }];
  if (caller === "share-token") {
    return [
      { headers: { Origin: baseUrl(), Authorization: `Bearer ${token}` }, label: "token as a bearer header" },
      {
        cookie: `token=${token}; share=${token}; status=${token}`,
        headers: { Origin: baseUrl() },
        label: "token in cookies",
      },
      {
        headers: { Origin: baseUrl() },
        query: `token=${encodeURIComponent(token)}&share=${encodeURIComponent(token)}`,
        label: "token in the query",
      },
    ];
  }
  return [{ cookie: cookieOf(caller), headers: { Origin: baseUrl() }, label: `${caller} session` }];
}

const withQuery = (path: string, query?: string) => (query ? `${path}${path.includes("?") ? "&" : "?"}${query}` : path);
const joinCookies = (...c: Array<string | undefined>) => c.filter(Boolean).join("; ") || undefined;

/** A server action called as a browser would: POST to its page with the Next-Action id. */
export async function callActionAs(
  id: string,
  page: string,
  args: unknown[],
  way: { cookie?: string; headers: Record<string, string>; query?: string },
): Promise<Reply> {
  const body = await encodeReply(args);
  const cookie = way.cookie;
  return send({
    method: "POST",
    path: withQuery(page, way.query),
    headers: { "Next-Action": id, Accept: "text/x-component", ...way.headers, ...(cookie ? { Cookie: cookie } : {}) },
    body: body as string | FormData,
  });
}

export { joinCookies, withQuery };

/** The action's return value as the RSC reply carries it. */
export function actionResult(r: Reply): { ok: true; redirect?: string } | { ok: false; message: string } {
  const redirect = r.headers.get("x-action-redirect");
  if (redirect) return { ok: true, redirect };
  if (r.status !== 200) return { ok: false, message: `HTTP ${r.status}` };
  const m =
    r.text.match(/"ok":(true|false)(?:,"message":"([^"]*)")?/) ?? r.text.match(/"message":"([^"]*)"[^}]*"ok":false/);
  if (m?.[1] === "true") return { ok: true };
  return { ok: false, message: m?.[2] ?? m?.[1] ?? r.text.slice(0, 200) };
}

// ── Context: fixtures and probes ───────────────────────────────────────────────────────────────

interface SimSystem {
  name: string;
  url: string;
  credential: string;
}

export class Ctx {
  readonly secrets = readSecrets();
  readonly signInUser = LOCAL_USERS.viewer;
  private readonly ids = actionIds();
  private n = 0;
  private readonly run = Date.now().toString(36);
  /** Fixtures an allowed call may have used up; dropped after it. */
  private fixtures = new Map<string, unknown>();
  private used = new Set<string>();
  private last: Record<string, string> = {};
  readonly startedAt = new Date(Date.now() - 1000).toISOString();

  unique(prefix: string): string {
    return `${prefix}-${this.run}-${++this.n}`;
  }
  ticket(): string {
    return `MX-${Date.now() % 1_000_000}${++this.n}`;
  }

  actionId(module: string, name: string): string {
    const id = this.ids.get(`${module}#${name}`);
    if (!id) throw new Error(`server action ${name} of ${module} is not in the build manifest`);
    return id;
  }

  /** Call an action as one of the seeded roles from the console's own origin (for fixtures). */
  async as(role: Role, module: string, name: string, page: string, args: unknown[]): Promise<Reply> {
    return callActionAs(this.actionId(module, name), page, args, {
      cookie: cookieOf(role),
      headers: { Origin: baseUrl() },
    });
  }
  get(role: Role, path: string): Promise<Reply> {
    return send({ method: "GET", path, headers: { Cookie: cookieOf(role) } });
  }

  beginCell() {
    this.used.clear();
  }
  /** After an allowed call: the fixtures it used may be spent. */
  spend() {
    for (const k of this.used) this.fixtures.delete(k);
  }
  /** Fixtures made so far: a sample that made none left the audit log and the probes as they were. */
  made = 0;
  private async fixture<T>(key: string, make: () => Promise<T>): Promise<T> {
    this.used.add(key);
    if (!this.fixtures.has(key)) {
      this.fixtures.set(key, await make());
      this.made++;
    }
    return this.fixtures.get(key) as T;
  }

  async userId(caller: Caller): Promise<string> {
    const role: Role = ROLE_CALLERS.includes(caller as Role) ? (caller as Role) : "admin";
    return this.fixture(`user-id-${role}`, async () => {
      const s = JSON.parse((await this.get(role, "/api/auth/session")).text) as { user: { id: string } };
      return s.user.id;
    }).finally(() => this.used.delete(`user-id-${role}`));
  }

  async csrf(): Promise<{ token: string; cookie: string }> {
    const r = await send({ method: "GET", path: "/api/auth/csrf" });
    const cookie = (r.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
    return { token: (JSON.parse(r.text) as { csrfToken: string }).csrfToken, cookie };
  }

  // Incidents
  async incident(opener: Role): Promise<string> {
    const id = await this.fixture(`incident-${opener}`, async () => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({
        title: `Matrix fixture ${this.unique("i")}`,
        severity: "SEV3",
        runbook: "registry-audit-failure",
        affected: "kraken-futures",
      }))
        fd.append(k, v);
      const r = await this.as(opener, "app/(console)/incidents/actions.ts", "openIncidentAction", "/incidents", [
        null,
        fd,
      ]);
      const to = r.headers.get("x-action-redirect") ?? "";
      const m = to.match(/\/incidents\/([0-9a-f-]{36})/);
      if (!m) throw new Error(`could not open a fixture incident: ${r.status} ${r.text.slice(0, 200)}`);
      return m[1]!;
    });
    this.last.incident = id;
    return id;
  }
  lastIncident(): string {
    return this.last.incident!;
  }
  async incidentJson(id: string): Promise<IncidentJson> {
    const r = await this.get("admin", `/api/incidents/${id}/export?format=json`);
    if (r.status !== 200) throw new Error(`incident export ${r.status}: ${r.text.slice(0, 200)}`);
    return JSON.parse(r.text) as IncidentJson;
  }
  /** What people change on an incident; the collector's own "finding" lines come and go by themselves. */
  async incidentState(id: string): Promise<unknown> {
    const j = await this.incidentJson(id);
    return { incident: j.incident, checklist: j.checklist, timeline: j.timeline.filter((e) => e.kind !== "finding") };
  }
  async notYetResponder(id: string): Promise<string> {
    const j = await this.incidentJson(id);
    const taken = new Set((j.incident.responders ?? []).map((r) => r.name));
    const u = Object.values(LOCAL_USERS).find((x) => !taken.has(x.displayName));
    if (!u) throw new Error("every seeded user already responds to the fixture incident");
    return u.username;
  }
  async untickedStep(id: string): Promise<string> {
    const html = (await this.get("admin", `/incidents/${id}`)).text;
    const step = html.match(/data-step="([^"]+)" data-done="false"/)?.[1];
    if (!step) throw new Error("the fixture incident's checklist is all ticked");
    return step;
  }

  // Findings
  /** An active finding nobody acknowledged yet; the matrix takes two bots offline so there are some. */
  async finding(): Promise<string> {
    return this.fixture("finding", async () => {
      const deadline = Date.now() + 45_000;
      for (;;) {
        const board = JSON.parse((await this.get("admin", "/api/board")).text) as BoardJson;
        // Only the downed bots' findings: they hold while the bots are down, where another system's
        // finding may clear between picking it and acknowledging it.
        const f = allFindings(board).find(
          (x) => DOWN_BOTS.includes(x.system) && x.state !== "ok" && !x.ack && !this.acked.has(x.id),
        );
        if (f) {
          this.acked.add(f.id);
          return f.id;
        }
        if (Date.now() > deadline) throw new Error("no unacknowledged finding on the board to acknowledge");
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
  }
  private readonly acked = new Set<string>();
  /**
   * The spot exchange's ledger-invariant finding while it fires (the drill runs for the rest of
   * the matrix, so a confirmed finding fires again at the next invariant check).
   */
  async confirmableFinding(): Promise<string> {
    return this.fixture("confirmable", async () => {
      if (!this.ledgerDrill) {
        const r = await fetch(`${fleetAdmin()}/scenarios/ledger-invariant-violation/start`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ target: "spot-exchange" }),
        });
        if (!r.ok) throw new Error(`could not start the ledger drill: ${r.status}`);
        this.ledgerDrill = true;
      }
      const deadline = Date.now() + 45_000;
      // Seen firing on two reads a second apart: right after another caller's confirmation the
      // board can still show the finding firing for a moment while the engine has it confirmed.
      let seen = 0;
      for (;;) {
        const board = JSON.parse((await this.get("admin", "/api/board")).text) as BoardJson;
        const f = allFindings(board).find(
          (x) => x.id === "exchange_ledger_invariant|spot-exchange|*" && x.state !== "ok" && x.confirmable,
        );
        seen = f ? seen + 1 : 0;
        if (f && seen >= 2) return f.id;
        if (Date.now() > deadline) throw new Error("the ledger-invariant finding did not fire");
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
  }
  private ledgerDrill = false;
  async setBotsDown(down: boolean): Promise<void> {
    for (const target of DOWN_BOTS) {
      if (down)
        await fetch(`${fleetAdmin()}/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ target, fault: "down" }),
        });
      else await fetch(`${fleetAdmin()}/faults/${target}`, { method: "DELETE" });
    }
  }
  /**
   * The finding's acknowledgement as the board shows it. The board is rebuilt just after an
   * acknowledgement, not during it, so an absent one is read again for up to 5 s before it counts.
   */
  async findingAck(id: string): Promise<unknown> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const board = JSON.parse((await this.get("admin", "/api/board")).text) as BoardJson;
      const ack = allFindings(board).find((x) => x.id === id)?.ack ?? null;
      if (ack !== null || Date.now() > deadline) return ack;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // Controls
  private spot(): SimSystem {
    const f = JSON.parse(readFileSync(fleetFile(), "utf8")) as { systems: SimSystem[] };
    return f.systems.find((s) => s.name === "spot-exchange")!;
  }
  async simCalls(): Promise<number> {
    const f = JSON.parse(readFileSync(fleetFile(), "utf8")) as { systems: SimSystem[] };
    let n = 0;
    for (const s of f.systems)
      n += ((await (await fetch(`${fleetAdmin()}/systems/${s.name}/control-calls`)).json()) as { calls: unknown[] })
        .calls.length;
    return n;
  }
  private async requestControl(role: Role, fields: Record<string, string>): Promise<{ id: string; state: string }> {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    const r = await this.as(role, "app/(console)/controls/actions.ts", "executeControlAction", "/controls", [null, fd]);
    const m = r.text.match(/"id":"([0-9a-f-]{36})"[^]*?"state":"(\w+)"/);
    if (!m) throw new Error(`control request failed: ${r.text.slice(0, 300)}`);
    return { id: m[1]!, state: m[2]! };
  }
  /** A restore (SOL-USD back to NORMAL) waiting for a second person, made by `requester`. */
  async pendingControl(requester: Role): Promise<string> {
    const id = await this.fixture(`pending-${requester}`, async () => {
      const t = this.ticket();
      const r = await this.requestControl(requester, {
        target: "spot-exchange",
        control: "symbol-mode",
        "p.symbol": "SOL-USD",
        "p.mode": "NORMAL",
        reason: "matrix: approval fixture, will be reset",
        ticketId: t,
        override: "matrix: a fixture, whatever the symbol's mode",
        idempotencyKey: this.unique("matrix-pending"),
      });
      if (r.state !== "pending_approval") throw new Error(`expected a pending request, got ${r.state}`);
      return r.id;
    });
    this.last.control = id;
    return id;
  }
  /** A book-depth request whose outcome is unknown: the exchange hung while it was sent. */
  async unknownControl(): Promise<string> {
    const id = await this.fixture("unknown", async () => {
      await fetch(`${fleetAdmin()}/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target: "spot-exchange", fault: "hanging" }),
      });
      try {
        const r = await this.requestControl("commander", {
          target: "spot-exchange",
          control: "book-depth",
          "p.depth": String(20 + (this.n % 50)),
          reason: "matrix: resend fixture, exchange hangs",
          ticketId: this.ticket(),
          idempotencyKey: this.unique("matrix-unknown"),
        });
        if (r.state !== "outcome_unknown") throw new Error(`expected an unknown outcome, got ${r.state}`);
        return r.id;
      } finally {
        await fetch(`${fleetAdmin()}/faults/spot-exchange`, { method: "DELETE" });
      }
    });
    this.last.control = id;
    return id;
  }
  lastControl(): string {
    return this.last.control!;
  }
  async controlState(id: string): Promise<string> {
    const html = (await this.get("admin", "/controls")).text;
    const m = html.match(new RegExp(`data-(?:pending|request)="${id}"[^>]*`));
    return m?.[0] ?? "absent";
  }
  /** Puts SOL-USD back to NORMAL (approving the fixtures' restores leaves it there; this makes sure). */
  async resetSpot(): Promise<void> {
    if (this.ledgerDrill)
      await fetch(`${fleetAdmin()}/scenarios/stop`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target: "spot-exchange" }),
      });
    const s = this.spot();
    await fetch(`${s.url}/control/symbol-mode`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.credential}` },
      body: JSON.stringify({
        reason: "matrix clean-up",
        ticketId: "MX-1",
        actor: "e2e",
        idempotencyKey: this.unique("matrix-reset"),
        params: { symbol: "SOL-USD", mode: "NORMAL" },
      }),
    });
  }

  // Share links
  async shareLink(): Promise<{ id: string; token: string }> {
    return this.fixture("share-link", async () => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({ scope: "board", label: `matrix fixture ${this.unique("s")}`, hours: "1" }))
        fd.append(k, v);
      const r = await this.as("commander", "app/(console)/share/actions.ts", "createShareLinkAction", "/share", [
        null,
        fd,
      ]);
      const id = r.text.match(/"link":\{"id":"([^"]+)"/)?.[1];
      const token = r.text.match(/\/status\/([A-Za-z0-9_-]{43})/)?.[1];
      if (!id || !token) throw new Error(`could not create a share link: ${r.text.slice(0, 300)}`);
      return { id, token };
    });
  }
  async shareLinks(): Promise<string[]> {
    const html = (await this.get("admin", "/share")).text;
    return [...html.matchAll(/data-share-link="([^"]+)" data-state="(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`);
  }

  // Silences (paging)
  async silence(): Promise<{ id: string }> {
    return this.fixture("silence", async () => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({
        intent: "create",
        kind: "silence",
        system: "beta-bot",
        severity: "SEV3",
        durationHours: "1",
        ticketId: this.ticket(),
        reason: "matrix fixture",
      }))
        fd.append(k, v);
      const r = await this.as("admin", "app/(console)/silences/actions.ts", "silenceFormAction", "/silences", [
        null,
        fd,
      ]);
      const id = r.text.match(/"id":"([0-9a-f-]{36})"/)?.[1];
      if (!id) throw new Error(`could not create a silence: ${r.text.slice(0, 300)}`);
      return { id };
    });
  }
  async silences(): Promise<string[]> {
    const html = (await this.get("admin", "/silences")).text;
    return [...html.matchAll(/data-silence="([^"]+)" data-ends="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`);
  }
  async silenceEnd(id: string): Promise<number> {
    const found = (await this.silences()).find((s) => s.startsWith(`${id}:`));
    if (!found) throw new Error(`silence ${id} is not listed`);
    return Number(found.split(":")[1]);
  }

  // Routine checks: each row's last recording (its audit row), as the screen shows them.
  async routineChecks(): Promise<string[]> {
    const html = (await this.get("admin", "/routine")).text;
    return [...html.matchAll(/data-routine="([^"]+)" data-state="[^"]*" data-last-seq="(\d*)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
  }

  // Users
  async spareUser(): Promise<{ username: string; role: string; status: string }> {
    const username = await this.fixture("spare-user", async () => {
      const u = this.unique("matrix-spare").toLowerCase();
      const fd = new FormData();
      for (const [k, v] of Object.entries({
        username: u,
        displayName: "Matrix Spare",
        password: "matrix-pass-123456",
        role: "viewer",
      }))
        fd.append(k, v);
      const r = await this.as("admin", "app/(console)/admin/users/actions.ts", "createUserAction", "/admin/users", [
        null,
        fd,
      ]);
      if (!r.text.includes('"ok":true')) throw new Error(`could not create a spare user: ${r.text.slice(0, 200)}`);
      return u;
    });
    const me = (await this.users()).find((u) => u.username === username);
    if (!me) throw new Error(`spare user ${username} not listed`);
    return me;
  }
  async users(): Promise<Array<{ username: string; role: string; status: string }>> {
    const html = (await this.get("admin", "/admin/users")).text;
    return html
      .split("<tr ")
      .slice(1)
      .map((row) => ({
        username: row.match(/font-mono text-xs text-muted">([^<]+)</)?.[1] ?? "",
        // The role select as rendered (the selected option is marked in it) and the status button.
        role: row.match(/<select[^]*?<\/select>/)?.[0] ?? "",
        status: row.includes(">Disable<") ? "active" : row.includes(">Enable<") ? "disabled" : "",
      }))
      .filter((u) => u.username);
  }

  // Audit: rows written by people (the collector's own "system" rows come and go on their own).
  async audit(): Promise<string[]> {
    const r = await this.get("admin", `/api/audit/export?format=ndjson&from=${encodeURIComponent(this.startedAt)}`);
    if (r.status !== 200) throw new Error(`audit export ${r.status}`);
    return r.text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { seq: number; actorName: string; action: string; outcome: string })
      .filter((a) => a.actorName !== "system")
      .map((a) => `${a.seq} ${a.actorName} ${a.action} ${a.outcome}`);
  }
}

interface IncidentJson {
  incident: { status: string; severity: string; responders?: Array<{ name: string }> };
  checklist: Array<{ id: string; done: boolean }>;
  timeline: Array<{ kind: string }>;
}

const DOWN_BOTS = ["alpha-bot", "beta-bot"];
interface BoardFinding {
  id: string;
  system: string;
  state: string;
  ack?: unknown;
  confirmable?: string;
}
interface BoardJson {
  findings?: BoardFinding[];
  lanes?: Array<{ findings: BoardFinding[] }>;
}
function allFindings(b: BoardJson): BoardFinding[] {
  return [...(b.findings ?? []), ...(b.lanes ?? []).flatMap((l) => l.findings ?? [])];
}
