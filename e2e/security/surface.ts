import type { Role } from "../../lib/auth/roles";
import type { Ctx, Reply } from "./harness";

// Watchfloor's whole request surface in one table: every server action and every route handler
// method, who may call it, and a valid sample input. matrix.spec.ts runs each entry once per
// caller in CALLERS; surface.spec.ts fails when the source tree or the build has an action or a
// handler method this table does not list (or the table lists one that no longer exists).

/** Who calls: nobody, each role's real session, a share token holder, and an admin's browser on another site. */
export const CALLERS = [
  "anonymous",
  "viewer",
  "responder",
  "commander",
  "admin",
  "share-token",
  "foreign-origin",
] as const;
export type Caller = (typeof CALLERS)[number];

/**
 * Who may call an entry:
 * - a role: a signed-in session with at least that role;
 * - "public": anyone (health probes, next-auth's session read);
 * - "link-holder": anyone holding a share link; the token in the path is the credential;
 * - "ingest-token": the sample carries the shipper's bearer token, whatever session comes along;
 * - "sign-in": next-auth's own POSTs, which carry its CSRF token.
 */
export type Access = Role | "public" | "link-holder" | "ingest-token" | "sign-in";

/** A request the harness sends; `path` may carry a query. */
export interface HttpSample {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The sample's own credential (ingest bearer, next-auth CSRF cookie); a share-token caller does not get it. */
  credential?: { headers?: Record<string, string>; cookie?: string };
}

interface Common {
  access: Access;
  /** What the call would change, as a fingerprint; compared before and after every refused call. */
  probe?: (ctx: Ctx) => Promise<unknown>;
  /** Whether an allowed call must change `probe` (and the audit log). Reads do not. */
  changes: boolean;
}

export interface ActionEntry extends Common {
  kind: "action";
  /** The "use server" module and export. */
  module: string;
  name: string;
  /** The page the browser posts the action to. */
  page: string;
  sample: (ctx: Ctx, caller: Caller) => Promise<unknown[]>;
}

export interface RouteEntry extends Common {
  kind: "route";
  /** app/**\/route.ts file and the exported method. */
  file: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  sample: (ctx: Ctx, caller: Caller) => Promise<HttpSample>;
  /** Status an allowed call answers with. */
  okStatus: number;
  /** Server-sent events: read the head, then hang up. */
  stream?: boolean;
  /** After a refusal, send the same sample as intended; it must succeed (so the refused one left nothing behind). */
  replay?: boolean;
  /** When status alone does not say it worked (next-auth answers 200 either way). */
  succeeded?: (r: Reply) => boolean;
}

export type SurfaceEntry = ActionEntry | RouteEntry;

export const entryName = (e: SurfaceEntry) =>
  e.kind === "action" ? `${e.name} (${e.module})` : `${e.method} ${e.file}`;

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};
/** [prevState, FormData], as useActionState calls a form action. */
const formArgs = async (fields: Record<string, string>) => [null, form(fields)];

const CONSOLE = "app/(console)";

// ── Server actions ─────────────────────────────────────────────────────────────────────────────

const incidentAction = (
  name: string,
  access: Role,
  fields: (ctx: Ctx, caller: Caller, id: string) => Promise<Record<string, string>>,
  opener: (caller: Caller) => Role = () => "admin",
): ActionEntry => ({
  kind: "action",
  module: `${CONSOLE}/incidents/actions.ts`,
  name,
  page: "/incidents",
  access,
  changes: true,
  async sample(ctx, caller) {
    const id = await ctx.incident(opener(caller));
    return formArgs({ id, ...(await fields(ctx, caller, id)) });
  },
  probe: async (ctx) => ctx.incidentState(ctx.lastIncident()),
});

const controlAction = (
  name: string,
  access: Role,
  changes: boolean,
  sample: ActionEntry["sample"],
  probe?: ActionEntry["probe"],
): ActionEntry => ({
  kind: "action",
  module: `${CONSOLE}/controls/actions.ts`,
  name,
  page: "/controls",
  access,
  changes,
  sample,
  probe: async (ctx) => ({ sim: await ctx.simCalls(), requests: await (probe ?? (async () => null))(ctx) }),
});

const conflation = (ctx: Ctx) => ({
  target: "spot-exchange",
  control: "conflation",
  "p.on": "on",
  reason: "matrix: websocket fan-out load, conflating",
  ticketId: ctx.ticket(),
  idempotencyKey: ctx.unique("matrix-conflation"),
});

export const ACTIONS: ActionEntry[] = [
  controlAction("executeControlAction", "responder", true, async (ctx) => formArgs(conflation(ctx))),
  controlAction("previewControlAction", "responder", false, async (ctx) => formArgs(conflation(ctx))),
  controlAction(
    "approveControlAction",
    "commander",
    true,
    async (ctx, caller) =>
      formArgs({ requestId: await ctx.pendingControl(caller === "admin" ? "commander" : "admin") }),
    async (ctx) => ctx.controlState(ctx.lastControl()),
  ),
  controlAction(
    "rejectControlAction",
    "commander",
    true,
    async (ctx, caller) =>
      formArgs({
        requestId: await ctx.pendingControl(caller === "admin" ? "commander" : "admin"),
        note: "matrix: not now",
      }),
    async (ctx) => ctx.controlState(ctx.lastControl()),
  ),
  controlAction(
    "resendControlAction",
    "responder",
    true,
    async (ctx) => formArgs({ requestId: await ctx.unknownControl() }),
    async (ctx) => ctx.controlState(ctx.lastControl()),
  ),

  {
    kind: "action",
    module: `${CONSOLE}/incidents/actions.ts`,
    name: "openIncidentAction",
    page: "/incidents",
    access: "commander",
    changes: true,
    // Opening writes the incident and its "incident.open" audit row in one transaction: the audit
    // log is the probe (the incidents screen is too slow to read once per cell).
    sample: async (ctx) =>
      formArgs({
        title: `Matrix incident ${ctx.unique("t")}`,
        severity: "SEV3",
        runbook: "registry-audit-failure",
        affected: "kraken-futures",
      }),
  },
  incidentAction("setStatusAction", "commander", async (ctx, _c, id) => ({
    status: (await ctx.incidentJson(id)).incident.status === "mitigating" ? "monitoring" : "mitigating",
  })),
  incidentAction("setSeverityAction", "commander", async (ctx, _c, id) => ({
    severity: (await ctx.incidentJson(id)).incident.severity === "SEV1" ? "SEV2" : "SEV1",
  })),
  // Taking command yourself is always valid, so the incident is opened by someone else.
  incidentAction(
    "setCommanderAction",
    "commander",
    async (ctx, caller) => ({ personId: await ctx.userId(caller) }),
    (caller) => (caller === "admin" ? "commander" : "admin"),
  ),
  incidentAction(
    "checkInAction",
    "responder",
    async () => ({}),
    () => "admin",
  ),
  incidentAction("addResponderAction", "commander", async (ctx, _c, id) => ({
    username: await ctx.notYetResponder(id),
  })),
  incidentAction("addNoteAction", "responder", async (ctx) => ({ text: `matrix note ${ctx.unique("n")}` })),
  incidentAction("tickStepAction", "responder", async (ctx, _c, id) => ({
    step: await ctx.untickedStep(id),
    done: "false",
  })),
  incidentAction("postCommsAction", "commander", async (ctx) => ({
    text: `Matrix update ${ctx.unique("c")}: investigating, next update in 30 minutes.`,
  })),

  {
    kind: "action",
    module: `${CONSOLE}/share/actions.ts`,
    name: "createShareLinkAction",
    page: "/share",
    access: "commander",
    changes: true,
    sample: async (ctx) => formArgs({ scope: "board", label: `matrix ${ctx.unique("l")}`, hours: "1" }),
    probe: async (ctx) => ctx.shareLinks(),
  },
  {
    kind: "action",
    module: `${CONSOLE}/share/actions.ts`,
    name: "revokeShareLinkAction",
    page: "/share",
    access: "commander",
    changes: true,
    sample: async (ctx) => formArgs({ linkId: (await ctx.shareLink()).id }),
    probe: async (ctx) => ctx.shareLinks(),
  },

  {
    kind: "action",
    module: `${CONSOLE}/admin/users/actions.ts`,
    name: "setUserRoleAction",
    page: "/admin/users",
    access: "admin",
    changes: true,
    sample: async (ctx) => {
      const u = await ctx.spareUser();
      return formArgs({ username: u.username, role: /value="viewer" selected/.test(u.role) ? "responder" : "viewer" });
    },
    // The role change and its audit row are one service call; the audit log is the probe.
  },
  {
    kind: "action",
    module: `${CONSOLE}/admin/users/actions.ts`,
    name: "setUserStatusAction",
    page: "/admin/users",
    access: "admin",
    changes: true,
    sample: async (ctx) => {
      const u = await ctx.spareUser();
      return formArgs({ username: u.username, status: u.status === "disabled" ? "active" : "disabled" });
    },
  },
  {
    kind: "action",
    module: `${CONSOLE}/admin/users/actions.ts`,
    name: "createUserAction",
    page: "/admin/users",
    access: "admin",
    changes: true,
    sample: async (ctx) =>
      formArgs({
        username: ctx.unique("matrix-user").toLowerCase(),
        displayName: "Matrix User",
        password: "matrix-pass-123456",
        role: "viewer",
      }),
    probe: async (ctx) => ctx.users(),
  },

  // Paging: the admin's test send, and silences (SEV3 on a bot the paging spec does not page for).
  {
    kind: "action",
    module: `${CONSOLE}/deliveries/actions.ts`,
    name: "sendTestNotificationAction",
    page: "/deliveries",
    access: "admin",
    changes: true,
    sample: async () => formArgs({ channel: "e2e-chat" }),
  },
  {
    kind: "action",
    module: `${CONSOLE}/silences/actions.ts`,
    name: "silenceFormAction",
    page: "/silences",
    access: "responder",
    changes: true,
    sample: async (ctx) =>
      formArgs({
        intent: "create",
        kind: "silence",
        system: "beta-bot",
        severity: "SEV3",
        durationHours: "1",
        ticketId: ctx.ticket(),
        reason: "matrix: planned restart",
      }),
    probe: async (ctx) => ctx.silences(),
  },
  {
    kind: "action",
    module: `${CONSOLE}/silences/actions.ts`,
    name: "extendSilenceAction",
    page: "/silences",
    access: "responder",
    changes: true,
    sample: async (ctx) => {
      const s = await ctx.silence();
      return formArgs({ id: s.id, currentEnd: String(await ctx.silenceEnd(s.id)), hours: "0.25" });
    },
    probe: async (ctx) => ctx.silences(),
  },
  {
    kind: "action",
    module: `${CONSOLE}/silences/actions.ts`,
    name: "endSilenceAction",
    page: "/silences",
    access: "responder",
    changes: true,
    sample: async (ctx) => formArgs({ id: (await ctx.silence()).id }),
    probe: async (ctx) => ctx.silences(),
  },

  // Routine checks: a completion is one audit row; the screen shows who recorded it last.
  {
    kind: "action",
    module: `${CONSOLE}/routine/actions.ts`,
    name: "markRoutineCheckDoneAction",
    page: "/routine",
    access: "responder",
    changes: true,
    sample: async () =>
      formArgs({ system: "spot-exchange", check: "invariants-check", note: "matrix: invariants pass" }),
    probe: async (ctx) => ctx.routineChecks(),
  },

  // Last among the actions: the matrix takes two bots offline at its start, so by now the board
  // has findings to acknowledge.
  {
    kind: "action",
    module: `${CONSOLE}/actions.ts`,
    name: "acknowledgeFindingAction",
    page: "/",
    access: "responder",
    changes: true,
    sample: async (ctx) => [await ctx.finding()],
    probe: async (ctx) => ctx.findingAck(await ctx.finding()),
  },
  {
    // The confirmation is the audit record itself, so the audit log is what an allowed call moves.
    kind: "action",
    module: `${CONSOLE}/actions.ts`,
    name: "confirmFindingHandledAction",
    page: "/",
    access: "commander",
    changes: true,
    sample: async (ctx) => [
      {
        findingId: await ctx.confirmableFinding(),
        reason: "Matrix: double postings reversed by correction entries",
        ticketId: "MX-7",
      },
    ],
  },
];

// ── Route handlers ─────────────────────────────────────────────────────────────────────────────

const reportLine = (id: string) =>
  JSON.stringify({
    id,
    kind: "RECONCILIATION_REPORT",
    ts: new Date().toISOString(),
    fields: { orphaned: 0, phantom: 0 },
  }) + "\n";

/** A futures-bot log line as a Python logging bot writes it, unique by its run field. */
const botLine = (run: string) =>
  `${new Date().toISOString().replace("T", " ").replace("Z", "")} INFO RECONCILIATION_REPORT orphaned=0 phantom=0 run=${run}`;
const lokiBody = (run: string) =>
  JSON.stringify({ streams: [{ stream: { job: "trading-bot" }, values: [[`${Date.now()}000000`, botLine(run)]] }] });
const bulkBody = (run: string) => `{"index":{"_index":"bot"}}\n${JSON.stringify({ message: botLine(run) })}\n`;

export const ROUTES: RouteEntry[] = [
  {
    kind: "route",
    file: "app/manifest.ts",
    method: "GET",
    access: "public",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/manifest.webmanifest" }),
  },
  {
    kind: "route",
    file: "app/api/health/live/route.ts",
    method: "GET",
    access: "public",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/health/live" }),
  },
  {
    kind: "route",
    file: "app/api/health/ready/route.ts",
    method: "GET",
    access: "public",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/health/ready" }),
  },
  {
    kind: "route",
    file: "app/api/board/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/board" }),
  },
  {
    kind: "route",
    file: "app/api/replay/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    // A moment a minute ago: within the history kept, not in the future.
    sample: async () => ({ method: "GET", path: `/api/replay?at=${new Date(Date.now() - 60_000).toISOString()}` }),
  },
  {
    kind: "route",
    file: "app/api/controls/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/controls" }),
  },
  {
    kind: "route",
    file: "app/api/stream/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    stream: true,
    sample: async () => ({ method: "GET", path: "/api/stream" }),
  },
  {
    kind: "route",
    file: "app/api/audit/export/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/audit/export?format=csv&action=user.create" }),
  },
  {
    kind: "route",
    file: "app/api/incidents/[id]/export/route.ts",
    method: "GET",
    access: "viewer",
    changes: false,
    okStatus: 200,
    sample: async (ctx) => ({
      method: "GET",
      path: `/api/incidents/${await ctx.incident("admin")}/export?format=json`,
    }),
  },
  {
    kind: "route",
    file: "app/api/status/[token]/route.ts",
    method: "GET",
    access: "link-holder",
    changes: false,
    okStatus: 200,
    sample: async (ctx) => ({ method: "GET", path: `/api/status/${(await ctx.shareLink()).token}` }),
  },
  {
    kind: "route",
    file: "app/api/ingest/route.ts",
    method: "POST",
    access: "ingest-token",
    changes: true,
    okStatus: 200,
    sample: async (ctx) => ({
      method: "POST",
      path: "/api/ingest",
      headers: { "Content-Type": "application/x-ndjson" },
      body: reportLine(ctx.unique("matrix-report")),
      credential: { headers: { Authorization: `Bearer ${ctx.secrets.ingestToken}` } },
    }),
    succeeded: (r) => r.status === 200 && (JSON.parse(r.text) as { stored?: number }).stored === 1,
    // Not audited: a refused batch is proven unstored when the same batch, sent properly, is new.
    replay: true,
  },
  {
    kind: "route",
    file: "app/loki/api/v1/push/route.ts",
    method: "POST",
    access: "ingest-token",
    changes: true,
    okStatus: 204,
    sample: async (ctx) => ({
      method: "POST",
      path: "/loki/api/v1/push",
      headers: { "Content-Type": "application/json" },
      body: lokiBody(ctx.unique("matrix-loki")),
      credential: { headers: { Authorization: `Bearer ${ctx.secrets.ingestToken}` } },
    }),
    // Loki answers 204 whether a line was new or not, so the replay shows only that the
    // refused push did not break the receiver; the receivers' integration tests count rows.
    succeeded: (r) => r.status === 204,
    replay: true,
  },
  {
    // The Elasticsearch handshake: a shipper's token, basic auth as Filebeat and rsyslog send it.
    // (GET /es/ is redirected to /es by Next.js, as every path with a trailing slash.)
    kind: "route",
    file: "app/es/[[...path]]/route.ts",
    method: "GET",
    access: "ingest-token",
    changes: false,
    okStatus: 200,
    sample: async (ctx) => ({
      method: "GET",
      path: "/es",
      credential: {
        headers: { Authorization: `Basic ${Buffer.from(`elastic:${ctx.secrets.ingestToken}`).toString("base64")}` },
      },
    }),
  },
  {
    kind: "route",
    file: "app/es/[[...path]]/route.ts",
    method: "POST",
    access: "ingest-token",
    changes: true,
    okStatus: 200,
    sample: async (ctx) => ({
      method: "POST",
      path: "/es/_bulk",
      headers: { "Content-Type": "application/x-ndjson" },
      body: bulkBody(ctx.unique("matrix-bulk")),
      credential: { headers: { Authorization: `Bearer ${ctx.secrets.ingestToken}` } },
    }),
    succeeded: (r) =>
      r.status === 200 &&
      (JSON.parse(r.text) as { items?: { index?: { status?: number } }[] }).items?.[0]?.index?.status === 201,
    replay: true,
  },
  {
    kind: "route",
    file: "app/api/auth/[...nextauth]/route.ts",
    method: "GET",
    access: "public",
    changes: false,
    okStatus: 200,
    sample: async () => ({ method: "GET", path: "/api/auth/session" }),
  },
  {
    // Signing in with a valid password is open to anyone holding it; the probe is the audit log.
    kind: "route",
    file: "app/api/auth/[...nextauth]/route.ts",
    method: "POST",
    access: "sign-in",
    changes: true,
    okStatus: 200,
    sample: async (ctx) => {
      const csrf = await ctx.csrf();
      return {
        method: "POST",
        path: "/api/auth/callback/credentials",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Auth-Return-Redirect": "1" },
        body: new URLSearchParams({
          username: ctx.signInUser.username,
          password: ctx.signInUser.password,
          csrfToken: csrf.token,
          callbackUrl: "/",
          json: "true",
        }).toString(),
        credential: { cookie: csrf.cookie },
      };
    },
    succeeded: (r) => r.headers.getSetCookie().some((c) => c.includes("next-auth.session-token=")),
  },
];

export const SURFACE: SurfaceEntry[] = [...ACTIONS, ...ROUTES];

/** Methods that change state; a foreign Origin must be refused on these. */
export const changesState = (e: SurfaceEntry) => e.kind === "action" || e.method !== "GET";

/** Whether `caller` may use `entry` (the intended policy, which the matrix checks). */
export function allowed(entry: SurfaceEntry, caller: Caller): boolean {
  if (caller === "foreign-origin") return changesState(entry) ? false : allowed(entry, "admin");
  switch (entry.access) {
    case "public":
    case "link-holder":
      return true;
    case "ingest-token":
    case "sign-in":
      // The sample carries its own credential; a share token is not one.
      return caller !== "share-token";
    default: {
      if (caller === "anonymous" || caller === "share-token") return false;
      const order: Role[] = ["viewer", "responder", "commander", "admin"];
      return order.indexOf(caller) >= order.indexOf(entry.access);
    }
  }
}
