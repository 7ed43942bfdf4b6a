"use client";

import Link from "next/link";
import { createContext, memo, useContext, useState, useTransition } from "react";
import type { BoardFinding } from "@/lib/board/snapshot";
import { RUNBOOKS } from "@/lib/rules/runbooks";
import type { ActionResult } from "@/lib/errors";
import { Badge } from "../ui/badge";
import { Ago, relative, useClock } from "../ui/clock";

const STATE_LOOK: Record<string, { tone: "sev1" | "sev2" | "sev3" | "unknown" | "ok"; icon: string; label: string }> = {
  critical: { tone: "sev1", icon: "▲", label: "critical" },
  warning: { tone: "sev2", icon: "◆", label: "warning" },
  unknown: { tone: "unknown", icon: "?", label: "unknown" },
  ok: { tone: "ok", icon: "✓", label: "cleared" },
};

function utc(t: number) {
  return new Date(t).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export type AcknowledgeAction = (findingId: string) => Promise<ActionResult<{ by: string; at: number }>>;

/** "Escalate in 4 min" or "Escalate now", against the page clock. */
function Escalation({ due, escalation }: { due: number; escalation?: string }) {
  const left = due - useClock();
  return (
    <p className={`mt-1 text-xs font-semibold ${left <= 0 ? "text-sev1" : "text-sev2"}`}>
      {left <= 0 ? "Escalate now" : `Escalate in ${relative(left)}`}{escalation ? ` — ${escalation}` : ""}
    </p>
  );
}

/** When each system's data last arrived, by system name: read by the data-age text on the cards. */
export const SystemDataTimes = createContext<ReadonlyMap<string, number | undefined>>(new Map());

/** "12 s" since the finding's system last delivered data, or "unknown". */
function DataAge({ system }: { system: string }) {
  const at = useContext(SystemDataTimes).get(system);
  return at ? <Ago at={at} /> : <>unknown</>;
}

type CardProps = { f: BoardFinding; simulated: boolean; acknowledge?: AcknowledgeAction | undefined };

/**
 * Whether a card would look the same. Each evaluation cycle stamps every finding with a new
 * `lastEvaluated`, which the card does not show; comparing without it keeps unchanged cards from
 * rendering again on every snapshot.
 */
function sameCard(a: CardProps, b: CardProps): boolean {
  if (a.simulated !== b.simulated || a.acknowledge !== b.acknowledge) return false;
  if (a.f === b.f) return true;
  const { lastEvaluated: _a, ...fa } = a.f;
  const { lastEvaluated: _b, ...fb } = b.f;
  return JSON.stringify(fa) === JSON.stringify(fb);
}

/**
 * One finding on the board. Memoised: its ages tick on their own and its data age reads
 * SystemDataTimes, so a card renders again only when what it shows changes.
 */
export const FindingCard = memo(function FindingCard({ f, simulated, acknowledge }: CardProps) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string>();
  const look = STATE_LOOK[f.state] ?? STATE_LOOK.unknown!;
  const runbook = (RUNBOOKS as Record<string, { title: string }>)[f.runbook];
  return (
    <article aria-labelledby={`f-${f.id}`} className="rounded-lg border border-line bg-surface p-3 shadow-sm" data-finding={f.id} data-rule={f.ruleId}>
      <div className="flex flex-wrap items-center gap-1.5">
        <Badge tone={look.tone} title={`State: ${look.label}`}>
          <span aria-hidden="true">{look.icon}</span> {f.severity} {look.label}
        </Badge>
        <span className="font-mono text-xs text-muted">{f.system}{f.entity !== "*" ? ` · ${f.entity}` : ""}</span>
        {simulated ? <Badge title="Raised by the built-in simulator">simulated</Badge> : null}
      </div>
      <h3 id={`f-${f.id}`} className="mt-1.5 font-semibold leading-snug">
        <Link href={`/findings/${encodeURIComponent(f.id)}`} className="hover:underline">{f.title}</Link>
      </h3>
      <p className="mt-1 text-sm">{f.summary}</p>
      {f.evidence.values.length ? (
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
          {f.evidence.values.slice(0, 3).map((v) => (
            <div key={v.label} className="contents">
              <dt className="text-muted">{v.label}</dt>
              <dd className="font-mono">{String(v.value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <p className="mt-2 text-xs text-muted">
        Since <Ago at={f.since} /> ago ({utc(f.since)}) · data age <DataAge system={f.system} />
      </p>
      {f.escalationDueAt !== undefined ? <Escalation due={f.escalationDueAt} escalation={f.escalation} /> : null}
      {/* Paging: notifications are muted; the finding itself stays on the board. */}
      {f.silenced ? (
        <p className="mt-1 text-xs text-muted" data-silenced>
          🔕 {f.silenced.kind === "maintenance" ? "Maintenance" : "Silenced"} until {utc(f.silenced.until).slice(11, 16)} UTC — {f.silenced.ticketId} — by {f.silenced.by}
        </p>
      ) : null}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        {f.ack ? (
          <span className="text-xs text-ok">✓ Acknowledged by {f.ack.by} at {utc(f.ack.at).slice(11)}</span>
        ) : acknowledge ? (
          <button type="button" disabled={pending} onClick={() => start(async () => {
            const r = await acknowledge(f.id);
            setError(r.ok ? undefined : r.message);
          })} className="min-h-10 rounded-md border border-line px-3 text-sm font-medium hover:bg-surface-2">
            {pending ? "Acknowledging…" : "Acknowledge"}
          </button>
        ) : (
          <span className="text-xs text-muted">Not acknowledged</span>
        )}
        {runbook ? <Link href={`/runbooks?runbook=${f.runbook}`} className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline">Runbook: {runbook.title}</Link> : null}
        <Link href={`/incidents?finding=${encodeURIComponent(f.id)}`} className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline">Open incident</Link>
      </div>
      {error ? <p role="alert" className="mt-2 text-xs text-sev1">{error}</p> : null}
    </article>
  );
}, sameCard);
