import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Foundation tables. Later features add their own tables in new migrations.

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    email: text("email"),
    /** bcrypt hash; null for users who only sign in through OIDC. */
    passwordHash: text("password_hash"),
    role: text("role", { enum: ["viewer", "responder", "commander", "admin"] }).notNull(),
    status: text("status", { enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    authSource: text("auth_source", { enum: ["local", "oidc"] })
      .notNull()
      .default("local"),
    /** The OIDC subject, for users created by single sign-on. */
    oidcSubject: text("oidc_subject").unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
  },
  (t) => [
    check("users_role_check", sql`${t.role} in ('viewer','responder','commander','admin')`),
    check("users_status_check", sql`${t.status} in ('active','disabled')`),
  ],
);

/**
 * Append-only, hash-chained audit log. A trigger rejects UPDATE and DELETE and a statement
 * trigger rejects TRUNCATE (migration 0001). Each row's hash covers its canonical content and
 * the previous row's hash.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    actorRole: text("actor_role"),
    sessionId: text("session_id"),
    clientAddress: text("client_address"),
    action: text("action").notNull(),
    target: text("target"),
    params: jsonb("params"),
    reason: text("reason"),
    ticketId: text("ticket_id"),
    idempotencyKey: text("idempotency_key"),
    approval: jsonb("approval"),
    outcome: text("outcome").notNull(),
    responseSummary: text("response_summary"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull().unique(),
  },
  (t) => [
    index("audit_log_action_idx").on(t.action),
    index("audit_log_actor_idx").on(t.actorName),
    index("audit_log_key_idx").on(t.idempotencyKey),
    index("audit_log_at_idx").on(t.at),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;

// ── Telemetry history (collector) ────────────────────────────────────────────────────────────

/**
 * Raw samples, at most one per series per history resolution, kept for the raw window. `rolled`
 * says the sample is already counted in the rollup tiers: each rollup run counts the samples not
 * yet rolled, once, so the tiers reach up to the last run and a long-range read takes only the
 * few minutes since then from this table.
 */
export const telemetrySamples = pgTable(
  "telemetry_samples",
  {
    seriesKey: text("series_key").notNull(),
    system: text("system").notNull(),
    entity: text("entity").notNull(),
    metric: text("metric").notNull(),
    labels: jsonb("labels").notNull(),
    value: doublePrecision("value").notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true, precision: 3 }).notNull(),
    rolled: boolean("rolled").notNull().default(false),
  },
  (t) => [
    index("telemetry_samples_series_idx").on(t.seriesKey, t.observedAt),
    index("telemetry_samples_metric_idx").on(t.system, t.metric, t.observedAt),
    // Small: only the samples since the last rollup run (what long-range reads and the run take).
    index("telemetry_samples_unrolled_idx")
      .on(t.system, t.metric, t.observedAt)
      .where(sql`not ${t.rolled}`),
  ],
);

/** One-minute rollups of samples older than the raw window, kept for the retention period. */
export const telemetryRollups = pgTable(
  "telemetry_rollups_1m",
  {
    seriesKey: text("series_key").notNull(),
    system: text("system").notNull(),
    entity: text("entity").notNull(),
    metric: text("metric").notNull(),
    labels: jsonb("labels").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    avg: doublePrecision("avg").notNull(),
    min: doublePrecision("min").notNull(),
    max: doublePrecision("max").notNull(),
    last: doublePrecision("last").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.seriesKey, t.bucket] }),
    index("telemetry_rollups_metric_idx").on(t.system, t.metric, t.bucket),
  ],
);

/**
 * Ten-minute rollups, derived from the one-minute tier by the same rollup run (never from raw
 * samples directly), so a coarse bucket always agrees with the minutes under it. Long ranges read
 * this tier: a week is about 1,000 rows a series here instead of about 10,000.
 */
export const telemetryRollups10m = pgTable(
  "telemetry_rollups_10m",
  {
    seriesKey: text("series_key").notNull(),
    system: text("system").notNull(),
    entity: text("entity").notNull(),
    metric: text("metric").notNull(),
    labels: jsonb("labels").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    avg: doublePrecision("avg").notNull(),
    min: doublePrecision("min").notNull(),
    max: doublePrecision("max").notNull(),
    last: doublePrecision("last").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.seriesKey, t.bucket] }),
    index("telemetry_rollups_10m_metric_idx").on(t.system, t.metric, t.bucket),
  ],
);

/** Structured log reports (pushed to /api/ingest or pulled); one row per (system, id). */
export const reports = pgTable(
  "reports",
  {
    system: text("system").notNull(),
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    fields: jsonb("fields").notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true, precision: 3 }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Order of storing, on any instance: the leader's rules read new reports after the last seq they saw. */
    seq: bigserial("seq", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.system, t.id] }),
    index("reports_kind_idx").on(t.system, t.kind, t.observedAt),
    uniqueIndex("reports_seq_idx").on(t.seq),
  ],
);

/** The collector leader's latest view of each source, so every console instance can show it. */
export const sourceStatus = pgTable("source_status", {
  system: text("system").primaryKey(),
  status: jsonb("status").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
});

// ── Findings (severity board) ───────────────────────────────────────────────────────────────

/** The current state of every finding that is, or was recently, not ok. Written by the leader. */
export const findings = pgTable(
  "findings",
  {
    id: text("id").primaryKey(),
    ruleId: text("rule_id").notNull(),
    system: text("system").notNull(),
    entity: text("entity").notNull(),
    state: text("state").notNull(),
    severity: text("severity").notNull(),
    finding: jsonb("finding").notNull(),
    since: timestamp("since", { withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index("findings_state_idx").on(t.state)],
);

export const TRANSITION_KINDS = ["state", "ack", "silence"] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];

/**
 * Every change of every finding, for its history, the incident timeline and replay: `state` rows
 * (opened, severity changed, went Unknown, resolved) are written by the board engine on the
 * collector leader; `ack` and `silence` rows by the acknowledgement and the silence, in the same
 * transaction as the effect. `finding` is the whole finding (evidence included) as it was then:
 * when the writer leaves it out, a trigger copies it from the `findings` row the same
 * transaction just wrote (migration 0011). Kept for WATCHFLOOR_FINDING_HISTORY_DAYS.
 */
export const findingTransitions = pgTable(
  "finding_transitions",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    findingId: text("finding_id").notNull(),
    kind: text("kind", { enum: TRANSITION_KINDS }).notNull().default("state"),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    severity: text("severity").notNull(),
    summary: text("summary").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    finding: jsonb("finding"),
    /** Who acknowledged or silenced (ack and silence rows). */
    actorName: text("actor_name"),
    /** Kind-specific detail: { silenceId, until, ticketId } … */
    detail: jsonb("detail"),
  },
  (t) => [
    check("finding_transitions_kind_check", sql`${t.kind} in ('state','ack','silence')`),
    index("finding_transitions_finding_idx").on(t.findingId, t.at),
    index("finding_transitions_at_idx").on(t.at),
  ],
);

/**
 * Every change of a source's freshness (ok, stale, error, no data), with the poll time it came
 * from: replay shows each source as it was at a moment. Written by a trigger on `source_status`
 * (migration 0011), so whichever process writes the status records its changes.
 */
export const sourceFreshnessChanges = pgTable(
  "source_freshness_changes",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    system: text("system").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    freshness: text("freshness").notNull(),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true, precision: 3 }),
    lastError: text("last_error"),
  },
  (t) => [
    index("source_freshness_changes_system_idx").on(t.system, t.at),
    index("source_freshness_changes_at_idx").on(t.at),
  ],
);

/** Acknowledgements, scoped to one occurrence of a finding (its onset time). */
export const findingAcks = pgTable(
  "finding_acks",
  {
    findingId: text("finding_id").notNull(),
    onset: timestamp("onset", { withTimezone: true, precision: 3 }).notNull(),
    userId: text("user_id").notNull(),
    userName: text("user_name").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.findingId, t.onset] })],
);

// ── Controls (audited executor) ─────────────────────────────────────────────────────────────

export const CONTROL_STATES = [
  "pending_approval",
  "approved",
  "executing",
  "succeeded",
  "failed",
  "outcome_unknown",
  "expired",
  "rejected",
] as const;
export type ControlState = (typeof CONTROL_STATES)[number];

/**
 * One row per control request. The idempotency key is unique: a double-submit or a retry finds
 * the first row instead of making a second call. The audit log stays the record of truth; this
 * table is the working state (approval, outcome, verification) the Controls screen reads.
 */
export const controlRequests = pgTable(
  "control_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    /** Hash of actor, target, control and params: the same key with anything else is refused. */
    fingerprint: text("fingerprint").notNull(),
    actorId: text("actor_id").notNull(),
    actorName: text("actor_name").notNull(),
    actorRole: text("actor_role").notNull(),
    target: text("target").notNull(),
    targetKind: text("target_kind").notNull(),
    control: text("control").notNull(),
    params: jsonb("params").notNull(),
    reason: text("reason").notNull(),
    ticketId: text("ticket_id").notNull(),
    tier: text("tier").notNull(),
    requiredRole: text("required_role").notNull(),
    state: text("state", { enum: CONTROL_STATES }).notNull(),
    preview: text("preview"),
    approvalRequired: boolean("approval_required").notNull().default(false),
    approvalExpiresAt: timestamp("approval_expires_at", { withTimezone: true, precision: 3 }),
    approverId: text("approver_id"),
    approverName: text("approver_name"),
    decidedAt: timestamp("decided_at", { withTimezone: true, precision: 3 }),
    decisionNote: text("decision_note"),
    /** The target's answer: { status, body } or { error }. */
    result: jsonb("result"),
    resultSummary: text("result_summary"),
    /** { ok: true | false | null, message } — null when it could not be checked. */
    verification: jsonb("verification"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true, precision: 3 }),
    finishedAt: timestamp("finished_at", { withTimezone: true, precision: 3 }),
    /** The incident the control was run from (the room's "Open control" link), if any. */
    incidentId: uuid("incident_id"),
  },
  (t) => [
    check(
      "control_requests_state_check",
      sql`${t.state} in ('pending_approval','approved','executing','succeeded','failed','outcome_unknown','expired','rejected')`,
    ),
    index("control_requests_state_idx").on(t.state),
    index("control_requests_actor_idx").on(t.actorId, t.createdAt),
    index("control_requests_created_idx").on(t.createdAt),
    index("control_requests_incident_idx").on(t.incidentId),
  ],
);

export type ControlRequestRow = typeof controlRequests.$inferSelect;

// ── Incidents (incident room) ───────────────────────────────────────────────────────────────

export const INCIDENT_STATUS_VALUES = ["investigating", "mitigating", "monitoring", "resolved"] as const;

/**
 * One row per incident: its current state. What happened, and who did it, is the event log below
 * (and the audit log, which stays the record of truth).
 */
export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    title: text("title").notNull(),
    severity: text("severity", { enum: ["SEV1", "SEV2", "SEV3"] }).notNull(),
    status: text("status", { enum: INCIDENT_STATUS_VALUES }).notNull(),
    commanderId: text("commander_id"),
    commanderName: text("commander_name"),
    /** [{ id, name, at }] — people who checked in. */
    responders: jsonb("responders").notNull().default([]),
    /** [{ system, entity, kind }] — the systems, profiles and symbols affected. */
    affected: jsonb("affected").notNull().default([]),
    runbook: text("runbook"),
    sourceFindingId: text("source_finding_id"),
    openedById: text("opened_by_id").notNull(),
    openedByName: text("opened_by_name").notNull(),
    openedAt: timestamp("opened_at", { withTimezone: true, precision: 3 }).notNull(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, precision: 3 }),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    check("incidents_severity_check", sql`${t.severity} in ('SEV1','SEV2','SEV3')`),
    check("incidents_status_check", sql`${t.status} in ('investigating','mitigating','monitoring','resolved')`),
    index("incidents_status_idx").on(t.status, t.openedAt),
  ],
);

export const INCIDENT_EVENT_KINDS = [
  "opened",
  "status",
  "severity",
  "commander",
  "responder",
  "checkin",
  "note",
  "step",
  "unstep",
  "control",
  "comms",
  "finding",
] as const;

/**
 * The incident's own timeline: every change made in the room, with who, when and how. Finding
 * transitions, acknowledgements and control requests are merged in at read time from their tables.
 */
export const incidentEvents = pgTable(
  "incident_events",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    kind: text("kind", { enum: INCIDENT_EVENT_KINDS }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    text: text("text").notNull(),
    /** Step id, control request id, finding id … */
    ref: text("ref"),
    /** Kind-specific detail: { from, to }, { how: "manual" | "live check", value }, … */
    data: jsonb("data"),
    auditSeq: bigint("audit_seq", { mode: "number" }),
  },
  (t) => [index("incident_events_incident_idx").on(t.incidentId, t.at)],
);

export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentEventRow = typeof incidentEvents.$inferSelect;

// ── Share links (the read-only status view) ─────────────────────────────────────────────────

/**
 * A read-only link to the status view of the board or of one incident. Only the SHA-256 of the
 * token is stored; revocation and expiry are checked on every request.
 */
export const shareLinks = pgTable(
  "share_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull().unique(),
    scope: text("scope", { enum: ["board", "incident"] }).notNull(),
    incidentId: uuid("incident_id").references(() => incidents.id),
    label: text("label"),
    /** A link to a fixed moment: the status view shows the board as it was then (replay). */
    at: timestamp("at", { withTimezone: true, precision: 3 }),
    createdById: text("created_by_id").notNull(),
    createdByName: text("created_by_name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, precision: 3 }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, precision: 3 }),
    revokedById: text("revoked_by_id"),
    revokedByName: text("revoked_by_name"),
  },
  (t) => [
    check(
      "share_links_scope_check",
      sql`${t.scope} in ('board','incident') and (${t.scope} = 'board') = (${t.incidentId} is null)`,
    ),
    index("share_links_created_idx").on(t.createdAt),
  ],
);

export type ShareLinkRow = typeof shareLinks.$inferSelect;

// ── Notifications (outbox, attempts, per-finding notify state, silences) ──────────────────────

/**
 * The durable outbox: one row per notification to one channel. The collector leader enqueues and
 * sends; `dedupKey` is unique, so enqueuing the same notification twice (a restart, a handover)
 * stores it once, and it is the idempotency key the channel sees.
 */
export const notifyOutbox = pgTable(
  "notify_outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    dedupKey: text("dedup_key").notNull().unique(),
    channel: text("channel").notNull(),
    channelType: text("channel_type").notNull(),
    findingId: text("finding_id"),
    /**
     * Every finding the notification is about: the one finding, or each member of a chat message
     * for a finding group (so the incident room finds a group message by any of its members).
     */
    findingIds: text("finding_ids")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** A chat group message's members (finding snapshots), kept to render it when it is sent. */
    members: jsonb("members"),
    event: text("event").notNull(),
    summary: text("summary").notNull(),
    payload: jsonb("payload").notNull(),
    /** `held`: a chat group message still waiting its group wait for more members (not sent yet). */
    status: text("status", { enum: ["held", "pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, precision: 3 }),
    lastStatus: integer("last_status"),
    lastResponse: text("last_response"),
  },
  (t) => [
    check("notify_outbox_status_check", sql`${t.status} in ('held','pending','delivered','failed')`),
    index("notify_outbox_due_idx").on(t.status, t.channel, t.id),
    index("notify_outbox_finding_idx").on(t.findingId),
    index("notify_outbox_finding_ids_idx").using("gin", t.findingIds),
    index("notify_outbox_created_idx").on(t.createdAt),
  ],
);

/** Every attempt to deliver an outbox row: when, how long, what the channel answered. */
export const notifyAttempts = pgTable(
  "notify_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    outboxId: bigint("outbox_id", { mode: "number" })
      .notNull()
      .references(() => notifyOutbox.id),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    httpStatus: integer("http_status"),
    outcome: text("outcome", { enum: ["delivered", "retry", "failed"] }).notNull(),
    response: text("response"),
    instance: text("instance"),
  },
  (t) => [index("notify_attempts_outbox_idx").on(t.outboxId, t.at)],
);

/**
 * What has been sent for each finding (so a restart or a new leader neither re-pages an open
 * finding nor forgets to resolve it). Written by the leader only.
 */
export const notifyState = pgTable("notify_state", {
  findingId: text("finding_id").primaryKey(),
  state: jsonb("state").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
});

/**
 * Silences and maintenance windows: mute notifications for matching findings between startsAt and
 * endsAt. Never edited except to extend (endsAt later) or end (endedAt); each change is audited.
 */
export const silences = pgTable(
  "silences",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: ["silence", "maintenance"] })
      .notNull()
      .default("silence"),
    matchers: jsonb("matchers").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true, precision: 3 }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true, precision: 3 }).notNull(),
    reason: text("reason").notNull(),
    ticketId: text("ticket_id").notNull(),
    createdById: text("created_by_id").notNull(),
    createdByName: text("created_by_name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true, precision: 3 }),
    endedByName: text("ended_by_name"),
  },
  (t) => [
    check("silences_kind_check", sql`${t.kind} in ('silence','maintenance')`),
    check("silences_window_check", sql`${t.endsAt} > ${t.startsAt}`),
    index("silences_ends_idx").on(t.endsAt),
  ],
);

export type NotifyOutboxRow = typeof notifyOutbox.$inferSelect;
export type NotifyAttemptRow = typeof notifyAttempts.$inferSelect;
export type SilenceRow = typeof silences.$inferSelect;

// ── Log shipper ingest ───────────────────────────────────────────────────────────────────────

/** Per source: what the ingest receivers got, so a misconfigured format shows as counts, not silence. */
export const ingestStats = pgTable("ingest_stats", {
  system: text("system").primaryKey(),
  received: bigint("received", { mode: "number" }).notNull().default(0),
  stored: bigint("stored", { mode: "number" }).notNull().default(0),
  duplicates: bigint("duplicates", { mode: "number" }).notNull().default(0),
  unparsed: bigint("unparsed", { mode: "number" }).notNull().default(0),
  rejected: bigint("rejected", { mode: "number" }).notNull().default(0),
  lastReceiver: text("last_receiver"),
  lastAt: timestamp("last_at", { withTimezone: true, precision: 3 }),
});

/** The last few lines per source that matched no log pattern or were rejected (pruned on write). */
export const ingestLines = pgTable(
  "ingest_lines",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    system: text("system").notNull(),
    outcome: text("outcome", { enum: ["unparsed", "rejected"] }).notNull(),
    receiver: text("receiver").notNull(),
    ref: text("ref").notNull(),
    line: text("line").notNull(),
    reason: text("reason").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("ingest_lines_system_idx").on(t.system, t.outcome, t.seq)],
);
