"use client";

import Link from "next/link";
import { createContext, memo, useContext, useState, useTransition } from "react";
import type { BoardFinding } from "@/lib/board/snapshot";
import { RUNBOOKS } from "@/lib/rules/runbooks";
import type { ActionResult } from "@/lib/errors";
import { Badge } from "../ui/badge";
import { Ago, useClock } from "../ui/clock";
import { age, utcDateTime, utcMinute } from "@/lib/core/time";
import { AcknowledgeControl, IncidentLinkOrOpen, type AcknowledgeAction } from "./finding-actions";

export type { AcknowledgeAction } from "./finding-actions";

const STATE_LOOK: Record<string, { tone: "sev1" | "sev2" | "sev3" | "unknown" | "ok"; icon: string; label: string }> = {
  critical: { tone: "sev1", icon: "▲", label: "critical" },
  warning: { tone: "sev2", icon: "◆", label: "warning" },
  unknown: { tone: "unknown", icon: "?", label: "unknown" },
  ok: { tone: "ok", icon: "✓", label: "cleared" },
};

export type ConfirmHandledAction = (input: {
  findingId: string;
  reason: string;
  ticketId: string;
}) => Promise<ActionResult<{ by: string; at: number }>>;

/** "confirmed by Casey Commander at 2026-01-05 10:12 UTC (OPS-12)". */
export function confirmedWords(c: NonNullable<BoardFinding["confirmed"]>): string {
  return `confirmed by ${c.by} at ${utcMinute(c.at)} (${c.ticketId})`;
}

/**
 * A commander's way back to green for a counter-based finding: the violations counted so far were
 * handled. Reason and ticket ID are required and audited; a new violation fires the finding again.
 */
function ConfirmHandled({ f, confirm }: { f: BoardFinding; confirm: ConfirmHandledAction }) {
  const [pending, start] = useTransition();
  const [errors, setErrors] = useState<{ message?: string; fields?: Record<string, string[]> }>({});
  const [reason, setReason] = useState("");
  const [ticketId, setTicketId] = useState("");
  const base = `confirm-${f.id.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <details className="mt-2 rounded-md border border-line p-2 text-sm">
      <summary className="min-h-10 cursor-pointer content-center font-medium">Confirm handled…</summary>
      <form
        className="mt-2 space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          start(async () => {
            const r = await confirm({ findingId: f.id, reason, ticketId });
            if (r.ok) {
              setErrors({});
              setReason("");
              setTicketId("");
            } else setErrors({ message: r.message, fields: r.fieldErrors });
          });
        }}
      >
        <p className="text-xs text-muted">
          Confirms {f.confirmable}. The finding returns to ok and fires again on any new violation. Recorded in the
          audit log.
        </p>
        <label htmlFor={`${base}-reason`} className="block text-xs font-medium">
          Reason
        </label>
        <textarea
          id={`${base}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          required
          minLength={10}
          aria-invalid={errors.fields?.reason ? true : undefined}
          aria-describedby={errors.fields?.reason ? `${base}-reason-error` : undefined}
          className="w-full rounded-md border border-line bg-surface p-2"
        />
        {errors.fields?.reason ? (
          <p id={`${base}-reason-error`} className="text-xs text-sev1">
            Reason: {errors.fields.reason[0]}
          </p>
        ) : null}
        <label htmlFor={`${base}-ticket`} className="block text-xs font-medium">
          Ticket ID
        </label>
        <input
          id={`${base}-ticket`}
          value={ticketId}
          onChange={(e) => setTicketId(e.target.value)}
          required
          placeholder="OPS-123"
          aria-invalid={errors.fields?.ticketId ? true : undefined}
          aria-describedby={errors.fields?.ticketId ? `${base}-ticket-error` : undefined}
          className="min-h-10 w-full rounded-md border border-line bg-surface px-2"
        />
        {errors.fields?.ticketId ? (
          <p id={`${base}-ticket-error`} className="text-xs text-sev1">
            Ticket ID: {errors.fields.ticketId[0]}
          </p>
        ) : null}
        <button
          type="submit"
          disabled={pending}
          className="min-h-10 rounded-md border border-line px-3 font-medium hover:bg-surface-2"
        >
          {pending ? "Confirming…" : "Confirm handled"}
        </button>
        {errors.message && !errors.fields ? (
          <p role="alert" className="text-xs text-sev1">
            {errors.message}
          </p>
        ) : null}
      </form>
    </details>
  );
}

/** "Escalate in 4 min" or "Escalate now", against the page clock. */
function Escalation({ due, escalation }: { due: number; escalation?: string }) {
  const left = due - useClock();
  return (
    <p className={`mt-1 text-xs font-semibold ${left <= 0 ? "text-sev1" : "text-sev2"}`}>
      {left <= 0 ? "Escalate now" : `Escalate in ${age(left)}`}
      {escalation ? ` — ${escalation}` : ""}
    </p>
  );
}

/** When each system's data last arrived, by system name: read by the data-age text on the cards. */
export const SystemDataTimes = createContext<ReadonlyMap<string, number | undefined>>(new Map());

/** Each system's label from the fleet config, by system name: cards name a system the way its tile does. */
export const SystemLabels = createContext<ReadonlyMap<string, string>>(new Map());

/** The system's label, with its id (from the sm breakpoint up) when the two differ: logs and alerts use the id. */
export function SystemName({ system }: { system: string }) {
  const label = useContext(SystemLabels).get(system) ?? system;
  return label === system ? (
    <>{system}</>
  ) : (
    <>
      {label}
      <span className="hidden font-mono sm:inline"> ({system})</span>
    </>
  );
}

/** "12 s" since the finding's system last delivered data, or "unknown". */
function DataAge({ system }: { system: string }) {
  const at = useContext(SystemDataTimes).get(system);
  return at ? <Ago at={at} /> : <>unknown</>;
}

type CardProps = {
  f: BoardFinding;
  simulated: boolean;
  acknowledge?: AcknowledgeAction | undefined;
  confirm?: ConfirmHandledAction | undefined;
  /** On a replayed board: nothing to act on, only what was so then. */
  replay?: boolean | undefined;
};

/**
 * Whether a card would look the same. Each evaluation cycle stamps every finding with a new
 * `lastEvaluated`, which the card does not show; comparing without it keeps unchanged cards from
 * rendering again on every snapshot.
 */
function sameCard(a: CardProps, b: CardProps): boolean {
  if (
    a.simulated !== b.simulated ||
    a.acknowledge !== b.acknowledge ||
    a.confirm !== b.confirm ||
    a.replay !== b.replay
  )
    return false;
  if (a.f === b.f) return true;
  const { lastEvaluated: _a, ...fa } = a.f;
  const { lastEvaluated: _b, ...fb } = b.f;
  return JSON.stringify(fa) === JSON.stringify(fb);
}

/**
 * One finding on the board. Memoised: its ages tick on their own and its data age reads
 * SystemDataTimes, so a card renders again only when what it shows changes.
 */
export const FindingCard = memo(function FindingCard({ f, simulated, acknowledge, confirm, replay }: CardProps) {
  const look = STATE_LOOK[f.state] ?? STATE_LOOK.unknown!;
  const runbook = (RUNBOOKS as Record<string, { title: string }>)[f.runbook];
  return (
    <article
      aria-labelledby={`f-${f.id}`}
      className="rounded-lg border border-line bg-surface p-3 shadow-sm"
      data-finding={f.id}
      data-rule={f.ruleId}
    >
      <div className="flex flex-wrap items-center gap-1.5">
        <Badge tone={look.tone} title={`State: ${look.label}`}>
          <span aria-hidden="true">{look.icon}</span> {f.severity} {look.label}
        </Badge>
        <span className="text-xs text-muted">
          <SystemName system={f.system} />
          {f.entity !== "*" ? (
            <>
              {" "}
              · <span className="font-mono">{f.entity}</span>
            </>
          ) : null}
        </span>
        {simulated ? <Badge title="Raised by the built-in simulator">simulated</Badge> : null}
      </div>
      <h3 id={`f-${f.id}`} className="mt-1.5 font-semibold leading-snug">
        <Link href={`/findings/${encodeURIComponent(f.id)}`} className="hover:underline">
          {f.title}
        </Link>
      </h3>
      <p className="mt-1 text-sm">{f.summary}</p>
      {f.entity === "*" && f.affected?.length ? (
        <p className="mt-1 text-xs" data-affected="">
          Named by the signal: <span className="font-mono">{f.affected.join(", ")}</span>
        </p>
      ) : null}
      {f.evidence.values.length ? (
        <dl className="mt-2 grid grid-cols-[fit-content(50%)_1fr] gap-x-3 gap-y-0.5 text-xs">
          {f.evidence.values.slice(0, 3).map((v) => (
            <div key={v.label} className="contents">
              <dt className="text-muted">{v.label}</dt>
              <dd className="font-mono break-words">{String(v.value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <p className="mt-2 text-xs text-muted">
        Since <Ago at={f.since} /> ago ({utcDateTime(f.since)}) · data age <DataAge system={f.system} />
      </p>
      {f.escalationDueAt !== undefined ? <Escalation due={f.escalationDueAt} escalation={f.escalation} /> : null}
      {f.confirmed ? (
        <p className="mt-1 text-xs text-muted" data-confirmed="">
          Earlier violations {confirmedWords(f.confirmed)}; new ones since.
        </p>
      ) : null}
      {f.control ? (
        <p className="mt-1 text-xs" data-finding-control={f.control.requestId}>
          After the control “{f.control.description}” ·{" "}
          <a className="text-accent underline" href={`/audit?ticket=${encodeURIComponent(f.control.ticketId)}`}>
            audit record{f.control.auditSeq !== null ? ` row ${f.control.auditSeq}` : ""}
          </a>
        </p>
      ) : null}
      {f.confirmable && confirm && f.state !== "ok" ? <ConfirmHandled f={f} confirm={confirm} /> : null}
      {/* Paging: notifications are muted; the finding itself stays on the board. */}
      {f.silenced ? (
        <p className="mt-1 text-xs text-muted" data-silenced>
          🔕 {f.silenced.kind === "maintenance" ? "Maintenance" : "Silenced"} until{" "}
          {utcDateTime(f.silenced.until).slice(11, 16)} UTC — {f.silenced.ticketId} — by {f.silenced.by}
        </p>
      ) : null}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <AcknowledgeControl findingId={f.id} onset={f.since} ack={f.ack} acknowledge={acknowledge} />
        {runbook ? (
          <Link
            href={`/runbooks?runbook=${f.runbook}`}
            className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
          >
            Runbook: {runbook.title}
          </Link>
        ) : /^https?:\/\//.test(f.runbook) ? (
          // A rule of your own links to your own runbook.
          <a
            href={f.runbook}
            rel="noreferrer"
            className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
          >
            Runbook (external)
          </a>
        ) : null}
        {replay && !f.incident ? null : <IncidentLinkOrOpen findingId={f.id} incident={f.incident} />}
      </div>
    </article>
  );
}, sameCard);
