import { and, arrayOverlaps, desc, eq, gt, gte, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import {
  findingTransitions,
  notifyAttempts,
  notifyOutbox,
  silences,
  type NotifyAttemptRow,
  type NotifyOutboxRow,
  type SilenceRow,
} from "../db/schema";
import { appendAudit } from "../audit/log";
import { requireRole, roleAtLeast, type Actor } from "../auth/roles";
import { Invalid, NotFound, Conflict } from "../errors";
import type { Finding } from "../rules/types";
import { SEVERITIES } from "../rules/types";
import type { NotifyConfig } from "./config";
import { renderFor } from "./channels";
import { enqueue } from "./outbox";
import { silenceMatches, type SilenceMatchers } from "./plan";

// The services behind the deliveries and silences screens. Each takes an actor and authorises it
// first; every change is audited, and a change whose audit row cannot be written does not happen
// (the write and the audit share one transaction).

export interface NotifyDeps {
  db: Db;
  config: NotifyConfig;
  ticketPattern: string;
  now?: () => number;
  /** The current findings (the board's), for the silence preview and the SEV1 rule. */
  findings?: () => Promise<readonly Finding[]>;
  /** Tells the leader's notifier that silences changed. */
  onSilencesChanged?: () => void;
}

// ── Deliveries ────────────────────────────────────────────────────────────────────────────────

/** A chat group message's member as listed on the screens. */
export interface DeliveryMember {
  id: string;
  entity: string;
  severity: string;
  summary: string;
}

export interface Delivery extends NotifyOutboxRow {
  /** The findings of a chat group message (empty for a notification about one finding). */
  memberList: DeliveryMember[];
  attemptList: NotifyAttemptRow[];
  /** From enqueue to delivery, when delivered. */
  latencyMs: number | null;
}

/**
 * Notifications newest first (responder or above); `findingIds` keeps those about any of these
 * findings (a chat group message counts for each of its members; none when the list is empty),
 * `since` those queued at or after that time (epoch ms).
 */
export async function listDeliveries(
  d: NotifyDeps,
  actor: Actor | null,
  o: { limit?: number; findingIds?: string[]; since?: number } = {},
): Promise<Delivery[]> {
  requireRole(actor, "responder");
  const byFinding = o.findingIds
    ? o.findingIds.length
      ? arrayOverlaps(notifyOutbox.findingIds, o.findingIds)
      : eq(notifyOutbox.id, -1)
    : undefined;
  const where = and(byFinding, o.since !== undefined ? gte(notifyOutbox.createdAt, new Date(o.since)) : undefined);
  const rows = await d.db
    .select()
    .from(notifyOutbox)
    .where(where)
    .orderBy(desc(notifyOutbox.id))
    .limit(Math.min(o.limit ?? 200, 1000));
  const attempts = rows.length
    ? await d.db
        .select()
        .from(notifyAttempts)
        .where(
          inArray(
            notifyAttempts.outboxId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(notifyAttempts.id)
    : [];
  const byRow = new Map<number, NotifyAttemptRow[]>();
  for (const a of attempts) byRow.set(a.outboxId, [...(byRow.get(a.outboxId) ?? []), a]);
  return rows.map((r) => ({
    ...r,
    memberList: memberList(r.members),
    attemptList: byRow.get(r.id) ?? [],
    latencyMs: r.deliveredAt ? r.deliveredAt.getTime() - r.createdAt.getTime() : null,
  }));
}

function memberList(members: unknown): DeliveryMember[] {
  if (!Array.isArray(members)) return [];
  return members
    .map((m: { finding?: Partial<Finding> }) => ({
      id: String(m.finding?.id ?? ""),
      entity: String(m.finding?.entity ?? ""),
      severity: String(m.finding?.severity ?? ""),
      summary: String(m.finding?.summary ?? ""),
    }))
    .filter((m) => m.id);
}

export function listChannels(d: NotifyDeps, actor: Actor | null): { name: string; type: string }[] {
  requireRole(actor, "responder");
  return d.config.channels.map((c) => ({ name: c.name, type: c.type }));
}

/** Admin: queues a test notification to one channel (audited); the leader sends it like any other. */
export async function sendTestNotification(
  d: NotifyDeps,
  actor: Actor | null,
  channelName: unknown,
): Promise<{ outboxIds: number }> {
  requireRole(actor, "admin");
  const ch = d.config.channels.find((c) => c.name === channelName);
  if (!ch) throw new Invalid(`channel: no channel named "${String(channelName)}"`, { channel: ["no such channel"] });
  const now = (d.now ?? Date.now)();
  const f: Finding = {
    id: `watchfloor_test|${ch.name}|*`,
    ruleId: "watchfloor_test",
    system: "watchfloor",
    kind: "trading-bot",
    entity: "*",
    state: "warning",
    severity: "SEV3",
    title: "Test notification",
    summary: `Test notification sent by ${actor.displayName} to check the ${ch.name} channel; no action needed.`,
    since: now,
    lastEvaluated: now,
    evidence: { values: [] },
    runbook: "index",
  };
  const consoleUrl = d.config.consoleUrl ?? "http://localhost:3000";
  // PagerDuty: a trigger and its resolve, so the test leaves no open alert behind.
  const events =
    ch.type === "pagerduty" || ch.type === "alertmanager" ? (["firing", "resolve"] as const) : (["firing"] as const);
  const nonce = `${now}-${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  await d.db.transaction(async (tx) => {
    n = await enqueue(
      tx,
      events.map((event, i) => ({
        dedupKey: `${ch.name}|test|${nonce}|${i}`,
        channel: ch.name,
        channelType: ch.type,
        findingId: null,
        event: i === 0 ? "test" : "resolve",
        summary: i === 0 ? `Test notification by ${actor.displayName}` : "Test notification resolved",
        payload: renderFor(ch, event, i === 0 ? f : { ...f, state: "ok" }, {
          now,
          consoleUrl,
          key: `${ch.name}|test|${nonce}|${i}`,
        }),
      })),
      now,
    );
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "notify.test",
      target: ch.name,
      params: { type: ch.type },
      outcome: "succeeded",
    });
  });
  return { outboxIds: n };
}

// ── Silences ──────────────────────────────────────────────────────────────────────────────────

const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      v === undefined ? [] : (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean),
    )
    .pipe(z.array(item));

export const SilenceMatchersInput = z.object({
  system: list(z.string().max(100)),
  entity: list(z.string().max(200)),
  rule: list(z.string().max(100)),
  severity: list(z.enum(SEVERITIES, { error: "must be SEV1, SEV2 or SEV3" })),
});

const dateField = (name: string) =>
  z.union([z.date(), z.string().min(1, `${name} is required`), z.number()]).transform((v, ctx) => {
    const t = v instanceof Date ? v.getTime() : typeof v === "number" ? v : Date.parse(v);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: "custom", message: `${name} is not a date and time` });
      return z.NEVER;
    }
    return t;
  });

export const CreateSilenceInput = z.object({
  kind: z.enum(["silence", "maintenance"]).default("silence"),
  matchers: SilenceMatchersInput,
  startsAt: dateField("start").optional(),
  endsAt: dateField("end"),
  reason: z.string().trim().min(3, "give a reason (at least 3 characters)").max(500),
  ticketId: z.string().trim().min(1, "a ticket ID is required"),
});
export type CreateSilenceInput = z.input<typeof CreateSilenceInput>;

function fieldErrors(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of err.issues) {
    const key = i.path.filter((p) => typeof p === "string").join(".") || "form";
    (out[key] ??= []).push(i.message);
  }
  return out;
}

export interface SilencePreview {
  matching: Pick<Finding, "id" | "system" | "entity" | "ruleId" | "severity" | "state" | "summary">[];
  warnings: string[];
}

function toMatchers(m: z.infer<typeof SilenceMatchersInput>): SilenceMatchers {
  const out: SilenceMatchers = {};
  if (m.system.length) out.system = m.system;
  if (m.entity.length) out.entity = m.entity;
  if (m.rule.length) out.rule = m.rule;
  if (m.severity.length) out.severity = m.severity;
  return out;
}

/** Which current (not ok) findings a set of matchers would mute. */
export async function previewSilence(
  d: NotifyDeps,
  actor: Actor | null,
  matchersInput: unknown,
): Promise<SilencePreview> {
  requireRole(actor, "responder");
  const parsed = SilenceMatchersInput.safeParse(matchersInput ?? {});
  if (!parsed.success) throw new Invalid("Some matchers are not valid.", fieldErrors(parsed.error));
  const m = toMatchers(parsed.data);
  const findings = (await d.findings?.()) ?? [];
  const matching = findings
    .filter((f) => f.state !== "ok" && silenceMatches(m, f))
    .map((f) => ({
      id: f.id,
      system: f.system,
      entity: f.entity,
      ruleId: f.ruleId,
      severity: f.severity,
      state: f.state,
      summary: f.summary,
    }));
  const warnings: string[] = [];
  if (Object.keys(m).length === 0) warnings.push("No matchers: this silences every finding of every system.");
  if (matching.length === 0)
    warnings.push("This matches no current finding (it will still mute matching findings that appear while it runs).");
  return { matching, warnings };
}

/**
 * Creates a silence or maintenance window (responder or above). A silence that could mute a SEV1
 * for longer than the configured limit (default 4 h) needs a commander.
 */
export async function createSilence(
  d: NotifyDeps,
  actor: Actor | null,
  input: unknown,
): Promise<{ silence: SilenceRow; warnings: string[] }> {
  requireRole(actor, "responder");
  const parsed = CreateSilenceInput.safeParse(input);
  if (!parsed.success) throw new Invalid("The silence has problems; see the fields.", fieldErrors(parsed.error));
  const v = parsed.data;
  const now = (d.now ?? Date.now)();
  const startsAt = v.startsAt ?? now;
  const errors: Record<string, string[]> = {};
  if (!new RegExp(d.ticketPattern).test(v.ticketId))
    errors.ticketId = [`must look like a ticket ID (pattern ${d.ticketPattern}, e.g. OPS-123)`];
  if (v.endsAt <= startsAt) errors.endsAt = ["must be after the start"];
  if (v.endsAt <= now) errors.endsAt = [...(errors.endsAt ?? []), "must be in the future"];
  const maxMs = d.config.silences.maxHours * 3_600_000;
  if (v.endsAt - startsAt > maxMs)
    errors.endsAt = [...(errors.endsAt ?? []), `a silence may last at most ${d.config.silences.maxHours} h`];
  if (v.kind === "maintenance" && v.matchers.system.length === 0)
    errors["matchers.system"] = ["a maintenance window names the system(s) it covers"];
  if (Object.keys(errors).length) throw new Invalid("The silence has problems; see the fields.", errors);
  const matchers = toMatchers(v.matchers);
  const sev1Limit = d.config.silences.sev1CommanderHours * 3_600_000;
  const coversSev1 = !matchers.severity || matchers.severity.includes("SEV1");
  if (coversSev1 && v.endsAt - startsAt > sev1Limit && !roleAtLeast(actor.role, "commander")) {
    throw new Invalid(
      `A silence that can mute SEV1 findings for longer than ${d.config.silences.sev1CommanderHours} h needs a commander.`,
      {
        endsAt: [
          `longer than ${d.config.silences.sev1CommanderHours} h for SEV1: shorten it, exclude SEV1, or ask a commander`,
        ],
      },
    );
  }
  const preview = await previewSilence(d, actor, v.matchers);
  const row = await d.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(silences)
      .values({
        kind: v.kind,
        matchers,
        startsAt: new Date(startsAt),
        endsAt: new Date(v.endsAt),
        reason: v.reason,
        ticketId: v.ticketId,
        createdById: actor.id,
        createdByName: actor.displayName,
        createdAt: new Date(now),
      })
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: `${v.kind}.create`,
      target: created!.id,
      reason: v.reason,
      ticketId: v.ticketId,
      params: {
        matchers,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(v.endsAt).toISOString(),
        matchingNow: preview.matching.length,
      },
      outcome: "succeeded",
    });
    // A silence in force now is a transition of every open finding it mutes (their history and
    // replay show it); the finding itself is copied from its stored row by the table's trigger.
    if (startsAt <= now && preview.matching.length)
      await tx.insert(findingTransitions).values(
        preview.matching.map((f) => ({
          findingId: f.id,
          kind: "silence" as const,
          fromState: f.state,
          toState: f.state,
          severity: f.severity,
          summary: `${v.kind === "maintenance" ? "Maintenance window" : "Silenced"} by ${actor.displayName} until ${new Date(v.endsAt).toISOString()} (${v.ticketId})`,
          at: new Date(now),
          actorName: actor.displayName,
          detail: { silenceId: created!.id, until: v.endsAt, ticketId: v.ticketId, kind: v.kind },
        })),
      );
    return created!;
  });
  d.onSilencesChanged?.();
  return { silence: row, warnings: preview.warnings };
}

async function liveSilence(d: NotifyDeps, id: unknown): Promise<SilenceRow> {
  const parsed = z.uuid().safeParse(id);
  if (!parsed.success) throw new Invalid("silence: malformed id", { id: ["malformed id"] });
  const [row] = await d.db.select().from(silences).where(eq(silences.id, parsed.data));
  if (!row) throw new NotFound("That silence does not exist.");
  const now = (d.now ?? Date.now)();
  if (row.endedAt || row.endsAt.getTime() <= now) throw new Conflict("That silence has already ended.");
  return row;
}

/** Extends a running or scheduled silence: only a later end is accepted (audited). */
export async function extendSilence(
  d: NotifyDeps,
  actor: Actor | null,
  id: unknown,
  endsAtInput: unknown,
): Promise<SilenceRow> {
  requireRole(actor, "responder");
  const row = await liveSilence(d, id);
  const parsed = dateField("end").safeParse(endsAtInput);
  if (!parsed.success) throw new Invalid("end: not a date and time", { endsAt: ["not a date and time"] });
  const endsAt = parsed.data;
  if (endsAt <= row.endsAt.getTime())
    throw new Invalid("A silence can only be extended: the new end must be later.", {
      endsAt: ["must be later than the current end"],
    });
  const startsAt = row.startsAt.getTime();
  if (endsAt - startsAt > d.config.silences.maxHours * 3_600_000)
    throw new Invalid(`A silence may last at most ${d.config.silences.maxHours} h.`, {
      endsAt: [`at most ${d.config.silences.maxHours} h from its start`],
    });
  const m = row.matchers as SilenceMatchers;
  if (
    (!m.severity || m.severity.includes("SEV1")) &&
    endsAt - startsAt > d.config.silences.sev1CommanderHours * 3_600_000 &&
    !roleAtLeast(actor.role, "commander")
  ) {
    throw new Invalid(
      `Muting SEV1 findings for longer than ${d.config.silences.sev1CommanderHours} h needs a commander.`,
      { endsAt: ["needs a commander"] },
    );
  }
  const updated = await d.db.transaction(async (tx) => {
    const [u] = await tx
      .update(silences)
      .set({ endsAt: new Date(endsAt) })
      .where(and(eq(silences.id, row.id), isNull(silences.endedAt)))
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: `${row.kind}.extend`,
      target: row.id,
      ticketId: row.ticketId,
      params: { from: row.endsAt.toISOString(), to: new Date(endsAt).toISOString() },
      outcome: "succeeded",
    });
    return u!;
  });
  d.onSilencesChanged?.();
  return updated;
}

/** Ends a silence now (audited); notifications for still-firing findings resume. */
export async function endSilence(d: NotifyDeps, actor: Actor | null, id: unknown): Promise<SilenceRow> {
  requireRole(actor, "responder");
  const row = await liveSilence(d, id);
  const now = new Date((d.now ?? Date.now)());
  const updated = await d.db.transaction(async (tx) => {
    const [u] = await tx
      .update(silences)
      .set({ endedAt: now, endedByName: actor.displayName })
      .where(and(eq(silences.id, row.id), isNull(silences.endedAt)))
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: `${row.kind}.end`,
      target: row.id,
      ticketId: row.ticketId,
      params: { plannedEnd: row.endsAt.toISOString() },
      outcome: "succeeded",
    });
    return u!;
  });
  d.onSilencesChanged?.();
  return updated;
}

/** Silences and maintenance windows that have not ended (running or scheduled), soonest end first. */
export async function listSilences(
  d: NotifyDeps,
  actor: Actor | null,
): Promise<(SilenceRow & { scheduled: boolean })[]> {
  requireRole(actor, "viewer");
  const now = new Date((d.now ?? Date.now)());
  const rows = await d.db
    .select()
    .from(silences)
    .where(and(isNull(silences.endedAt), gt(silences.endsAt, now)))
    .orderBy(silences.startsAt);
  return rows.map((r) => ({ ...r, scheduled: r.startsAt > now }));
}
