import Link from "next/link";
import type { IncidentRoomView } from "@/lib/incidents/api";
import { formatParams } from "@/lib/incidents/format";
import { utcClock as clockTime } from "@/lib/core/time";
import { Badge } from "../ui/badge";
import { Ago } from "../ui/clock";
import { TicketId } from "../controls/request-bits";
import { Countdown } from "../charts/countdown";
import { FindingBadge } from "../panels/panel";

// Parts of the incident room that say what needs a person now: the update reminder, control
// requests waiting for a second person, open findings (ok ones folded away, one line per rule),
// and the controls run during the incident with who asked, who approved and what came of it.

type Room = IncidentRoomView;
type Control = Room["controls"][number];

/** A "next update" time that has passed, said at the top of the room. */
export function UpdateReminder({ room }: { room: Room }) {
  const n = room.nextUpdate;
  if (!n?.overdue) return null;
  return (
    <p
      role="alert"
      className="mb-4 rounded-lg border-2 border-sev2 bg-surface p-3 text-sm"
      data-update-overdue={new Date(n.dueAt).toISOString()}
    >
      <span className="font-semibold">
        {n.basis === "first" ? "The first communication update is overdue" : "The next communication update is overdue"}
      </span>
      : it was due at {clockTime(n.dueAt)} (<Ago at={n.dueAt} now={room.now} withUtc />
      ).{" "}
      <a href="#comms-h" className="inline-flex min-h-11 items-center text-accent underline">
        Post an update
      </a>
    </p>
  );
}

function Who({ c }: { c: Control }) {
  return (
    <>
      requested by <span className="font-medium">{c.requestedBy}</span> at {clockTime(c.requestedAt)}
      {c.approvedBy ? (
        <>
          {" "}
          · approved by{" "}
          <span className="font-medium" data-approved-by={c.approvedBy}>
            {c.approvedBy}
          </span>
          {c.decidedAt ? ` at ${clockTime(c.decidedAt)}` : ""}
        </>
      ) : null}
      {c.rejectedBy ? (
        <>
          {" "}
          · rejected by <span className="font-medium">{c.rejectedBy}</span>
          {c.decidedAt ? ` at ${clockTime(c.decidedAt)}` : ""}
          {c.decisionNote ? `: ${c.decisionNote}` : ""}
        </>
      ) : null}
    </>
  );
}

/** Control requests that wait for a second person, first thing in the room. */
export function AwaitingApproval({ room, canDecide }: { room: Room; canDecide: boolean }) {
  if (!room.awaitingApproval.length) return null;
  return (
    <section
      aria-labelledby="awaiting-h"
      className="mb-4 rounded-xl border-2 border-accent bg-surface p-4"
      data-awaiting-approval={room.awaitingApproval.length}
    >
      <h2 id="awaiting-h" className="font-semibold">
        Waiting for approval ({room.awaitingApproval.length})
      </h2>
      <ul className="mt-2 space-y-2 text-sm">
        {room.awaitingApproval.map((c) => (
          <li key={c.id} data-awaiting={c.id}>
            <span className="font-mono">{c.label}</span> on {c.target}{" "}
            <span className="font-mono">({formatParams(c.params)})</span> — <Who c={c} />. Nothing has been sent yet: a
            second person must approve it.
            {c.approvalExpiresAt ? (
              <span className="ml-1">
                <Countdown at={c.approvalExpiresAt} now={room.now} label="expires" due="expired" />
              </span>
            ) : null}
            {canDecide ? (
              <>
                {" "}
                <Link href="/controls" className="inline-flex min-h-11 items-center text-accent underline">
                  Approve or reject on the Controls page
                </Link>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Open findings on the affected entities; the ok ones folded into one line per rule. */
export function RoomFindings({ room }: { room: Room }) {
  const okCount = room.okFindings.reduce((n, g) => n + g.findingIds.length, 0);
  return (
    <>
      {room.openFindings.length === 0 ? (
        <p className="text-sm text-muted" data-findings="none">
          No open findings on the affected entities right now.
        </p>
      ) : (
        <ul className="space-y-2">
          {room.openFindings.map((f) => (
            <li
              key={f.id}
              className="flex flex-wrap items-baseline gap-2 text-sm"
              data-finding={f.id}
              data-finding-state={f.state}
            >
              <FindingBadge f={f} />
              <Link
                href={`/findings/${encodeURIComponent(f.id)}`}
                className="inline-flex min-h-11 items-center font-medium underline decoration-line underline-offset-2"
              >
                {f.title}
              </Link>
              <span className="line-clamp-2 min-w-0 basis-full break-words text-xs text-muted sm:line-clamp-none sm:basis-auto sm:text-sm">
                {f.summary}
              </span>
              {f.escalationDueAt ? (
                <span className="text-xs">
                  <Countdown at={f.escalationDueAt} now={room.now} label="escalate" />
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {okCount ? (
        <details className="mt-3 text-sm" data-ok-findings={okCount}>
          <summary className="flex min-h-11 cursor-pointer items-center gap-2 text-muted">
            <span aria-hidden="true">▸</span>
            {okCount} {okCount === 1 ? "finding" : "findings"} ok
          </summary>
          <ul className="mt-1 space-y-1">
            {room.okFindings.map((g) => (
              <li key={`${g.ruleId}-${g.findingIds[0]}`} data-ok-group={g.ruleId}>
                <Badge tone="ok">ok</Badge> <span className="font-medium">{g.title}</span>{" "}
                <span className="text-muted">
                  ({g.severity} rule)
                  {g.entities.length > 1
                    ? ` on ${g.entities.length}: ${g.entities.slice(0, 10).join(", ")}${g.entities.length > 10 ? " …" : ""}`
                    : ` on ${g.entities[0]}`}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

const TONE: Record<string, "ok" | "sev1" | "sev2" | "neutral" | "accent"> = {
  succeeded: "ok",
  failed: "sev1",
  outcome_unknown: "sev2",
  rejected: "sev2",
  expired: "sev2",
  pending_approval: "accent",
};

/** Controls run from the incident and, for its systems, from the Controls page while it was open. */
export function RoomControls({ room, ticketUrlTemplate = null }: { room: Room; ticketUrlTemplate?: string | null }) {
  if (room.controls.length === 0)
    return (
      <p className="text-sm text-muted">
        None yet. Steps bound to a control open the control form pre-filled and linked to this incident.
      </p>
    );
  return (
    <ul className="space-y-3 text-sm">
      {room.controls.map((c) => (
        <li key={c.id} data-control-request={c.id} data-control-state={c.state} data-control-source={c.source}>
          <span className="font-mono">{c.label}</span> on {c.target}{" "}
          <span className="font-mono break-all">({formatParams(c.params)})</span> —{" "}
          <Badge tone={TONE[c.state] ?? "neutral"}>
            {c.state === "pending_approval" ? "waiting for approval" : c.outcome}
          </Badge>
          <span className="block text-xs">
            <Who c={c} /> · ticket <TicketId id={c.ticketId} template={ticketUrlTemplate} className="" />
            {c.source === "controls page" ? " · run from the Controls page" : ""}
          </span>
          {c.state !== "pending_approval" &&
          c.state !== "rejected" &&
          c.state !== "expired" &&
          c.at !== c.requestedAt ? (
            <span className="block text-xs text-muted">
              {c.outcome} at {clockTime(c.at)}
            </span>
          ) : null}
          {c.verification ? <span className="block text-xs text-muted">{c.verification}</span> : null}
          {c.auditSeq !== undefined ? <span className="block text-xs text-muted">audit #{c.auditSeq}</span> : null}
        </li>
      ))}
    </ul>
  );
}
