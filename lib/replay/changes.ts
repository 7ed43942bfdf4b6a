import { and, asc, eq, gte, inArray, lte, ne, or, sql } from "drizzle-orm";
import { rowsOf, type Db } from "../db/client";
import { controlRequests, findingTransitions, silences, sourceFreshnessChanges } from "../db/schema";
import type { Finding } from "../rules/types";
import { SYMBOL_MODES } from "../telemetry/sources/schemas/spot-exchange";

// "What changed before it went red": every change the console knows of in the window before a
// finding's or an incident's onset, in time order, each with a link to its evidence. Read from the
// database only: control requests, source freshness changes, symbol-mode and feature-flag values
// the targets reported, silences created and other findings that opened.

export const DEFAULT_WINDOW_MINUTES = 30;

export type ChangeKind = "control" | "source" | "symbol-mode" | "flag" | "silence" | "finding";

export interface Change {
  at: number;
  kind: ChangeKind;
  system: string;
  text: string;
  /** Where its evidence is: the audit records of a control, the sources screen, a finding … */
  href: string;
  /** A short label for the link. */
  evidence: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A control's parameters in a few words ("symbol=BTC-USD mode=HARD_HALT"). */
function paramWords(params: unknown): string {
  if (!params || typeof params !== "object") return "";
  return Object.entries(params as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== "object")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
}

/**
 * The changes in [from, to], oldest first. `exclude` leaves out the subject finding's own
 * transitions (its onset is the end of the window, not a change before it).
 */
export async function listChanges(db: Db, o: { from: number; to: number; exclude?: string }): Promise<Change[]> {
  const from = new Date(o.from);
  const to = new Date(o.to);
  const out: Change[] = [];

  const controls = await db
    .select()
    .from(controlRequests)
    .where(
      or(
        and(gte(controlRequests.createdAt, from), lte(controlRequests.createdAt, to)),
        and(gte(controlRequests.finishedAt, from), lte(controlRequests.finishedAt, to)),
      ),
    )
    .orderBy(asc(controlRequests.createdAt));
  for (const r of controls) {
    const params = paramWords(r.params);
    const at = (r.finishedAt ?? r.createdAt).getTime();
    out.push({
      at: Math.min(at, o.to),
      kind: "control",
      system: r.target,
      text: `Control ${r.control}${params ? ` (${params})` : ""} on ${r.target} by ${r.actorName}, ticket ${r.ticketId}: ${r.state.replace(/_/g, " ")}${r.resultSummary ? ` — ${r.resultSummary}` : ""}`,
      href: `/audit?${new URLSearchParams({ target: r.target, ticket: r.ticketId })}`,
      evidence: "audit records",
    });
  }

  const sourceRows = await db
    .select()
    .from(sourceFreshnessChanges)
    .where(and(gte(sourceFreshnessChanges.at, from), lte(sourceFreshnessChanges.at, to)))
    .orderBy(asc(sourceFreshnessChanges.at));
  for (const r of sourceRows) {
    const text =
      r.freshness === "ok"
        ? `${r.system}: source fresh`
        : `${r.system}: source went ${r.freshness.replace(/_/g, " ")}${r.lastError ? ` — ${r.lastError}` : ""}`;
    out.push({
      at: r.at.getTime(),
      kind: "source",
      system: r.system,
      text,
      href: `/sources`,
      evidence: "sources",
    });
  }

  // Symbol modes and feature flags as the targets reported them: each change of a stored value.
  const reported = rowsOf<{
    system: string;
    entity: string;
    metric: string;
    value: number;
    prev: number;
    at: string | Date;
  }>(
    await db.execute(sql`
      select system, entity, metric, value, prev, observed_at as at from (
        select system, entity, metric, value, observed_at,
               lag(value) over (partition by series_key order by observed_at) as prev
        from telemetry_samples
        where (metric = 'symbol_mode' or metric like 'flag.%')
          and observed_at >= ${iso(o.from - 5 * 60_000)}::timestamptz and observed_at <= ${iso(o.to)}::timestamptz
      ) s
      where prev is not null and prev <> value and observed_at >= ${iso(o.from)}::timestamptz
      order by observed_at`),
  );
  for (const r of reported) {
    const at = new Date(r.at).getTime();
    if (r.metric === "symbol_mode") {
      const mode = (v: number) => SYMBOL_MODES[v] ?? String(v);
      out.push({
        at,
        kind: "symbol-mode",
        system: r.system,
        text: `${r.system}: ${r.entity} symbol mode ${mode(Number(r.prev))} → ${mode(Number(r.value))} (reported by the target)`,
        href: `/exchange?${new URLSearchParams({ range: "1h", at: iso(at) })}`,
        evidence: "exchange panels then",
      });
    } else {
      out.push({
        at,
        kind: "flag",
        system: r.system,
        text: `${r.system}: flag ${r.metric.slice("flag.".length)} ${r.prev} → ${r.value} (reported by the target)`,
        href: `/profiles`,
        evidence: "profiles",
      });
    }
  }

  const silenceRows = await db
    .select()
    .from(silences)
    .where(and(gte(silences.createdAt, from), lte(silences.createdAt, to)))
    .orderBy(asc(silences.createdAt));
  for (const r of silenceRows) {
    const m = r.matchers as { system?: string[] };
    out.push({
      at: r.createdAt.getTime(),
      kind: "silence",
      system: (m.system ?? []).join(", ") || "every system",
      text: `${r.kind === "maintenance" ? "Maintenance window" : "Silence"} created by ${r.createdByName} until ${iso(r.endsAt.getTime())}, ticket ${r.ticketId}: ${r.reason}`,
      href: `/silences`,
      evidence: "silences",
    });
  }

  const opened = await db
    .select()
    .from(findingTransitions)
    .where(
      and(
        eq(findingTransitions.kind, "state"),
        gte(findingTransitions.at, from),
        lte(findingTransitions.at, to),
        // Findings that began to fire (warning or critical); a finding going Unknown is a source
        // going stale, listed as such.
        inArray(findingTransitions.toState, ["warning", "critical"]),
        or(sql`${findingTransitions.fromState} is null`, inArray(findingTransitions.fromState, ["ok", "unknown"])),
        ...(o.exclude ? [ne(findingTransitions.findingId, o.exclude)] : []),
      ),
    )
    .orderBy(asc(findingTransitions.at));
  for (const t of opened) {
    const f = t.finding as Finding | null;
    const system = f?.system ?? t.findingId.split("|")[1] ?? "";
    out.push({
      at: t.at.getTime(),
      kind: "finding",
      system,
      text: `${f?.title ?? t.findingId} opened (${t.severity} ${t.toState})${f?.entity && f.entity !== "*" ? ` for ${f.entity}` : ""} on ${system}: ${t.summary}`,
      href: `/findings/${encodeURIComponent(t.findingId)}`,
      evidence: "finding",
    });
  }

  return out.sort((a, b) => a.at - b.at);
}
