import "server-only";
import { requireRole, type Actor } from "./auth/roles";
import { getFleetConfig } from "./config/current";
import { effectivePollIntervalMs } from "./config/fleet";
import { getDb } from "./db";
import { sourceStatus } from "./db/schema";
import { freshnessOf, worstFreshness, type Freshness } from "./collector/freshness";
import { getLocalCollector } from "./collector/runtime";
import { getInstanceRole, type InstanceRole } from "./collector/leader";
import type { PartStatus, TargetStatus } from "./collector/collector";
import { partSources } from "./telemetry/sources/parts";
import type { TargetConfig } from "./config/fleet";

export interface SourceView extends Omit<TargetStatus, "freshness"> {
  freshness: Freshness;
  /** When this status was last written by the collector leader. */
  updatedAt?: number;
}

export interface SourcesView {
  sources: SourceView[];
  collector: { role: InstanceRole; instanceId?: string };
  now: number;
}

/**
 * Every configured target with its freshness, recomputed now from the last success and error, so
 * a dead collector or a hung target reads as stale rather than as the last good state.
 */
export async function listSources(actor: Actor | null): Promise<SourcesView> {
  requireRole(actor, "viewer");
  return readSources();
}

/** The same view without a user check: for the board snapshot, which checks its own readers. */
export async function readSources(): Promise<SourcesView> {
  const cfg = getFleetConfig();
  const now = Date.now();
  const live = new Map((getLocalCollector()?.collector.status() ?? []).map((s) => [s.name, s]));
  const stored = new Map<string, { status: TargetStatus; updatedAt: Date }>();
  if (live.size === 0) {
    for (const row of await (await getDb()).select().from(sourceStatus))
      stored.set(row.system, { status: row.status as TargetStatus, updatedAt: row.updatedAt });
  }
  const sources = cfg.targets.map((t): SourceView => {
    const intervalMs = effectivePollIntervalMs(cfg, t);
    const s = live.get(t.name) ?? stored.get(t.name)?.status;
    if (!s) {
      return {
        name: t.name,
        label: t.label ?? t.name,
        kind: t.kind,
        baseUrl: t.baseUrl,
        simulated: t.simulated,
        intervalMs,
        freshness: "no_data",
        pollCount: 0,
        endpoints: [],
        lastSamples: [],
        parts: partsNow(t, undefined, intervalMs, now),
      };
    }
    const errorAt = s.lastError?.at;
    const recomputed = freshnessOf(
      {
        lastSuccessAt: s.lastSuccessAt,
        lastErrorAt: errorAt !== undefined && errorAt >= (s.lastSuccessAt ?? 0) ? errorAt : undefined,
        consecutiveFailures: 0,
      },
      intervalMs,
      now,
    );
    const freshness =
      s.freshness === "error" || s.freshness === "stale" ? worstFreshness([s.freshness, recomputed]) : recomputed;
    // A partial read only means something while the source is otherwise fresh.
    const partial = freshness === "ok" ? s.partial : undefined;
    return {
      ...s,
      label: t.label ?? t.name,
      baseUrl: t.baseUrl,
      simulated: t.simulated,
      intervalMs,
      freshness,
      partial,
      parts: partsNow(t, s.parts, intervalMs, now),
      updatedAt: stored.get(t.name)?.updatedAt.getTime(),
    };
  });
  return { sources, collector: getInstanceRole(), now };
}

/**
 * Each part of a target (health, metrics, ledger, logs) with the adapter the config names now and
 * its endpoint's state from the last status, freshness recomputed so a silent collector reads as
 * stale. A part the status does not know yet (never polled, or the config changed) has no data.
 */
function partsNow(t: TargetConfig, known: PartStatus[] | undefined, intervalMs: number, now: number): PartStatus[] {
  return partSources(t).map((p): PartStatus => {
    const k = known?.find((x) => x.part === p.part && x.endpoint === p.endpoint && x.adapter === p.adapter);
    if (p.endpoint === undefined) return { ...p, freshness: k?.freshness ?? "no_data" };
    if (!k) return { ...p, freshness: "no_data" };
    const errorAt = k.lastError?.at;
    const errorIsLatest = errorAt !== undefined && errorAt >= (k.lastSuccessAt ?? 0);
    const freshness = freshnessOf(
      { lastSuccessAt: k.lastSuccessAt, lastErrorAt: errorIsLatest ? errorAt : undefined, consecutiveFailures: 0 },
      intervalMs,
      now,
    );
    return { ...k, ...p, freshness };
  });
}
