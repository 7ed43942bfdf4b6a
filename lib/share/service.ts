import "server-only";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { shareLinks, type ShareLinkRow } from "../db/schema";
import { appendAudit } from "../audit/log";
import { requireRole, type Actor } from "../auth/roles";
import type { FleetConfig } from "../config/fleet";
import { Conflict, Invalid, NotFound } from "../errors";
import { generateShareToken, hashShareToken, isWellFormedToken, sameHash } from "./token";

// Share links for incident commanders: a read-only view of the board or of one incident, with an
// expiry, that can be revoked at once. Commanders and admins create, list and revoke them; every
// creation and revocation is audited in the same transaction (no audit row, no link). The token
// is shown once, at creation; only its hash is stored.

export interface ShareDeps {
  db: Db;
  config: Pick<FleetConfig, "share">;
  now?: () => Date;
}

export const CreateShareLinkInput = z.object({
  scope: z.enum(["board", "incident"], { error: "choose the whole board or one incident" }),
  incidentId: z
    .string()
    .trim()
    .uuid("choose an incident")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  label: z
    .string()
    .trim()
    .max(80, "at most 80 characters")
    .optional()
    .transform((s) => (s ? s : undefined)),
  hours: z.coerce.number({ error: "a number of hours" }).int("whole hours").min(1, "at least 1 hour").optional(),
  /** A fixed moment (ISO 8601 with its zone): the link shows the board as it was then. Empty: live. */
  at: z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const t = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? Date.parse(s) : NaN;
      if (!Number.isFinite(t)) {
        ctx.addIssue({ code: "custom", message: "a time with its zone, e.g. 2026-12-05T03:12:00Z" });
        return z.NEVER;
      }
      return t;
    }),
});
export type CreateShareLinkInput = z.input<typeof CreateShareLinkInput>;

export interface ShareLinkView {
  id: string;
  scope: "board" | "incident";
  incidentId: string | null;
  label: string | null;
  /** The fixed moment the link shows (a replay), or null for the live view. */
  at: number | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
  /** active | expired | revoked, at the time of reading. */
  state: "active" | "expired" | "revoked";
}

export type ShareResolution =
  | { ok: true; link: ShareLinkView }
  | { ok: false; status: 404 | 410; reason: "malformed" | "unknown" | "expired" | "revoked" };

function nowOf(deps: { now?: () => Date }): Date {
  return deps.now?.() ?? new Date();
}

export function toShareView(row: ShareLinkRow, now: Date): ShareLinkView {
  const state = row.revokedAt ? "revoked" : row.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
  return {
    id: row.id,
    scope: row.scope as "board" | "incident",
    incidentId: row.incidentId,
    label: row.label,
    at: row.at?.getTime() ?? null,
    createdBy: row.createdByName,
    createdAt: row.createdAt.getTime(),
    expiresAt: row.expiresAt.getTime(),
    revokedAt: row.revokedAt?.getTime() ?? null,
    revokedBy: row.revokedByName,
    state,
  };
}

/**
 * Creates a link and returns its token once. `incidentExists` lets the caller check an incident
 * id without this module knowing the incident tables.
 */
export async function createShareLink(
  deps: ShareDeps,
  actor: Actor | null,
  input: unknown,
  incidentExists: (id: string) => Promise<boolean> = async () => false,
): Promise<{ link: ShareLinkView; token: string }> {
  requireRole(actor, "commander");
  const parsed = CreateShareLinkInput.safeParse(input ?? {});
  const max = deps.config.share.maxHours;
  const fieldErrors: Record<string, string[]> = {};
  if (!parsed.success)
    for (const i of parsed.error.issues) (fieldErrors[i.path.join(".") || "form"] ??= []).push(i.message);
  const data = parsed.success ? parsed.data : null;
  if (data) {
    if ((data.hours ?? 0) > max) (fieldErrors.hours ??= []).push(`at most ${max} hours (the configured maximum)`);
    if (data.scope === "incident" && !data.incidentId) (fieldErrors.incidentId ??= []).push("choose an incident");
    if (data.at !== undefined && data.at > nowOf(deps).getTime()) (fieldErrors.at ??= []).push("in the future");
    if (data.scope === "incident" && data.incidentId && !(await incidentExists(data.incidentId)))
      (fieldErrors.incidentId ??= []).push("no such incident");
  }
  const keys = Object.keys(fieldErrors);
  if (!data || keys.length) throw new Invalid(`${keys[0]}: ${fieldErrors[keys[0]!]![0]}`, fieldErrors);

  const now = nowOf(deps);
  const hours = data.hours ?? deps.config.share.defaultHours;
  const token = generateShareToken();
  const row = await deps.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(shareLinks)
      .values({
        tokenHash: hashShareToken(token),
        scope: data.scope,
        incidentId: data.scope === "incident" ? data.incidentId! : null,
        label: data.label ?? null,
        at: data.at === undefined ? null : new Date(data.at),
        createdById: actor.id,
        createdByName: actor.username,
        createdAt: now,
        expiresAt: new Date(now.getTime() + hours * 3_600_000),
      })
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "share.create",
      target: data.scope === "incident" ? `incident:${data.incidentId}` : "board",
      params: {
        linkId: r!.id,
        label: data.label ?? null,
        hours,
        expiresAt: r!.expiresAt.toISOString(),
        ...(r!.at ? { at: r!.at.toISOString() } : {}),
      },
      outcome: "created",
      at: now,
    });
    return r!;
  });
  return { link: toShareView(row, now), token };
}

export async function listShareLinks(
  deps: Pick<ShareDeps, "db" | "now">,
  actor: Actor | null,
  opts: { limit?: number } = {},
): Promise<ShareLinkView[]> {
  requireRole(actor, "commander");
  const now = nowOf(deps);
  const rows = await deps.db
    .select()
    .from(shareLinks)
    .orderBy(desc(shareLinks.createdAt))
    .limit(Math.min(opts.limit ?? 100, 500));
  return rows.map((r) => toShareView(r, now));
}

export async function revokeShareLink(
  deps: Pick<ShareDeps, "db" | "now">,
  actor: Actor | null,
  id: unknown,
): Promise<ShareLinkView> {
  requireRole(actor, "commander");
  const linkId = typeof id === "string" ? id.trim() : "";
  if (!/^[0-9a-f-]{36}$/i.test(linkId)) throw new NotFound("No such share link.");
  const now = nowOf(deps);
  const row = await deps.db.transaction(async (tx) => {
    const [r] = await tx
      .update(shareLinks)
      .set({ revokedAt: now, revokedById: actor.id, revokedByName: actor.username })
      .where(and(eq(shareLinks.id, linkId), isNull(shareLinks.revokedAt)))
      .returning();
    if (!r) return null;
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "share.revoke",
      target: r.scope === "incident" ? `incident:${r.incidentId}` : "board",
      params: { linkId: r.id, label: r.label },
      outcome: "revoked",
      at: now,
    });
    return r;
  });
  if (!row) {
    const [exists] = await deps.db.select({ id: shareLinks.id }).from(shareLinks).where(eq(shareLinks.id, linkId));
    if (!exists) throw new NotFound("No such share link.");
    throw new Conflict("This link was already revoked.");
  }
  return toShareView(row, now);
}

/**
 * Checks a token on every request: malformed or unknown → 404, expired or revoked → 410. Needs no
 * actor: the token is the only credential, and it grants nothing but the read-only status view.
 */
export async function resolveShareToken(deps: Pick<ShareDeps, "db" | "now">, token: unknown): Promise<ShareResolution> {
  if (!isWellFormedToken(token)) return { ok: false, status: 404, reason: "malformed" };
  const hash = hashShareToken(token);
  const [row] = await deps.db.select().from(shareLinks).where(eq(shareLinks.tokenHash, hash));
  if (!row || !sameHash(row.tokenHash, hash)) return { ok: false, status: 404, reason: "unknown" };
  const view = toShareView(row, nowOf(deps));
  if (view.state === "revoked") return { ok: false, status: 410, reason: "revoked" };
  if (view.state === "expired") return { ok: false, status: 410, reason: "expired" };
  return { ok: true, link: view };
}
