import "server-only";
import { getDb } from "../db";
import { getFleetConfig } from "../config/current";
import { announce } from "../collector/changes";
import { openFindings } from "../board/current";
import type { Actor } from "../auth/roles";
import * as svc from "./service";

// Entry points for pages and server actions: the process database and fleet config, then the
// service, which authorises the actor itself.

async function deps(): Promise<svc.NotifyDeps> {
  const cfg = getFleetConfig();
  return {
    db: await getDb(),
    config: cfg.notify,
    ticketPattern: cfg.controls.ticketPattern,
    findings: openFindings,
    // The leader's notifier re-reads silences at once, on whichever instance it runs.
    onSilencesChanged: () => announce({ type: "silences" }),
  };
}

export async function listDeliveries(
  actor: Actor | null,
  o: { limit?: number; findingIds?: string[]; since?: number } = {},
) {
  return svc.listDeliveries(await deps(), actor, o);
}
export async function listChannels(actor: Actor | null) {
  return svc.listChannels(await deps(), actor);
}
export async function sendTestNotification(actor: Actor | null, channel: unknown) {
  const r = await svc.sendTestNotification(await deps(), actor, channel);
  announce({ type: "outbox" });
  return r;
}
export async function previewSilence(actor: Actor | null, matchers: unknown) {
  return svc.previewSilence(await deps(), actor, matchers);
}
export async function createSilence(actor: Actor | null, input: unknown) {
  return svc.createSilence(await deps(), actor, input);
}
export async function extendSilence(actor: Actor | null, id: unknown, endsAt: unknown) {
  return svc.extendSilence(await deps(), actor, id, endsAt);
}
export async function endSilence(actor: Actor | null, id: unknown) {
  return svc.endSilence(await deps(), actor, id);
}
export async function listSilences(actor: Actor | null) {
  return svc.listSilences(await deps(), actor);
}
export function silenceLimits() {
  const cfg = getFleetConfig();
  return { ...cfg.notify.silences, ticketPattern: cfg.controls.ticketPattern, systems: cfg.targets.map((t) => t.name) };
}
