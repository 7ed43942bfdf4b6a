import type { Metadata } from "next";
import Link from "next/link";
import { randomUUID } from "node:crypto";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { canDecide, getControlsView, systemLabels, type ControlRequestView } from "@/lib/controls/api";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { TableScroll } from "@/components/ui/table-scroll";
import { AutoRefresh } from "@/components/live/auto-refresh";
import {
  ProtectionText,
  RequestStateBadge,
  TicketId,
  TierBadge,
  VerificationText,
  utc,
} from "@/components/controls/request-bits";
import { ControlForm, DecisionForms, ResendForm } from "./controls-client";

export const metadata: Metadata = { title: "Controls" };
export const dynamic = "force-dynamic";

const KIND_LABEL: Record<string, string> = {
  "spot-exchange": "Spot exchange",
  "trading-bot": "Trading bot",
  "futures-bot": "Futures bot",
  prometheus: "Exporter (Prometheus)",
  "http-json": "Health JSON",
};

/** How often the page re-reads while a request waits for a decision (its outcome shows without a reload). */
const PENDING_REFRESH_MS = 5_000;
/** Recent results shown as cards on a phone (the table on wider screens shows all it has). */
const PHONE_RECENT = 8;

/**
 * The Controls screen. `/controls` lists pending approvals, the catalog (one link per control) and
 * recent results. A link that names a control — `/controls?target=<system>&control=<id>&<field>=<value>`,
 * `system=` works as well as `target=` — opens that control alone, pre-filled and focused, with its
 * recent results underneath (the runbook checklists link here).
 */
export default async function ControlsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await getActor();
  const view = await getControlsView(actor);
  const labels = systemLabels();
  const label = (name: string) => labels[name] ?? name;
  const tickets = view.settings.ticketUrlTemplate;
  const sp = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? "") : (v ?? "")]),
  );
  const role = actor!.role;
  const canRunAny = roleAtLeast(role, "responder");
  const incident = /^[0-9a-f-]{36}$/i.test(sp.incident ?? "") ? sp.incident! : null;

  // A link to one control: which system (the link may leave it out when only one system has it).
  const wantSystem = sp.system || sp.target || "";
  const wantControl = sp.control || "";
  const candidates = wantControl
    ? view.targets.filter((t) => (!wantSystem || t.name === wantSystem) && t.controls.some((c) => c.id === wantControl))
    : [];
  const focused =
    candidates.length === 1
      ? { t: candidates[0]!, c: candidates[0]!.controls.find((c) => c.id === wantControl)! }
      : null;
  const hrefFor = (system: string, control: string) => {
    const q = new URLSearchParams({
      ...Object.fromEntries(Object.entries(sp).filter(([k]) => k !== "system" && k !== "target" && k !== "control")),
      target: system,
      control,
    });
    return `/controls?${q.toString()}`;
  };
  const catalogHref = (system: string, control: string) =>
    `/controls?${new URLSearchParams({ target: system, control, ...(incident ? { incident } : {}) }).toString()}`;
  const recent = focused
    ? view.recent.filter((r) => r.target === focused.t.name && r.control === focused.c.id)
    : view.recent;
  const pendingOrMoving =
    view.pending.length > 0 || view.recent.some((r) => r.state === "approved" || r.state === "executing");

  return (
    <>
      <PageHeader
        title="Controls"
        // One control opened by a link: the form comes first, its own summary says what it does.
        description={
          focused
            ? undefined
            : "Emergency controls for the fleet. Each needs a reason and a ticket ID, is written to the audit log before the call is made, and is checked against the target afterwards. Protective controls run at once; restoring ones need a commander and a second person (policy table below)."
        }
      />
      {pendingOrMoving ? <AutoRefresh ms={PENDING_REFRESH_MS} /> : null}

      {incident ? (
        <p className="mb-4 rounded-md border border-accent bg-surface p-3 text-sm" data-incident-link={incident}>
          Opened from an incident: the request below is recorded on{" "}
          <Link href={`/incidents/${incident}`} className="text-accent underline">
            the incident&apos;s timeline
          </Link>{" "}
          with its outcome.
        </p>
      ) : null}

      {wantControl ? (
        <section aria-labelledby="open-h" className="mb-8" data-open-control={wantControl}>
          <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="open-h" className="text-lg font-semibold">
              {focused ? `${focused.c.title} — ${focused.t.label}` : "Open a control"}
            </h2>
            <Link
              href={incident ? `/controls?incident=${incident}` : "/controls"}
              className="text-sm text-accent underline"
            >
              All controls
            </Link>
          </div>
          {!canRunAny ? (
            <p className="text-sm text-muted">Controls need the responder role; you are signed in as {role}.</p>
          ) : focused ? (
            <ControlForm
              key={`${focused.t.name}-${focused.c.id}`}
              target={{ name: focused.t.name, label: focused.t.label, kind: focused.t.kind }}
              control={focused.c}
              choices={focused.t.choices}
              prefill={sp}
              open
              focus
              initialKey={`wf-${randomUUID()}`}
              role={role}
              settings={{
                critical: view.settings.critical,
                secondPerson: view.settings.secondPerson,
                policy: view.settings.policy,
              }}
            />
          ) : candidates.length > 1 ? (
            <div>
              <p className="mb-2 text-sm">Several systems have this control. Which one?</p>
              <ul className="flex flex-wrap gap-2">
                {candidates.map((t) => (
                  <li key={t.name}>
                    <Link
                      href={hrefFor(t.name, wantControl)}
                      className="inline-flex min-h-11 items-center rounded-md border border-line px-3 text-sm"
                    >
                      {t.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p role="alert" className="text-sm text-sev1">
              {wantSystem && !view.targets.some((t) => t.name === wantSystem)
                ? `No system named “${wantSystem}” in the fleet.`
                : `No control “${wantControl}”${wantSystem ? ` on ${label(wantSystem)}` : ""} that your role (${role}) can open.`}{" "}
              Choose one from{" "}
              <Link href="/controls" className="underline">
                all controls
              </Link>
              .
            </p>
          )}
        </section>
      ) : null}

      {view.unknown.length ? (
        <section aria-labelledby="unknown-h" className="mb-6 rounded-xl border-2 border-sev2 bg-surface p-4">
          <h2 id="unknown-h" className="text-lg font-semibold text-sev2">
            Outcome unknown: {view.unknown.length} control call(s) need checking
          </h2>
          <p className="mt-1 text-sm text-muted">
            The console lost track of these calls (timeout or restart mid-call). The target may or may not have acted:
            check it, then re-send with the same key — the target runs it at most once.
          </p>
          <ul className="mt-3 space-y-3">
            {view.unknown.map((r) => (
              <li key={r.id} className="rounded-md border border-line p-3 text-sm">
                <p className="break-words">
                  <span className="font-medium">{r.description}</span> on {label(r.target)} by {r.requestedBy},{" "}
                  {utc(r.createdAt)} · <TicketId id={r.ticketId} template={tickets} />
                </p>
                <p className="font-mono text-xs break-words text-muted">{r.resultSummary}</p>
                {roleAtLeast(role, r.requiredRole as "responder") ? <ResendForm requestId={r.id} /> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {!wantControl || view.pending.length ? (
        <section aria-labelledby="pending-h" className="mb-8">
          <h2 id="pending-h" className="mb-3 text-lg font-semibold">
            Pending approvals
          </h2>
          {view.pending.length === 0 ? (
            <EmptyState title="No requests are waiting for approval">
              Restoring controls (NORMAL, withdrawals back on, resuming a profile, executing a position sync) wait here
              for a second person for {view.settings.approvalTtlMinutes} minutes; protective ones run at once.
            </EmptyState>
          ) : (
            <ul className="space-y-3">
              {view.pending.map((r) => (
                <li key={r.id} className="min-w-0 rounded-xl border border-line bg-surface p-4" data-pending={r.id}>
                  <p className="flex flex-wrap items-center gap-2">
                    <TierBadge tier={r.tier} /> <span className="font-semibold break-words">{r.description}</span> on{" "}
                    <span>{label(r.target)}</span>
                  </p>
                  <p className="mt-1 text-sm">
                    Requested by <span className="font-medium">{r.requestedBy}</span> at {utc(r.createdAt)} · ticket{" "}
                    <TicketId id={r.ticketId} template={tickets} /> · expires {utc(r.approvalExpiresAt)}
                  </p>
                  <p className="mt-1 text-sm break-words">Reason: {r.reason}</p>
                  {r.preview ? <p className="mt-1 text-sm break-words">Preview when requested: {r.preview}</p> : null}
                  {r.restores ? (
                    <div className="mt-2">
                      <ProtectionText p={r.restores} />
                    </div>
                  ) : null}
                  <div className="mt-3">
                    <DecisionForms request={r} canDecide={canDecide(actor, r)} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}

      {!wantControl ? (
        <section aria-labelledby="catalog-h" className="mb-8">
          <h2 id="catalog-h" className="mb-3 text-lg font-semibold">
            Catalog
          </h2>
          {!canRunAny ? (
            <p className="mb-3 text-sm text-muted">
              Controls need the responder role; you are signed in as {role}. You can see what was run below and in the
              audit log.
            </p>
          ) : null}
          {canRunAny ? (
            <div className="space-y-6">
              {view.targets.map((t) => (
                <section key={t.name} aria-labelledby={`t-${t.name}`}>
                  <h3 id={`t-${t.name}`} className="mb-2 flex flex-wrap items-center gap-2 font-semibold">
                    {t.label}{" "}
                    {t.label !== t.name ? (
                      <span className="font-mono text-xs font-normal text-muted">{t.name}</span>
                    ) : null}{" "}
                    <span className="text-sm font-normal text-muted">{KIND_LABEL[t.kind] ?? t.kind}</span>
                    {t.simulated ? <Badge tone="neutral">simulated</Badge> : null}
                    {t.stateError ? (
                      <Badge tone="unknown" title={t.stateError}>
                        state unavailable
                      </Badge>
                    ) : null}
                  </h3>
                  {t.controls.length === 0 ? <p className="text-sm text-muted">No controls for your role.</p> : null}
                  <ul className="grid gap-2 sm:grid-cols-2">
                    {t.controls.map((c) => (
                      <li key={c.id} className="min-w-0" data-control={c.id} data-target={t.name}>
                        <Link
                          href={catalogHref(t.name, c.id)}
                          className="block h-full rounded-xl border border-line bg-surface p-3 hover:border-accent"
                        >
                          <span className="font-semibold text-accent">{c.title}</span>
                          <span className="mt-1 block text-sm text-muted">{c.summary}</span>
                        </Link>
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
            </div>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="recent-h">
        <h2 id="recent-h" className="mb-3 text-lg font-semibold">
          {focused ? `Recent results of ${focused.c.title} on ${focused.t.label}` : "Recent results"}
        </h2>
        {recent.length === 0 ? (
          <EmptyState title={focused ? "Not run recently" : "No controls have been run yet"} />
        ) : (
          <>
            {/* Phones: one card per request, the control and its outcome first. */}
            <ul className="space-y-2 md:hidden" aria-label="Recent control requests">
              {recent.slice(0, PHONE_RECENT).map((r) => (
                <RecentCard key={r.id} r={r} label={label(r.target)} tickets={tickets} />
              ))}
            </ul>
            {recent.length > PHONE_RECENT ? (
              <p className="mt-2 text-sm md:hidden">
                <Link href="/audit" className="text-accent underline">
                  Older requests are in the audit log
                </Link>
              </p>
            ) : null}
            <TableScroll label="Recent control requests" className="hidden md:block">
              <table className="w-full text-sm">
                <caption className="sr-only">Recent control requests, newest first</caption>
                <thead className="border-b border-line text-left text-muted">
                  <tr>
                    {["Control", "Outcome", "System", "Requested (UTC)", "By", "Ticket", "Verification and answer"].map(
                      (h) => (
                        <th key={h} scope="col" className="px-3 py-2 font-medium">
                          {h}
                        </th>
                      ),
                    )}
                  </tr>
                </thead>
                <tbody>
                  {recent.map((r) => (
                    <tr key={r.id} className="border-b border-line align-top last:border-0" data-request={r.id}>
                      <td className="min-w-40 px-3 py-2 font-medium break-words">{r.description}</td>
                      <td className="px-3 py-2">
                        <RequestStateBadge state={r.state} />
                      </td>
                      <td className="px-3 py-2">{label(r.target)}</td>
                      <td className="min-w-28 px-3 py-2 font-mono text-xs">{utc(r.createdAt)}</td>
                      <td className="px-3 py-2">
                        {r.requestedBy}
                        {r.approvedBy ? (
                          <span className="block text-xs text-muted">
                            {r.state === "rejected" ? "rejected by" : "approved by"} {r.approvedBy}
                          </span>
                        ) : null}
                      </td>
                      <td className="px-3 py-2 whitespace-nowrap">
                        <TicketId id={r.ticketId} template={tickets} />
                      </td>
                      <td className="px-3 py-2">
                        <VerificationText v={r.verification} />
                        <span className="mt-1 block font-mono text-xs break-all text-muted">
                          {r.resultSummary ?? "—"}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </>
        )}
      </section>

      {!wantControl ? (
        <section aria-labelledby="policy-h" className="mt-8" data-policy-table>
          <h2 id="policy-h" className="mb-1 text-lg font-semibold">
            Policy
          </h2>
          <p className="mb-3 text-sm text-muted">
            Protective controls reduce exposure and run at once for one person with a reason and ticket; restoring
            controls put money back at risk and need a commander and a second person&apos;s approval. A protective
            control&apos;s effect is watched from telemetry after it succeeds; if it stops holding, a SEV1 finding
            opens. Change a row with <span className="font-mono">controls.policy</span> in the fleet config.
          </p>
          <details>
            <summary className="cursor-pointer text-sm text-accent">
              Every control variant: direction, role, approval and watch
            </summary>
            <TableScroll label="Control policy" className="mt-2">
              <table className="w-full text-sm">
                <caption className="sr-only">Control policy per variant</caption>
                <thead className="border-b border-line text-left text-muted">
                  <tr>
                    {["System kind", "Control", "Variant", "Direction", "Role", "Approval", "Watch", "Set by"].map(
                      (h) => (
                        <th key={h} scope="col" className="px-3 py-2 font-medium">
                          {h}
                        </th>
                      ),
                    )}
                  </tr>
                </thead>
                <tbody>
                  {view.policyTable.map((p) => (
                    <tr
                      key={`${p.kind}-${p.variant}`}
                      className="border-b border-line last:border-0"
                      data-policy-row={p.variant}
                      data-direction={p.direction}
                    >
                      <td className="px-3 py-1">{KIND_LABEL[p.kind] ?? p.kind}</td>
                      <td className="px-3 py-1">{p.title}</td>
                      <td className="px-3 py-1 font-mono text-xs">{p.variant}</td>
                      <td className="px-3 py-1">{p.direction}</td>
                      <td className="px-3 py-1">{p.role}</td>
                      <td className="px-3 py-1">{p.secondPerson ? `a second ${p.role}` : "none"}</td>
                      <td className="px-3 py-1">{p.watchMinutes ? `${p.watchMinutes} min` : "—"}</td>
                      <td className="px-3 py-1">{p.source === "config" ? "fleet config" : "default"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </details>
        </section>
      ) : null}
    </>
  );
}

function RecentCard({ r, label, tickets }: { r: ControlRequestView; label: string; tickets: string | null }) {
  return (
    <li className="min-w-0 rounded-xl border border-line bg-surface p-3 text-sm" data-request-card={r.id}>
      <p className="flex flex-wrap items-center gap-2">
        <span className="font-semibold break-words">{r.description}</span> <RequestStateBadge state={r.state} />
      </p>
      <p className="mt-1 text-muted">
        {label} · {utc(r.createdAt)} · {r.requestedBy}
        {r.approvedBy ? ` · ${r.state === "rejected" ? "rejected by" : "approved by"} ${r.approvedBy}` : ""} ·{" "}
        <TicketId id={r.ticketId} template={tickets} />
      </p>
      {r.verification ? (
        <p className="mt-1">
          <VerificationText v={r.verification} />
        </p>
      ) : null}
      {r.resultSummary ? <p className="mt-1 font-mono text-xs break-all text-muted">{r.resultSummary}</p> : null}
    </li>
  );
}
