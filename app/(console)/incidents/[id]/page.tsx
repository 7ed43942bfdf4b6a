import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { readOrNotFound } from "@/app/(console)/page-read";
import { getIncidentRoom, type IncidentRoomView } from "@/lib/incidents/api";
import { formatCountdown } from "@/lib/runbooks/checks";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { Ago } from "@/components/ui/clock";
import { Panel } from "@/components/panels/panel";
import { AwaitingApproval, RoomControls, RoomFindings, UpdateReminder } from "@/components/incidents/room-parts";
import { ticketUrlTemplate } from "@/lib/controls/api";
import { RoomNotifications } from "@/components/incidents/room-notifications";
import { listDeliveries } from "@/lib/notify/api";
import { getIncidentReplay } from "@/lib/replay/api";
import { IncidentReplay, type ReplayStop } from "@/components/replay/incident-replay";
import { ChangesList, boardAtHref } from "@/components/replay/changes-list";
import { formatValue, tidyText } from "@/lib/incidents/format";
import { utcClock } from "@/lib/core/time";
import { Countdown } from "@/components/charts/countdown";
import { AutoRefresh } from "@/components/live/auto-refresh";
import { SeverityBadge } from "@/components/runbooks/severity-badge";
import { Blocks, CodeBlock, InlineText } from "@/components/runbooks/markdown";
import { StepAlternatives, StepCautions } from "@/components/runbooks/step-extras";
import {
  AddResponderForm,
  CheckInButton,
  CommanderForm,
  CommsForm,
  NoteForm,
  SeverityForm,
  StatusForm,
  StepToggle,
} from "../incident-client";

export const metadata: Metadata = { title: "Incident room" };
export const dynamic = "force-dynamic";

const utc = utcClock;
/** How many of the notifications for the incident's findings the room lists (newest first). */
const NOTIFICATIONS_SHOWN = 20;

type Step = IncidentRoomView["steps"][number];

function groupBySection(steps: Step[]): { id: string; title: string; items: Step[] }[] {
  const groups: { id: string; title: string; items: Step[] }[] = [];
  for (const s of steps) {
    const last = groups[groups.length - 1];
    if (last && last.id === s.sectionId) last.items.push(s);
    else groups.push({ id: s.sectionId, title: s.section, items: [s] });
  }
  return groups;
}

function CheckValue({ check }: { check: NonNullable<Step["check"]> }) {
  const r = check.result;
  const tone = r.holds === true ? "ok" : r.holds === false ? "sev2" : "unknown";
  const word = r.holds === true ? "holds" : r.holds === false ? "not yet" : `unknown (${r.reason ?? "no data"})`;
  return (
    <span
      className="inline-flex min-h-8 flex-wrap items-center gap-1 rounded-md border border-line px-2"
      data-check-state={String(r.holds)}
    >
      <span aria-hidden="true">◎</span> Live check: {check.label} — <Badge tone={tone}>{word}</Badge>
      <span className="font-mono">value {r.value === undefined ? "—" : formatValue(r.value)}</span>
      {r.at ? <span className="text-muted">at {utc(r.at)}</span> : null}
    </span>
  );
}

function StepRow({ s, incidentId, canTick }: { s: Step; incidentId: string; canTick: boolean }) {
  return (
    <li
      id={s.id}
      className={`flex gap-3 rounded-lg border bg-surface p-3 text-sm ${s.done ? "border-ok" : "border-line"}`}
      data-step={s.id}
      data-done={String(s.done)}
    >
      {canTick ? (
        <StepToggle incidentId={incidentId} stepId={s.id} index={s.index} done={s.done} />
      ) : (
        <span
          role="img"
          aria-label={s.done ? "done" : "not done"}
          className={`grid size-11 shrink-0 place-items-center rounded-md border-2 ${s.done ? "border-ok text-ok" : "border-muted"}`}
        >
          {s.done ? "✓" : ""}
        </span>
      )}
      <div className="min-w-0 flex-1">
        <span className="sr-only">Step {s.index}: </span>
        <span aria-hidden="true" className="mr-1 font-mono text-xs text-muted">
          {s.index}.
        </span>
        <InlineText text={s.text} />
        <StepCautions cautions={s.cautions} />
        {s.detail.length ? (
          <div className="text-muted">
            <Blocks blocks={s.detail} />
          </div>
        ) : null}
        <StepAlternatives alternatives={s.alternatives} />
        {s.code.map((c, i) => (
          <CodeBlock key={i} code={c.code} lang={c.lang} />
        ))}
        {s.done ? (
          <p className="mt-1 text-xs text-ok" data-ticked-by={s.doneBy} data-ticked-how={s.how}>
            {s.how === "live check"
              ? "Ticked itself (live check)"
              : s.tickedByControl
                ? `Ticked when its control succeeded — requested by ${s.tickedByControl.requestedBy}${s.tickedByControl.approvedBy ? `, approved by ${s.tickedByControl.approvedBy}` : ""}`
                : `Ticked by ${s.doneBy ?? "someone"}`}
            {s.doneAt ? ` at ${utc(s.doneAt)}` : ""}
          </p>
        ) : null}
        {s.done && s.check?.result.holds === false ? (
          <p role="status" className="mt-1 text-xs text-sev2" data-check-regressed>
            Ticked, but the live check does not hold now — look again before relying on this step.
          </p>
        ) : null}
        {s.controls.length || s.check || s.wait ? (
          <div className="mt-2 flex flex-wrap gap-2 text-xs">
            {s.controls.map((c) => (
              <Link
                key={c.href}
                href={c.href}
                className="inline-flex min-h-11 max-w-full flex-wrap items-center gap-1 rounded-md border border-accent px-3 font-medium break-all text-accent hover:underline"
                data-control={c.name}
              >
                Open control <span className="font-mono">{c.name}</span>
                {c.params ? <span className="font-mono">({c.params})</span> : null}
              </Link>
            ))}
            {s.scopeNote ? (
              <span
                className="inline-flex min-h-8 items-center rounded-md border border-sev2 px-2 text-sev2"
                data-scope-note
              >
                {s.scopeNote}
              </span>
            ) : null}
            {s.check ? <CheckValue check={s.check} /> : null}
            {s.wait ? (
              <span className="inline-flex min-h-8 items-center gap-1 rounded-md border border-line px-2">
                <span aria-hidden="true">⧗</span> {s.wait.label}:{" "}
                {s.wait.state.done === true
                  ? "done"
                  : s.wait.state.remainingMs !== undefined
                    ? `${formatCountdown(s.wait.state.remainingMs)} left`
                    : s.wait.state.cyclesLeft !== undefined
                      ? `${s.wait.state.cyclesLeft} cycle(s) left`
                      : "cannot tell yet"}
              </span>
            ) : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}

export default async function IncidentRoomPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await getActor();
  const room: IncidentRoomView = await readOrNotFound(() => getIncidentRoom(actor, id));
  const i = room.incident;
  const role = actor!.role;
  const isCommander = roleAtLeast(role, "commander");
  const isResponder = roleAtLeast(role, "responder");
  const resolved = i.status === "resolved";
  const checkedIn = room.responderIds.includes(actor!.id);
  const done = room.steps.filter((s) => s.done).length;
  // Paging for the incident's findings since shortly before it opened (responders and above).
  const notifications = isResponder
    ? await listDeliveries(actor, {
        findingIds: room.findingIds,
        since: room.historySince,
        limit: NOTIFICATIONS_SHOWN,
      }).catch((err: Error) => {
        console.error("[incidents] notifications could not be read:", err.message);
        return null;
      })
    : null;

  // Replay: the incident's onset, peak and resolution and every timeline event are the scrubber's
  // stops; what changed before the onset is listed with its evidence.
  const replay = await getIncidentReplay(actor, {
    id: i.id,
    openedAt: i.openedAt,
    resolvedAt: i.resolvedAt ?? null,
    findingIds: room.findingIds,
    sourceFindingId: room.sourceFindingId,
  });
  const stops: ReplayStop[] = [
    { at: replay.moments.onset - 1000, label: "Just before onset" },
    { at: replay.moments.onset, label: "Onset" },
    { at: replay.moments.peak, label: "Peak" },
    ...(replay.moments.resolution !== undefined ? [{ at: replay.moments.resolution, label: "Resolution" }] : []),
    ...room.timeline.map((e) => ({ at: e.at, label: `${e.kind}: ${tidyText(e.text).slice(0, 80)}` })),
  ]
    .filter((s, n, all) => all.findIndex((o) => o.at === s.at && o.label === s.label) === n)
    .sort((a, b) => a.at - b.at);
  const onsetStop = stops.findIndex((s) => s.label === "Onset");

  const affected = [...i.affected.map((a) => `${a.system}${a.entity === "*" ? "" : `/${a.entity}`}`)];
  const named = room.namedByFindings.map((a) => `${a.system}/${a.entity}`);

  return (
    <>
      <AutoRefresh ms={4000} />
      <p className="mb-2 text-sm">
        <Link href="/incidents" className="inline-flex min-h-11 items-center text-accent hover:underline">
          ← All incidents
        </Link>
      </p>
      <PageHeader
        title={i.title}
        description={
          <>
            Opened <Ago at={i.openedAt} now={room.now} withUtc /> by {i.openedBy.name}
            {i.resolvedAt ? (
              <>
                {" "}
                · resolved <Ago at={i.resolvedAt} now={room.now} withUtc />
              </>
            ) : null}
            . <span data-affected>Affected: {affected.length ? affected.join(", ") : "none recorded"}</span>
            {named.length ? <span data-named-by-findings>; named by the open findings: {named.join(", ")}</span> : null}
            .
          </>
        }
        actions={
          <p className="flex flex-wrap items-center gap-2" data-incident-state={i.status}>
            <SeverityBadge severity={i.severity} />
            <Badge tone={resolved ? "ok" : "accent"}>{i.status}</Badge>
          </p>
        }
      />

      <UpdateReminder room={room} />
      <AwaitingApproval room={room} canDecide={isResponder} />

      <div className="mb-6">
        <Panel id="findings" title="Open findings on the affected entities">
          <RoomFindings room={room} />
        </Panel>
      </div>

      <div className="mb-6 grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="steps-h" className="min-w-0" data-testid="checklist">
          <h2 id="steps-h" className="text-lg font-semibold">
            Checklist{" "}
            {room.runbook ? (
              <span className="text-sm font-normal text-muted">
                from{" "}
                <Link
                  href={`/runbooks/${room.runbook.slug}`}
                  className="text-accent underline"
                  data-runbook={room.runbook.slug}
                >
                  {room.runbook.title}
                </Link>{" "}
                · {done} of {room.steps.length} done
              </span>
            ) : null}
          </h2>
          {room.runbookMissing ? (
            <p role="status" className="mt-2 text-sm text-sev2">
              The runbook “{room.runbookMissing}” is missing from the runbook directory, so there is no checklist.
            </p>
          ) : null}
          {!room.runbook && !room.runbookMissing ? (
            <p className="mt-2 text-sm text-muted">
              No runbook is attached to this incident; use notes to record what was done.
            </p>
          ) : null}
          {!isResponder ? <p className="mt-2 text-sm text-muted">Ticking steps needs the responder role.</p> : null}
          {groupBySection(room.steps).map((g) => (
            <div key={g.id} className="mt-4">
              <h3 className="text-sm font-semibold tracking-wide text-muted uppercase">{g.title}</h3>
              <ol className="mt-2 space-y-2">
                {g.items.map((s) => (
                  <StepRow key={s.id} s={s} incidentId={i.id} canTick={isResponder && !resolved} />
                ))}
              </ol>
            </div>
          ))}
        </section>
        <div className="min-w-0 space-y-6">
          <section
            aria-labelledby="warnings-h"
            className="min-w-0 rounded-xl border border-sev1 bg-surface p-4"
            data-testid="warnings"
          >
            <h2 id="warnings-h" className="font-semibold">
              <span aria-hidden="true">⚠ </span>What not to do
            </h2>
            {room.warnings.length ? (
              <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">
                {room.warnings.map((w) => (
                  <li key={w.id}>
                    <InlineText text={w.text} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-2 text-sm text-muted">The runbook lists no standing warnings.</p>
            )}
          </section>
          <section
            aria-labelledby="escalation-h"
            className="min-w-0 rounded-xl border border-sev2 bg-surface p-4"
            data-testid="escalation"
          >
            <h2 id="escalation-h" className="font-semibold">
              <span aria-hidden="true">↑ </span>When to escalate
            </h2>
            {room.escalation.length ? (
              <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">
                {room.escalation.map((e) => (
                  <li key={e.id} data-escalation={e.state?.state ?? "text"}>
                    <InlineText text={e.text} />
                    {e.state ? (
                      <p className="mt-1 text-xs">
                        {e.label}:{" "}
                        {e.state.state === "clear" ? (
                          <Badge tone="ok">condition clear</Badge>
                        ) : e.state.dueAt !== undefined ? (
                          <Countdown at={e.state.dueAt} now={room.now} label="escalate" due="escalate now" />
                        ) : e.state.state === "due" ? (
                          <Badge tone="sev1">escalate now</Badge>
                        ) : (
                          <Badge tone="unknown">cannot tell yet</Badge>
                        )}
                        {e.state.cyclesLeft !== undefined && e.state.state !== "clear" ? (
                          <span className="ml-2">{e.state.cyclesLeft} cycle(s) left</span>
                        ) : null}
                        {e.state.check ? (
                          <span className="ml-2 font-mono">
                            value {e.state.check.value === undefined ? "—" : formatValue(e.state.check.value)}
                          </span>
                        ) : null}
                      </p>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-2 text-sm text-muted">The runbook states no escalation criteria.</p>
            )}
          </section>
          <Panel id="controls" title="Controls during this incident">
            <RoomControls room={room} ticketUrlTemplate={ticketUrlTemplate()} />
          </Panel>
          <Panel id="comms" title="Communication update">
            <CommsForm incidentId={i.id} generated={room.comms} canPost={isCommander} />
            {room.posted.length ? (
              <p className="mt-2 text-xs text-muted">
                Last posted {utc(room.posted[room.posted.length - 1]!.at)} by {room.posted[room.posted.length - 1]!.by}.
              </p>
            ) : null}
            {room.nextUpdate && !room.nextUpdate.overdue ? (
              <p className="mt-1 text-xs text-muted" data-next-update>
                Next update due at {utc(room.nextUpdate.dueAt)}.
              </p>
            ) : null}
          </Panel>
        </div>
      </div>

      <div className="mb-6 grid gap-4 lg:grid-cols-2">
        <Panel id="state" title="Status and severity">
          {isCommander ? (
            <div className="flex flex-col gap-3">
              <StatusForm key={i.status} incidentId={i.id} moves={room.statusMoves} blockers={room.resolveBlockers} />
              <SeverityForm incidentId={i.id} current={i.severity} />
            </div>
          ) : (
            <p className="text-sm text-muted">
              Status, severity and closing belong to commanders; you are signed in as {role}.
            </p>
          )}
          <p className="mt-3 text-sm">
            Export the postmortem bundle:{" "}
            <a
              href={`/api/incidents/${i.id}/export?format=md`}
              className="inline-flex min-h-11 items-center text-accent underline"
              download
            >
              Markdown
            </a>
            {" · "}
            <a
              href={`/api/incidents/${i.id}/export?format=json`}
              className="inline-flex min-h-11 items-center text-accent underline"
              download
            >
              JSON
            </a>
          </p>
          {roleAtLeast(role, "commander") ? (
            <p className="text-sm">
              <Link
                href={`/share?incident=${i.id}`}
                className="inline-flex min-h-11 items-center text-accent underline"
              >
                Share a read-only status link for this incident
              </Link>
            </p>
          ) : null}
        </Panel>
        <Panel id="people" title="People">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Commander</dt>
            <dd data-commander>{i.commander?.name ?? "none"}</dd>
            <dt className="text-muted">Responders</dt>
            <dd data-responders>{i.responders.length ? i.responders.map((r) => r.name).join(", ") : "none yet"}</dd>
          </dl>
          <div className="mt-3 flex flex-col gap-3">
            {isResponder && !resolved ? <CheckInButton incidentId={i.id} already={checkedIn} /> : null}
            {isCommander ? (
              <CommanderForm
                incidentId={i.id}
                people={[
                  { id: actor!.id, name: `${actor!.displayName} (me)` },
                  ...i.responders.filter((r) => r.id !== actor!.id),
                ].filter((p) => p.id !== room.commanderId)}
              />
            ) : null}
            {isCommander && !resolved ? <AddResponderForm incidentId={i.id} /> : null}
          </div>
        </Panel>
      </div>

      {isResponder ? (
        <div className="mb-6">
          <Panel id="notes" title="Add a note">
            <NoteForm incidentId={i.id} />
          </Panel>
        </div>
      ) : null}

      {/* What went out is context for the room: after the checklist and the controls, before the timeline. */}
      {isResponder ? (
        <div className="mb-6">
          <Panel id="notifications" title="Notifications sent for these findings">
            <RoomNotifications deliveries={notifications} findings={room.findings} limit={NOTIFICATIONS_SHOWN} />
          </Panel>
        </div>
      ) : null}

      {/* Replay is for understanding, after acting: the checklist comes first (the runbook's order). */}
      <div className="mb-6">
        <Panel id="replay" title="Replay">
          <IncidentReplay stops={stops} initial={onsetStop} />
          <ChangesList
            headingLevel={3}
            changes={replay.changes.changes}
            onset={replay.changes.onset}
            windowMinutes={replay.changes.windowMinutes}
          />
        </Panel>
      </div>

      <Panel id="timeline" title="Timeline">
        {room.timeline.length === 0 ? (
          <p className="text-sm text-muted">Nothing recorded yet.</p>
        ) : (
          <ol className="space-y-2" aria-label="Incident timeline, oldest first">
            {room.timeline.map((e, n) => (
              <li key={n} className="grid gap-1 text-sm sm:grid-cols-[7rem_6rem_1fr]" data-timeline={e.kind}>
                <time className="font-mono text-muted" dateTime={new Date(e.at).toISOString()}>
                  {utc(e.at)}
                </time>
                <span>
                  <Badge>{e.kind}</Badge>
                </span>
                <span className="min-w-0 break-words">
                  {e.actor ? <span className="font-medium">{e.actor}: </span> : null}
                  {tidyText(e.text)}
                  {e.auditSeq !== undefined ? (
                    <span className="ml-1 text-xs text-muted">audit #{e.auditSeq}</span>
                  ) : null}{" "}
                  <Link href={boardAtHref(e.at)} className="text-xs text-accent underline" data-board-at>
                    board then
                  </Link>
                </span>
              </li>
            ))}
          </ol>
        )}
      </Panel>
    </>
  );
}
