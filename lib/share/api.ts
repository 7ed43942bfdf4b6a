import "server-only";
import { desc, inArray } from "drizzle-orm";
import { getDb } from "../db";
import { getFleetConfig } from "../config/current";
import { controlRequests } from "../db/schema";
import { findControl } from "../controls/catalog";
import { getBoardFeed } from "../live/board-feed";
import type { BoardSnapshot } from "../board/snapshot";
import type { Actor } from "../auth/roles";
import * as svc from "./service";
import { StatusCache } from "./status-cache";
import { readReplayBoard } from "../replay/api";
import { buildStatusSnapshot, type ControlForStatus, type StatusSnapshot } from "./status-view";
import { incidentChoices, incidentExists, incidentsForStatus } from "./incidents";
import { requireRole } from "../auth/roles";

// Entry points for pages, actions and the status route: the process database and fleet config,
// then the service (which authorises the actor, or checks the token, itself).

async function deps(): Promise<svc.ShareDeps> {
  return { db: await getDb(), config: getFleetConfig() };
}

export async function createShareLink(actor: Actor | null, input: unknown) {
  const d = await deps();
  return svc.createShareLink(d, actor, input, (id) => incidentExists(d.db, id));
}
export async function listShareLinks(actor: Actor | null) {
  return svc.listShareLinks(await deps(), actor);
}
export async function revokeShareLink(actor: Actor | null, id: unknown) {
  const result = await svc.revokeShareLink(await deps(), actor, id);
  statusCache().clear();
  return result;
}
export function shareSettings() {
  return getFleetConfig().share;
}
export async function listShareableIncidents(actor: Actor | null) {
  requireRole(actor, "commander");
  return incidentChoices(await getDb());
}

async function controlsInProgress(): Promise<ControlForStatus[]> {
  const db = await getDb();
  const rows = await db
    .select({
      control: controlRequests.control,
      targetKind: controlRequests.targetKind,
      target: controlRequests.target,
      state: controlRequests.state,
      updatedAt: controlRequests.updatedAt,
    })
    .from(controlRequests)
    .where(inArray(controlRequests.state, ["pending_approval", "approved", "executing", "outcome_unknown"]))
    .orderBy(desc(controlRequests.updatedAt))
    .limit(20);
  return rows.map((r) => ({
    title: findControl(r.targetKind, r.control)?.title ?? r.control,
    target: r.target,
    state: r.state,
    updatedAt: r.updatedAt.getTime(),
  }));
}

export type StatusResult = { ok: true; snapshot: StatusSnapshot } | { ok: false; status: 404 | 410; reason: string };

/** The redacted status view for a token, checked on every call. */
export async function getStatusForToken(token: unknown, now = Date.now()): Promise<StatusResult> {
  const db = await getDb();
  const resolved = await svc.resolveShareToken({ db }, token);
  if (!resolved.ok) return { ok: false, status: resolved.status, reason: resolved.reason };
  const link = resolved.link;
  // A link to a fixed moment shows the board replayed at that moment, and no controls in progress
  // (those are now, not then).
  const at = link.at;
  const board = at === null ? (JSON.parse(await getBoardFeed().current()) as BoardSnapshot) : await readReplayBoard(at);
  const incidents = await incidentsForStatus(db, link.scope === "incident" ? link.incidentId : null, now);
  if (link.scope === "incident" && incidents.length === 0) return { ok: false, status: 410, reason: "incident gone" };
  return {
    ok: true,
    snapshot: {
      ...buildStatusSnapshot({
        board,
        link: { scope: link.scope, label: link.label, expiresAt: link.expiresAt },
        incidents,
        controls: at === null ? await controlsInProgress() : [],
        now: at ?? now,
      }),
      ...(at === null ? {} : { replayAt: at }),
    },
  };
}

const CACHE_KEY = Symbol.for("watchfloor.status-cache");
function statusCache(): StatusCache<StatusResult> {
  const g = globalThis as { [CACHE_KEY]?: StatusCache<StatusResult> };
  g[CACHE_KEY] ??= new StatusCache();
  return g[CACHE_KEY];
}

/** getStatusForToken for the status API: a valid link's answer is reused while it is current (status-cache.ts). */
export async function getStatusForTokenCached(token: string, now = Date.now()): Promise<StatusResult> {
  return statusCache().get(
    token,
    now,
    () => getBoardFeed().boardNumber,
    () => getStatusForToken(token, now),
    (r) => (r.ok ? r.snapshot.expiresAt : null),
  );
}
