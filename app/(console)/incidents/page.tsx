import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { findingForPrefill, listIncidents } from "@/lib/incidents/api";
import { findingEntities } from "@/lib/incidents/room";
import { listRunbooks } from "@/lib/runbooks/service";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { Badge } from "@/components/ui/badge";
import { Ago } from "@/components/ui/clock";
import { SeverityBadge } from "@/components/runbooks/severity-badge";
import { OpenIncidentForm, type OpenPrefill } from "./incident-client";

export const metadata: Metadata = { title: "Incidents" };
export const dynamic = "force-dynamic";

export default async function IncidentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await getActor();
  const data = await listIncidents(actor);
  const sp = await searchParams;
  const findingId = typeof sp.finding === "string" ? sp.finding.slice(0, 400) : undefined;
  const canOpen = roleAtLeast(actor!.role, "commander");
  const now = data.now;

  let prefill: OpenPrefill = {};
  let findingMissing = false;
  if (findingId) {
    const f = await findingForPrefill(actor, findingId);
    if (f) {
      prefill = {
        findingId: f.id,
        findingSummary: f.summary,
        title: `${f.title}: ${f.system}${f.entity === "*" ? "" : ` ${f.entity}`}`,
        severity: f.severity,
        // The profiles or symbols the finding names; the system as a whole only when it names none.
        affected:
          findingEntities(f)
            .map((e) => `${f.system}/${e.entity}`)
            .join(", ") || `${f.system}/${f.entity}`,
        runbook: f.runbook,
      };
    } else findingMissing = true;
  }
  const runbooks = canOpen ? (await listRunbooks(actor)).runbooks.map((r) => ({ slug: r.slug, title: r.title })) : [];
  if (prefill.runbook && !runbooks.some((r) => r.slug === prefill.runbook)) delete prefill.runbook;

  return (
    <>
      <PageHeader
        title="Incidents"
        description="Open incidents with their commanders, checklists and timelines, and recently resolved ones. Open one from a finding on the board or by hand."
      />

      <section aria-labelledby="open-h" className="mb-8">
        <h2 id="open-h" className="mb-3 text-lg font-semibold">
          Open incidents
        </h2>
        {data.open.length === 0 ? (
          <EmptyState title="No open incidents">Findings on the board have an “Open incident” link.</EmptyState>
        ) : (
          <ul className="space-y-3">
            {data.open.map((i) => (
              <li key={i.id} className="rounded-xl border border-line bg-surface p-4" data-incident={i.id}>
                <p className="flex flex-wrap items-center gap-2">
                  <SeverityBadge severity={i.severity} />
                  <Badge tone="accent">{i.status}</Badge>
                  <Link
                    href={`/incidents/${i.id}`}
                    className="inline-flex min-h-11 items-center font-semibold underline decoration-line underline-offset-2 hover:decoration-fg"
                  >
                    {i.title}
                  </Link>
                </p>
                <p className="mt-1 text-sm text-muted">
                  Commander {i.commander?.name ?? "none"} · {i.responders.length} responder
                  {i.responders.length === 1 ? "" : "s"} · {i.openFindings} open finding
                  {i.openFindings === 1 ? "" : "s"} · opened <Ago at={i.openedAt} now={now} withUtc />
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="new-h" className="mb-8 rounded-xl border border-line bg-surface p-4" id="open-incident">
        <h2 id="new-h" className="mb-3 text-lg font-semibold">
          Open an incident
        </h2>
        {findingMissing ? (
          <p role="status" className="mb-3 text-sm text-sev2">
            The finding <span className="font-mono break-all">{findingId}</span> is not on the board any more; open the
            incident by hand.
          </p>
        ) : null}
        {canOpen ? (
          <OpenIncidentForm prefill={prefill} runbooks={runbooks} />
        ) : (
          <p className="text-sm text-muted">
            Opening incidents needs the commander role; you are signed in as {actor!.role}.
          </p>
        )}
      </section>

      <section aria-labelledby="resolved-h">
        <h2 id="resolved-h" className="mb-3 text-lg font-semibold">
          Recently resolved
        </h2>
        {data.resolved.length === 0 ? (
          <EmptyState title="No resolved incidents yet" />
        ) : (
          <ul className="space-y-2">
            {data.resolved.map((i) => (
              <li key={i.id} className="flex flex-wrap items-center gap-2 text-sm" data-incident={i.id}>
                <SeverityBadge severity={i.severity} />
                <Link
                  href={`/incidents/${i.id}`}
                  className="inline-flex min-h-11 items-center underline decoration-line underline-offset-2"
                >
                  {i.title}
                </Link>
                <span className="text-muted">
                  resolved <Ago at={i.resolvedAt} now={now} withUtc />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
