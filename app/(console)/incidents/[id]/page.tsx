import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { Invalid, NotFound } from "@/lib/errors";
import { getIncidentRoom, type IncidentRoomView } from "@/lib/incidents/api";
import { formatCountdown } from "@/lib/runbooks/checks";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { Ago } from "@/components/ui/time";
import { Panel, FindingBadge } from "@/components/panels/panel";
import { Countdown } from "@/components/charts/countdown";
import { AutoRefresh } from "@/components/live/auto-refresh";
import { SeverityBadge } from "@/components/runbooks/severity-badge";
import { Blocks, CodeBlock, InlineText } from "@/components/runbooks/markdown";
import { StepAlternatives, StepCautions } from "@/components/runbooks/step-extras";
import { AddResponderForm, CheckInButton, CommanderForm, CommsForm, NoteForm, SeverityForm, StatusForm, StepToggle } from "../incident-client";

export const metadata: Metadata = { title: "Incident room" };
export const dynamic = "force-dynamic";

const utc = (t: number) => new Date(t).toISOString().slice(11, 19) + " UTC";

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
    <span className="inline-flex min-h-8 flex-wrap items-center gap-1 rounded-md border border-line px-2" data-check-state={String(r.holds)}>
      <span aria-hidden="true">◎</span> Live check: {check.label} — <Badge tone={tone}>{word}</Badge>
      <span className="font-mono">value {r.value === undefined ? "—" : String(r.value)}</span>
      {r.at ? <span className="text-muted">at {utc(r.at)}</span> : null}
    </span>
  );
}

function StepRow({ s, incidentId, canTick }: { s: Step; incidentId: string; canTick: boolean }) {
  return (
    <li id={s.id} className={`flex gap-3 rounded-lg border bg-surface p-3 text-sm ${s.done ? "border-ok" : "border-line"}`} data-step={s.id} data-done={String(s.done)}>
      {canTick ? (
        <StepToggle incidentId={incidentId} stepId={s.id} index={s.index} done={s.done} />
      ) : (
        <span role="img" aria-label={s.done ? "done" : "not done"} className={`grid size-11 shrink-0 place-items-center rounded-md border-2 ${s.done ? "border-ok text-ok" : "border-muted"}`}>{s.done ? "✓" : ""}</span>
      )}
      <div className="min-w-0 flex-1">
        <span className="sr-only">Step {s.index}: </span>
        <span aria-hidden="true" className="mr-1 font-mono text-xs text-muted">{s.index}.</span>
        <InlineText text={s.text} />
        <StepCautions cautions={s.cautions} />
        {s.detail.length ? <div className="text-muted"><Blocks blocks={s.detail} /></div> : null}
        <StepAlternatives alternatives={s.alternatives} />
        {s.code.map((c, i) => <CodeBlock key={i} code={c.code} lang={c.lang} />)}
        {s.done ? (
          <p className="mt-1 text-xs text-ok" data-ticked-by={s.doneBy}>
            {s.how === "live check" ? "Ticked itself (live check)" : `Ticked by ${s.doneBy ?? "someone"}`}{s.doneAt ? ` at ${utc(s.doneAt)}` : ""}
          </p>
        ) : null}
        {s.done && s.check?.result.holds === false ? <p role="status" className="mt-1 text-xs text-sev2" data-check-regressed>Ticked, but the live check does not hold now — look again before relying on this step.</p> : null}
        {s.control || s.check || s.wait ? (
          <div className="mt-2 flex flex-wrap gap-2 text-xs">
            {s.control ? (
              <Link href={s.control.href} className="inline-flex min-h-11 max-w-full flex-wrap items-center gap-1 rounded-md border border-accent px-3 font-medium break-all text-accent hover:underline" data-control={s.control.name}>
                Open control <span className="font-mono">{s.control.name}</span>{s.control.params ? <span className="font-mono">({s.control.params})</span> : null}
              </Link>
            ) : null}
            {s.check ? <CheckValue check={s.check} /> : null}
            {s.wait ? (
              <span className="inline-flex min-h-8 items-center gap-1 rounded-md border border-line px-2">
                <span aria-hidden="true">⧗</span> {s.wait.label}: {s.wait.state.done === true ? "done" : s.wait.state.remainingMs !== undefined ? `${formatCountdown(s.wait.state.remainingMs)} left` : s.wait.state.cyclesLeft !== undefined ? `${s.wait.state.cyclesLeft} cycle(s) left` : "cannot tell yet"}
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
  let room: IncidentRoomView;
  try {
    room = await getIncidentRoom(actor, id);
  } catch (err) {
    if (err instanceof NotFound || err instanceof Invalid) notFound();
    throw err;
  }
  const i = room.incident;
  const role = actor!.role;
  const isCommander = roleAtLeast(role, "commander");
  const isResponder = roleAtLeast(role, "responder");
  const resolved = i.status === "resolved";
  const checkedIn = room.responderIds.includes(actor!.id);
  const done = room.steps.filter((s) => s.done).length;

  return (
    <>
      <AutoRefresh ms={4000} />
      <p className="mb-2 text-sm"><Link href="/incidents" className="inline-flex min-h-11 items-center text-accent hover:underline">← All incidents</Link></p>
      <PageHeader
        title={i.title}
        description={
          <>
            Opened <Ago at={i.openedAt} now={room.now} /> by {i.openedBy.name}
            {i.resolvedAt ? <> · resolved <Ago at={i.resolvedAt} now={room.now} /></> : null}. Affected: {i.affected.length ? i.affected.map((a) => `${a.system}${a.entity === "*" ? "" : `/${a.entity}`}`).join(", ") : "none recorded"}.
          </>
        }
        actions={
          <p className="flex flex-wrap items-center gap-2" data-incident-state={i.status}>
            <SeverityBadge severity={i.severity} />
            <Badge tone={resolved ? "ok" : "accent"}>{i.status}</Badge>
          </p>
        }
      />

      <div className="mb-6 grid gap-4 lg:grid-cols-2">
        <Panel id="people" title="People">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Commander</dt>
            <dd data-commander>{i.commander?.name ?? "none"}</dd>
            <dt className="text-muted">Responders</dt>
            <dd data-responders>{i.responders.length ? i.responders.map((r) => r.name).join(", ") : "none yet"}</dd>
          </dl>
          <div className="mt-3 flex flex-col gap-3">
            {isResponder && !resolved ? <CheckInButton incidentId={i.id} already={checkedIn} /> : null}
            {isCommander ? <CommanderForm incidentId={i.id} people={[{ id: actor!.id, name: `${actor!.displayName} (me)` }, ...i.responders.filter((r) => r.id !== actor!.id)].filter((p) => p.id !== room.commanderId)} /> : null}
            {isCommander && !resolved ? <AddResponderForm incidentId={i.id} /> : null}
          </div>
        </Panel>
        <Panel id="state" title="Status and severity">
          {isCommander ? (
            <div className="flex flex-col gap-3">
              <StatusForm incidentId={i.id} moves={room.statusMoves} />
              <SeverityForm incidentId={i.id} current={i.severity} />
            </div>
          ) : (
            <p className="text-sm text-muted">Status, severity and closing belong to commanders; you are signed in as {role}.</p>
          )}
          <p className="mt-3 text-sm">
            Export the postmortem bundle:{" "}
            <a href={`/api/incidents/${i.id}/export?format=md`} className="inline-flex min-h-11 items-center text-accent underline" download>Markdown</a>{" · "}
            <a href={`/api/incidents/${i.id}/export?format=json`} className="inline-flex min-h-11 items-center text-accent underline" download>JSON</a>
          </p>
          {roleAtLeast(role, "commander") ? (
            <p className="text-sm">
              <Link href={`/share?incident=${i.id}`} className="inline-flex min-h-11 items-center text-accent underline">Share a read-only status link for this incident</Link>
            </p>
          ) : null}
        </Panel>
      </div>

      <div className="mb-6">
        <Panel id="findings" title="Live findings on the affected entities">
          {room.findings.length === 0 ? (
            <p className="text-sm text-muted" data-findings="none">No findings on the affected entities right now.</p>
          ) : (
            <ul className="space-y-2">
              {room.findings.map((f) => (
                <li key={f.id} className="flex flex-wrap items-baseline gap-2 text-sm" data-finding={f.id} data-finding-state={f.state}>
                  <FindingBadge f={f} />
                  <Link href={`/findings/${encodeURIComponent(f.id)}`} className="inline-flex min-h-11 items-center font-medium underline decoration-line underline-offset-2">{f.title}</Link>
                  <span className="text-muted">{f.summary}</span>
                  {f.state !== "ok" && f.escalationDueAt ? <span className="text-xs"><Countdown at={f.escalationDueAt} now={room.now} label="escalate" /></span> : null}
                </li>
              ))}
            </ul>
          )}
        </Panel>
      </div>

      <div className="mb-6 grid gap-4 md:grid-cols-2">
        <section aria-labelledby="warnings-h" className="min-w-0 rounded-xl border border-sev1 bg-surface p-4" data-testid="warnings">
          <h2 id="warnings-h" className="font-semibold"><span aria-hidden="true">⚠ </span>What not to do</h2>
          {room.warnings.length ? <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">{room.warnings.map((w) => <li key={w.id}><InlineText text={w.text} /></li>)}</ul> : <p className="mt-2 text-sm text-muted">The runbook lists no standing warnings.</p>}
        </section>
        <section aria-labelledby="escalation-h" className="min-w-0 rounded-xl border border-sev2 bg-surface p-4" data-testid="escalation">
          <h2 id="escalation-h" className="font-semibold"><span aria-hidden="true">↑ </span>When to escalate</h2>
          {room.escalation.length ? (
            <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">
              {room.escalation.map((e) => (
                <li key={e.id} data-escalation={e.state?.state ?? "text"}>
                  <InlineText text={e.text} />
                  {e.state ? (
                    <p className="mt-1 text-xs">
                      {e.label}:{" "}
                      {e.state.state === "clear" ? <Badge tone="ok">condition clear</Badge> : e.state.dueAt !== undefined ? <Countdown at={e.state.dueAt} now={room.now} label="escalate" due="escalate now" /> : e.state.state === "due" ? <Badge tone="sev1">escalate now</Badge> : <Badge tone="unknown">cannot tell yet</Badge>}
                      {e.state.cyclesLeft !== undefined && e.state.state !== "clear" ? <span className="ml-2">{e.state.cyclesLeft} cycle(s) left</span> : null}
                      {e.state.check ? <span className="ml-2 font-mono">value {e.state.check.value === undefined ? "—" : String(e.state.check.value)}</span> : null}
                    </p>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : <p className="mt-2 text-sm text-muted">The runbook states no escalation criteria.</p>}
        </section>
      </div>

      <div className="mb-6 grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="steps-h" className="min-w-0" data-testid="checklist">
          <h2 id="steps-h" className="text-lg font-semibold">
            Checklist {room.runbook ? <span className="text-sm font-normal text-muted">from <Link href={`/runbooks/${room.runbook.slug}`} className="text-accent underline" data-runbook={room.runbook.slug}>{room.runbook.title}</Link> · {done} of {room.steps.length} done</span> : null}
          </h2>
          {room.runbookMissing ? <p role="status" className="mt-2 text-sm text-sev2">The runbook “{room.runbookMissing}” is missing from the runbook directory, so there is no checklist.</p> : null}
          {!room.runbook && !room.runbookMissing ? <p className="mt-2 text-sm text-muted">No runbook is attached to this incident; use notes to record what was done.</p> : null}
          {!isResponder ? <p className="mt-2 text-sm text-muted">Ticking steps needs the responder role.</p> : null}
          {groupBySection(room.steps).map((g) => (
            <div key={g.id} className="mt-4">
              <h3 className="text-sm font-semibold tracking-wide text-muted uppercase">{g.title}</h3>
              <ol className="mt-2 space-y-2">{g.items.map((s) => <StepRow key={s.id} s={s} incidentId={i.id} canTick={isResponder && !resolved} />)}</ol>
            </div>
          ))}
        </section>
        <div className="min-w-0 space-y-6">
          <Panel id="comms" title="Communication update">
            <CommsForm incidentId={i.id} generated={room.comms} canPost={isCommander} />
            {room.posted.length ? <p className="mt-2 text-xs text-muted">Last posted {utc(room.posted[room.posted.length - 1]!.at)} by {room.posted[room.posted.length - 1]!.by}.</p> : null}
          </Panel>
          <Panel id="controls" title="Controls run from this incident">
            {room.controls.length === 0 ? (
              <p className="text-sm text-muted">None yet. Steps bound to a control open the control form pre-filled and linked to this incident.</p>
            ) : (
              <ul className="space-y-2 text-sm">
                {room.controls.map((c) => (
                  <li key={c.id} data-control-request={c.id} data-control-state={c.state}>
                    <span className="font-mono">{c.label}</span> on {c.target} — <Badge tone={c.state === "succeeded" ? "ok" : c.state === "failed" ? "sev1" : "neutral"}>{c.outcome}</Badge> by {c.requestedBy} · {c.ticketId}
                    {c.verification ? <span className="block text-xs text-muted">{c.verification}</span> : null}
                    {c.auditSeq !== undefined ? <span className="block text-xs text-muted">audit #{c.auditSeq}</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </Panel>
          {isResponder ? (
            <Panel id="notes" title="Add a note">
              <NoteForm incidentId={i.id} />
            </Panel>
          ) : null}
        </div>
      </div>

      <Panel id="timeline" title="Timeline">
        {room.timeline.length === 0 ? (
          <p className="text-sm text-muted">Nothing recorded yet.</p>
        ) : (
          <ol className="space-y-2" aria-label="Incident timeline, oldest first">
            {room.timeline.map((e, n) => (
              <li key={n} className="grid gap-1 text-sm sm:grid-cols-[7rem_6rem_1fr]" data-timeline={e.kind}>
                <time className="font-mono text-muted" dateTime={new Date(e.at).toISOString()}>{utc(e.at)}</time>
                <span><Badge>{e.kind}</Badge></span>
                <span className="min-w-0 break-words">
                  {e.actor ? <span className="font-medium">{e.actor}: </span> : null}{e.text}
                  {e.auditSeq !== undefined ? <span className="ml-1 text-xs text-muted">audit #{e.auditSeq}</span> : null}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Panel>
    </>
  );
}
