import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { sourceDocument } from "@/lib/runbooks/sources";
import { getFindingDetail } from "@/lib/board/finding-detail";
import { readOrNotFound } from "@/app/(console)/page-read";
import { RUNBOOKS } from "@/lib/rules/runbooks";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { AutoRefresh } from "@/components/live/auto-refresh";
import { AcknowledgeControl, IncidentLinkOrOpen } from "@/components/board/finding-actions";
import { acknowledgeFindingAction } from "../../actions";
import { utcDateTime } from "@/lib/core/time";
import { getChangesBeforeFinding } from "@/lib/replay/api";
import { ChangesList, boardAtHref } from "@/components/replay/changes-list";

export const metadata: Metadata = { title: "Finding" };

const utc = utcDateTime;

export default async function FindingPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await getActor();
  const d = await readOrNotFound(() => getFindingDetail(actor, decodeURIComponent(id)));
  const f = d.finding;
  const runbook = (RUNBOOKS as Record<string, { title: string }>)[f.runbook];
  // Onset: when this occurrence opened (from ok or from nothing), not its last change of state.
  const onset =
    [...d.transitions].reverse().find((t) => t.to !== "ok" && (t.from === null || t.from === "ok"))?.at ?? f.since;
  const changes = await getChangesBeforeFinding(actor, f.id, { onset });
  const tone =
    f.state === "critical" ? "sev1" : f.state === "warning" ? "sev2" : f.state === "unknown" ? "unknown" : "ok";
  return (
    <>
      <AutoRefresh ms={5000} />
      <PageHeader
        title={f.title}
        description={f.summary}
        actions={
          <Badge tone={tone}>
            {f.severity} {f.state === "ok" ? "cleared" : f.state}
          </Badge>
        }
      />
      <nav aria-label="Finding actions" className="-mt-3 mb-6 flex flex-wrap items-center gap-2" data-finding-actions>
        <Link
          href="/"
          className="min-h-10 content-center rounded-md border border-line px-3 text-sm hover:bg-surface-2"
        >
          <span aria-hidden="true">← </span>Back to board
        </Link>
        {f.state === "ok" ? (
          <span className="text-xs text-muted">Cleared: nothing to acknowledge.</span>
        ) : (
          <AcknowledgeControl
            findingId={f.id}
            onset={f.since}
            ack={d.currentAck}
            acknowledge={actor && roleAtLeast(actor.role, "responder") ? acknowledgeFindingAction : undefined}
            refresh
          />
        )}
        <IncidentLinkOrOpen findingId={f.id} incident={d.incident} cleared={f.state === "ok"} />
        {runbook ? (
          <Link
            className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
            href={`/runbooks?runbook=${f.runbook}`}
          >
            Runbook: {runbook.title}
          </Link>
        ) : /^https?:\/\//.test(f.runbook) ? (
          <a
            className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
            href={f.runbook}
            rel="noreferrer"
          >
            Runbook (external)
          </a>
        ) : null}
      </nav>
      <div className="grid gap-4 lg:grid-cols-2">
        <section aria-labelledby="rule-h" className="rounded-xl border border-line bg-surface p-4">
          <h2 id="rule-h" className="font-semibold">
            The rule
          </h2>
          <p className="mt-2 text-sm">{d.rule?.description ?? "This rule is no longer in the catalog."}</p>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">System</dt>
            <dd>
              {d.systemLabel}
              {d.systemLabel !== f.system ? <span className="font-mono text-muted"> ({f.system})</span> : null}
            </dd>
            <dt className="text-muted">Entity</dt>
            <dd className="font-mono">{f.entity === "*" ? "the system" : f.entity}</dd>
            {f.affected?.length ? (
              <>
                <dt className="text-muted">Named by the signal</dt>
                <dd className="font-mono">{f.affected.join(", ")}</dd>
              </>
            ) : null}
            {f.control ? (
              <>
                <dt className="text-muted">Control</dt>
                <dd data-finding-control={f.control.requestId}>
                  {f.control.description} · ticket {f.control.ticketId} ·{" "}
                  <a className="text-accent underline" href={`/audit?ticket=${encodeURIComponent(f.control.ticketId)}`}>
                    audit record{f.control.auditSeq !== null ? ` row ${f.control.auditSeq}` : ""}
                  </a>
                </dd>
              </>
            ) : null}
            {f.confirmed ? (
              <>
                <dt className="text-muted">Confirmed handled</dt>
                <dd data-confirmed="">
                  by {f.confirmed.by} at {utc(f.confirmed.at)} ({f.confirmed.ticketId}): {f.confirmed.reason}
                </dd>
              </>
            ) : null}
            <dt className="text-muted">Since</dt>
            <dd>{utc(f.since)}</dd>
            <dt className="text-muted">Last evaluated</dt>
            <dd>{utc(f.lastEvaluated)}</dd>
            {d.rule && sourceDocument(d.rule.seed) ? (
              <>
                <dt className="text-muted">From</dt>
                <dd>{sourceDocument(d.rule.seed)}</dd>
              </>
            ) : null}
            {runbook ? (
              <>
                <dt className="text-muted">Runbook</dt>
                <dd>
                  <Link className="text-accent hover:underline" href={`/runbooks?runbook=${f.runbook}`}>
                    {runbook.title}
                  </Link>
                </dd>
              </>
            ) : null}
            {f.escalationDueAt ? (
              <>
                <dt className="text-muted">Escalation</dt>
                <dd>
                  {f.escalationDueAt <= d.now ? "due now" : `due ${utc(f.escalationDueAt)}`}
                  {f.escalation ? ` — ${f.escalation}` : ""}
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        <section aria-labelledby="ev-h" className="rounded-xl border border-line bg-surface p-4">
          <h2 id="ev-h" className="font-semibold">
            Evidence
          </h2>
          {f.evidence.window ? (
            <p className="mt-1 text-sm text-muted">
              Window: {f.evidence.window.description} ({utc(f.evidence.window.from)} – {utc(f.evidence.window.to)})
            </p>
          ) : null}
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            {f.evidence.values.map((v) => (
              <div key={v.label} className="contents">
                <dt className="text-muted">{v.label}</dt>
                <dd className="font-mono">
                  {String(v.value)}
                  {v.at ? <span className="text-muted"> at {utc(v.at).slice(11)}</span> : null}
                </dd>
              </div>
            ))}
          </dl>
          {f.evidence.thresholds ? (
            <>
              <h3 className="mt-4 text-sm font-semibold">Thresholds in force</h3>
              <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                {Object.entries(f.evidence.thresholds).map(([k, v]) => (
                  <div key={k} className="contents">
                    <dt className="font-mono text-muted">{k}</dt>
                    <dd className="font-mono">{String(v)}</dd>
                  </div>
                ))}
              </dl>
            </>
          ) : null}
        </section>
      </div>
      <section aria-labelledby="hist-h" className="mt-6">
        <h2 id="hist-h" className="mb-2 font-semibold">
          State changes
        </h2>
        <TableScroll label="State changes">
          <table className="w-full min-w-[36rem] text-sm">
            <thead className="border-b border-line text-left text-muted">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Time (UTC)
                </th>
                <th scope="col" className="px-3 py-2">
                  Change
                </th>
                <th scope="col" className="px-3 py-2">
                  Summary
                </th>
              </tr>
            </thead>
            <tbody>
              {d.transitions.length === 0 ? (
                <tr>
                  <td colSpan={3} className="px-3 py-2 text-muted">
                    No state changes recorded yet.
                  </td>
                </tr>
              ) : null}
              {d.transitions.map((t, i) => (
                <tr key={i} className="border-b border-line last:border-0">
                  <td className="px-3 py-2 font-mono whitespace-nowrap">
                    <Link href={boardAtHref(t.at)} className="text-accent underline" title="The board at this moment">
                      {utc(t.at)}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    {t.from ?? "new"} → {t.to} ({t.severity})
                  </td>
                  <td className="px-3 py-2">{t.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
      <section aria-labelledby="ack-h" className="mt-6">
        <h2 id="ack-h" className="mb-2 font-semibold">
          Acknowledgements
        </h2>
        {d.acks.length === 0 ? (
          <p className="text-sm text-muted">Nobody has acknowledged this finding.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {d.acks.map((a, i) => (
              <li key={i}>
                {a.by} at {utc(a.at)} (occurrence since {utc(a.onset)})
              </li>
            ))}
          </ul>
        )}
      </section>
      <ChangesList changes={changes.changes} onset={changes.onset} windowMinutes={changes.windowMinutes} />
    </>
  );
}
