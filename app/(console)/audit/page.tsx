import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { getAuditView } from "@/lib/audit/api";
import { auditFilterFrom } from "@/lib/audit/export";
import { Invalid } from "@/lib/errors";
import type { AuditFilter } from "@/lib/audit/log";
import { TableScroll } from "@/components/ui/table-scroll";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { utcDateTime } from "@/lib/core/time";
import { TicketId } from "@/components/controls/request-bits";
import { ticketUrlTemplate } from "@/lib/controls/api";

export const metadata: Metadata = { title: "Audit" };

const OUTCOME_TONE: Record<string, "ok" | "sev1" | "sev2" | "sev3" | "accent" | "neutral"> = {
  succeeded: "ok",
  verified: "ok",
  approved: "accent",
  failed: "sev1",
  not_verified: "sev1",
  rate_limited: "sev1",
  outcome_unknown: "sev2",
  unverified: "sev2",
  expired: "sev3",
  rejected: "sev3",
};

const FILTERS = [
  { name: "actor", label: "Actor", placeholder: "e2e-commander" },
  { name: "action", label: "Action starts with", placeholder: "control." },
  { name: "target", label: "Target", placeholder: "spot-exchange" },
  { name: "ticket", label: "Ticket ID", placeholder: "OPS-123" },
  { name: "outcome", label: "Outcome", placeholder: "succeeded" },
] as const;

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
  ) as Record<string, string | undefined>;
  let filter: AuditFilter = {};
  let filterError: string | null = null;
  try {
    filter = auditFilterFrom(sp);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    filterError = err.message;
  }
  const { rows, chain } = await getAuditView(await getActor(), { ...filter, limit: 200 });
  const tickets = ticketUrlTemplate();
  const qs = new URLSearchParams(
    Object.entries(sp).filter(
      (e): e is [string, string] =>
        typeof e[1] === "string" &&
        e[1] !== "" &&
        ["actor", "action", "target", "ticket", "outcome", "from", "to"].includes(e[0]),
    ),
  );
  const exportHref = (format: string) => `/api/audit/export?${new URLSearchParams([...qs, ["format", format]])}`;
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Append-only and hash-chained: every sign-in, role change, acknowledgement and control is recorded here and cannot be rewritten."
        actions={
          chain.ok ? (
            <Badge tone="ok">
              ✓ Chain verified up to row {chain.lastSeq ?? 0} at {utcDateTime(chain.verifiedAt.getTime())}
            </Badge>
          ) : (
            <Badge tone="sev1">
              ✗ Chain broken at row {chain.badSeq}: {chain.problem}
            </Badge>
          )
        }
      />
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter audit log">
        {FILTERS.map((f) => (
          <div key={f.name}>
            <label htmlFor={`f-${f.name}`} className="block text-xs text-muted">
              {f.label}
            </label>
            <input
              id={`f-${f.name}`}
              name={f.name}
              defaultValue={sp[f.name]}
              placeholder={f.placeholder}
              className="w-40 rounded-md border border-line bg-bg px-3 py-2 text-sm"
            />
          </div>
        ))}
        <div>
          <label htmlFor="f-from" className="block text-xs text-muted">
            From (UTC)
          </label>
          <input
            id="f-from"
            name="from"
            type="datetime-local"
            defaultValue={sp.from}
            className="rounded-md border border-line bg-bg px-3 py-2 text-sm"
          />
        </div>
        <div>
          <label htmlFor="f-to" className="block text-xs text-muted">
            To (UTC)
          </label>
          <input
            id="f-to"
            name="to"
            type="datetime-local"
            defaultValue={sp.to}
            className="rounded-md border border-line bg-bg px-3 py-2 text-sm"
          />
        </div>
        <button className="h-10 rounded-md border border-line px-4 text-sm">Filter</button>
        <div className="flex gap-3 text-sm">
          <a className="underline" href={exportHref("ndjson")} download>
            Export NDJSON
          </a>
          <a className="underline" href={exportHref("csv")} download>
            Export CSV
          </a>
        </div>
      </form>
      {filterError ? (
        <p role="alert" className="mb-4 text-sm text-sev1">
          {filterError}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No audit records match">
          Sign-ins, role changes, acknowledgements and controls appear here as they happen.
        </EmptyState>
      ) : (
        <TableScroll label="Audit records">
          <table className="w-full min-w-[64rem] text-sm">
            <caption className="sr-only">Audit records, newest first</caption>
            <thead className="border-b border-line text-left text-muted">
              <tr>
                {["#", "Time (UTC)", "Actor", "Action", "Target", "Ticket", "Outcome", "Details", "Hash"].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.seq}
                  className="border-b border-line align-top last:border-0"
                  data-seq={r.seq}
                  data-outcome={r.outcome}
                >
                  <td className="px-3 py-2 font-mono text-muted">{r.seq}</td>
                  <td className="px-3 py-2 font-mono whitespace-nowrap">{utcDateTime(r.at.getTime())}</td>
                  <td className="px-3 py-2">
                    {r.actorName ?? "—"}{" "}
                    {r.actorRole ? <span className="text-xs text-muted">({r.actorRole})</span> : null}
                  </td>
                  <td className="px-3 py-2 font-mono">{r.action}</td>
                  <td className="px-3 py-2 font-mono">{r.target ?? "—"}</td>
                  <td className="px-3 py-2">
                    <TicketId id={r.ticketId} template={tickets} />
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={OUTCOME_TONE[r.outcome] ?? "neutral"}>{r.outcome}</Badge>
                  </td>
                  <td className="max-w-sm px-3 py-2 text-xs break-words">
                    {r.reason ? <span className="block">Reason: {r.reason}</span> : null}
                    {r.responseSummary ? <span className="block font-mono">{r.responseSummary}</span> : null}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs text-muted" title={r.hash}>
                    {r.hash.slice(0, 12)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
