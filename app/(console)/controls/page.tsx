import type { Metadata } from "next";
import Link from "next/link";
import { randomUUID } from "node:crypto";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { canDecide, getControlsView } from "@/lib/controls/api";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { TableScroll } from "@/components/ui/table-scroll";
import { RequestStateBadge, TierBadge, VerificationText, paramsText, utc } from "@/components/controls/request-bits";
import { ControlForm, DecisionForms, ResendForm } from "./controls-client";

export const metadata: Metadata = { title: "Controls" };
export const dynamic = "force-dynamic";

const KIND_LABEL: Record<string, string> = { "spot-exchange": "Spot exchange", "trading-bot": "Trading bot", "futures-bot": "Futures bot" };

export default async function ControlsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await getActor();
  const view = await getControlsView(actor);
  const sp = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? "" : v ?? ""]));
  const role = actor!.role;
  const canRunAny = roleAtLeast(role, "responder");

  return (
    <>
      <PageHeader
        title="Controls"
        description="Emergency controls for the fleet. Each needs a reason and a ticket ID, is written to the audit log before the call is made, and is checked against the target afterwards. Critical controls need a second person."
      />

      {/^[0-9a-f-]{36}$/i.test(sp.incident ?? "") ? (
        <p className="mb-4 rounded-md border border-accent bg-surface p-3 text-sm" data-incident-link={sp.incident}>
          Opened from an incident: the request below is recorded on{" "}
          <Link href={`/incidents/${sp.incident}`} className="text-accent underline">the incident&apos;s timeline</Link> with its outcome.
        </p>
      ) : null}

      {view.unknown.length ? (
        <section aria-labelledby="unknown-h" className="mb-6 rounded-xl border-2 border-sev2 bg-surface p-4">
          <h2 id="unknown-h" className="text-lg font-semibold text-sev2">Outcome unknown: {view.unknown.length} control call(s) need checking</h2>
          <p className="mt-1 text-sm text-muted">The console lost track of these calls (timeout or restart mid-call). The target may or may not have acted: check it, then re-send with the same key — the target runs it at most once.</p>
          <ul className="mt-3 space-y-3">
            {view.unknown.map((r) => (
              <li key={r.id} className="rounded-md border border-line p-3 text-sm">
                <p><span className="font-medium">{r.title}</span> on {r.target} ({paramsText(r.params)}) by {r.requestedBy}, {utc(r.createdAt)} · {r.ticketId}</p>
                <p className="font-mono text-xs text-muted">{r.resultSummary}</p>
                {roleAtLeast(role, r.requiredRole as "responder") ? <ResendForm requestId={r.id} /> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="pending-h" className="mb-8">
        <h2 id="pending-h" className="mb-3 text-lg font-semibold">Pending approvals</h2>
        {view.pending.length === 0 ? (
          <EmptyState title="No requests are waiting for approval">Critical controls (HARD_HALT, withdrawals halt, cancel-all, kill switch) wait here for a second person for {view.settings.approvalTtlMinutes} minutes.</EmptyState>
        ) : (
          <ul className="space-y-3">
            {view.pending.map((r) => (
              <li key={r.id} className="rounded-xl border border-line bg-surface p-4" data-pending={r.id}>
                <p className="flex flex-wrap items-center gap-2">
                  <TierBadge tier={r.tier} /> <span className="font-semibold">{r.title}</span> on <span className="font-mono">{r.target}</span>
                  <span className="font-mono text-sm">{paramsText(r.params)}</span>
                </p>
                <p className="mt-1 text-sm">Requested by <span className="font-medium">{r.requestedBy}</span> at {utc(r.createdAt)} · ticket <span className="font-mono">{r.ticketId}</span> · expires {utc(r.approvalExpiresAt)}</p>
                <p className="mt-1 text-sm">Reason: {r.reason}</p>
                {r.preview ? <p className="mt-1 text-sm">Preview when requested: {r.preview}</p> : null}
                <div className="mt-3"><DecisionForms request={r} canDecide={canDecide(actor, r)} /></div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="catalog-h" className="mb-8">
        <h2 id="catalog-h" className="mb-3 text-lg font-semibold">Catalog</h2>
        {!canRunAny ? <p className="mb-3 text-sm text-muted">Controls need the responder role; you are signed in as {role}. You can see what was run below and in the audit log.</p> : null}
        {canRunAny ? (
          <div className="space-y-6">
            {view.targets.map((t) => (
              <section key={t.name} aria-labelledby={`t-${t.name}`}>
                <h3 id={`t-${t.name}`} className="mb-2 flex flex-wrap items-center gap-2 font-semibold">
                  {t.label} <span className="text-sm font-normal text-muted">{KIND_LABEL[t.kind] ?? t.kind}</span>
                  {t.simulated ? <Badge tone="neutral">simulated</Badge> : null}
                  {t.stateError ? <Badge tone="unknown" title={t.stateError}>state unavailable</Badge> : null}
                </h3>
                {t.controls.length === 0 ? <p className="text-sm text-muted">No controls for your role.</p> : null}
                <div className="space-y-2">
                  {t.controls.map((c) => {
                    const selected = sp.target === t.name && sp.control === c.id;
                    return (
                      <ControlForm
                        key={c.id}
                        target={{ name: t.name, kind: t.kind }}
                        control={c}
                        choices={t.choices}
                        prefill={selected ? sp : {}}
                        open={selected}
                        initialKey={`wf-${randomUUID()}`}
                        role={role}
                        settings={{ critical: view.settings.critical, secondPerson: view.settings.secondPerson }}
                      />
                    );
                  })}
                </div>
              </section>
            ))}
          </div>
        ) : null}
      </section>

      <section aria-labelledby="recent-h">
        <h2 id="recent-h" className="mb-3 text-lg font-semibold">Recent results</h2>
        {view.recent.length === 0 ? (
          <EmptyState title="No controls have been run yet" />
        ) : (
          <TableScroll label="Recent control requests">
            <table className="w-full min-w-[56rem] text-sm">
              <caption className="sr-only">Recent control requests, newest first</caption>
              <thead className="border-b border-line text-left text-muted">
                <tr>
                  {["Requested (UTC)", "By", "Control", "Target", "Ticket", "Outcome", "Verification", "Answer"].map((h) => <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>)}
                </tr>
              </thead>
              <tbody>
                {view.recent.map((r) => (
                  <tr key={r.id} className="border-b border-line align-top last:border-0" data-request={r.id}>
                    <td className="px-3 py-2 font-mono whitespace-nowrap">{utc(r.createdAt)}</td>
                    <td className="px-3 py-2">{r.requestedBy}{r.approvedBy ? <span className="block text-xs text-muted">{r.state === "rejected" ? "rejected by" : "approved by"} {r.approvedBy}</span> : null}</td>
                    <td className="px-3 py-2">{r.title}<span className="block font-mono text-xs text-muted">{paramsText(r.params)}</span></td>
                    <td className="px-3 py-2 font-mono">{r.target}</td>
                    <td className="px-3 py-2 font-mono">{r.ticketId}</td>
                    <td className="px-3 py-2"><RequestStateBadge state={r.state} /></td>
                    <td className="px-3 py-2"><VerificationText v={r.verification} /></td>
                    <td className="max-w-xs px-3 py-2 font-mono text-xs break-words">{r.resultSummary ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </>
  );
}
