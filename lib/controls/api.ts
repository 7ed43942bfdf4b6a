import "server-only";
import { getDatabase, getDb } from "../db";
import { getFleetConfig } from "../config/current";
import { readNamedSecret } from "../env";
import { requireRole, roleAtLeast, type Actor } from "../auth/roles";
import type { FleetConfig } from "../config/fleet";
import { controlsFor, minRoleFor, policyTable, settingsFromConfig, type ControlSettings } from "./catalog";
import { choicesOf } from "./state";
import { readTargetState } from "./target-client";
import * as svc from "./service";

// Entry points for pages and server actions: the process database and fleet config, then the
// service, which authorises the actor itself.

/** Control settings from the fleet config (`controls.criticalControls`, `secondPerson`, `policy`). */
export function controlSettings(cfg: FleetConfig): ControlSettings {
  return settingsFromConfig(cfg.controls);
}

async function deps(): Promise<svc.ControlDeps> {
  const config = getFleetConfig();
  return { db: await getDb(), config, secret: readNamedSecret, settings: controlSettings(config) };
}

export async function executeControl(actor: Actor | null, request: unknown) {
  return svc.executeControl(await deps(), actor, request);
}
export async function previewControl(actor: Actor | null, request: unknown) {
  return svc.previewControl(await deps(), actor, request);
}
export async function approveControl(actor: Actor | null, requestId: unknown) {
  return svc.approveControl(await deps(), actor, requestId);
}
export async function rejectControl(actor: Actor | null, requestId: unknown, note?: unknown) {
  return svc.rejectControl(await deps(), actor, requestId, note);
}
export async function resendUnknownControl(actor: Actor | null, requestId: unknown) {
  return svc.resendUnknownControl(await deps(), actor, requestId);
}

/** How often a console on PostgreSQL looks for calls another (dead) instance left without an outcome. */
const RECOVERY_EVERY_MS = 15_000;

/**
 * Start-up hook (lib/boot.ts): requests left without an outcome by a crash become
 * `outcome unknown` (or `failed` when the call was never made), audited.
 *
 * With the embedded database this process is the only one that can have made a call, so every
 * request still `executing` at start-up was left by a process that died: all are swept at once.
 * With PostgreSQL another instance may be mid-call right now, so only requests untouched for
 * longer than any call may take are swept, at start-up and then periodically (which also catches
 * a crashed instance that is never restarted).
 */
export async function startControlRecovery(): Promise<void> {
  const handle = await getDatabase();
  const config = getFleetConfig();
  const longestCallMs = Math.max(5000, ...config.targets.map((t) => svc.callTimeoutFor(config, t)));
  const olderThanMs = Math.max(30_000, 2 * longestCallMs);
  const sweep = async (age: number) => {
    try {
      const marked = await svc.recoverInterruptedControls(handle.db, { olderThanMs: age });
      if (marked.length)
        console.warn(
          `[watchfloor] ${marked.length} control request(s) had no outcome after a restart; marked for review on /controls`,
        );
    } catch (err) {
      console.error("[watchfloor] control recovery sweep failed:", (err as Error).message);
    }
  };
  await sweep(handle.kind === "pglite" ? 0 : olderThanMs);
  if (handle.kind === "postgres") setInterval(() => void sweep(olderThanMs), RECOVERY_EVERY_MS).unref();
}

export interface ControlsScreenTarget {
  name: string;
  label: string;
  kind: string;
  simulated: boolean;
  controls: { id: string; title: string; summary: string; source: string }[];
  choices: { symbols: string[]; profiles: string[] };
  stateError: string | null;
}

/** Everything the Controls screen shows, filtered to what this actor's role may run. */
export async function getControlsView(actor: Actor | null) {
  requireRole(actor, "viewer");
  const d = await deps();
  const settings = d.settings as ControlSettings;
  // Sweeps that keep the lists honest: expired approvals, and calls stuck with no outcome.
  await svc.expirePendingApprovals(d);
  await svc.recoverInterruptedControls(d.db, { olderThanMs: 5 * 60_000 });
  // Generic exporters (prometheus, http-json) are watched, never controlled: not listed here.
  const targets: ControlsScreenTarget[] = await Promise.all(
    d.config.targets
      .filter((t) => controlsFor(t.kind).length > 0)
      .map(async (t) => {
        const read = roleAtLeast(actor.role, "responder")
          ? await readTargetState({
              target: t,
              token: t.credentials.bearerTokenEnv ? d.secret(t.credentials.bearerTokenEnv) : undefined,
              timeoutMs: 1500,
            })
          : null;
        return {
          name: t.name,
          label: t.label ?? t.name,
          kind: t.kind,
          simulated: t.simulated,
          controls: controlsFor(t.kind)
            .filter((c) => roleAtLeast(actor.role, minRoleFor(c, settings)))
            .map((c) => ({ id: c.id, title: c.title, summary: c.summary, source: c.source })),
          choices: read?.ok ? choicesOf(read.state) : { symbols: [], profiles: [] },
          stateError: read && !read.ok ? read.error : null,
        };
      }),
  );
  const [pending, unknown, recent] = await Promise.all([
    svc
      .listControlRequests(d.db, actor, { states: ["pending_approval"], limit: 100 })
      .then((v) => svc.withRestores(d.db, v)),
    svc.listControlRequests(d.db, actor, { states: ["outcome_unknown"], limit: 100 }),
    svc.listControlRequests(d.db, actor, { limit: 30 }),
  ]);
  return {
    targets,
    pending,
    unknown,
    recent,
    settings: {
      ticketPattern: d.config.controls.ticketPattern,
      ticketUrlTemplate: d.config.controls.ticketUrlTemplate ?? null,
      approvalTtlMinutes: d.config.controls.approvalTtlMinutes,
      rateLimitPerMinute: d.config.controls.rateLimitPerMinute,
      critical: settings.critical,
      secondPerson: settings.secondPerson,
      policy: settings.policy,
    },
    policyTable: policyTable(settings),
  };
}

/** One request by id, for the requester's live view. */
export async function getControlRequest(actor: Actor | null, id: unknown) {
  return svc.getControlRequest(await getDb(), actor, id);
}

/** Requests waiting for this actor's approval (the navigation badge and the board's banner). */
export async function approvalsWaitingFor(actor: Actor | null) {
  return svc.approvalsWaitingFor({ db: await getDb() }, actor);
}

/** A system's display name from the fleet config ("Spot exchange"), or its id when it has none. */
export function systemLabels(): Record<string, string> {
  return Object.fromEntries(getFleetConfig().targets.map((t) => [t.name, t.label ?? t.name]));
}

export { canDecide } from "./service";
export type { ControlRequestView, ControlPreview, Protection } from "./service";

/** The fleet config's ticket link template (`controls.ticketUrlTemplate`), or null. */
export function ticketUrlTemplate(): string | null {
  return getFleetConfig().controls.ticketUrlTemplate ?? null;
}
