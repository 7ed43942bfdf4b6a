import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { getAuditView } from "@/lib/audit/api";
import { TableScroll } from "@/components/ui/table-scroll";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Audit" };

function utc(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const sp = await searchParams;
  const { rows, chain } = await getAuditView(await getActor(), { actor: sp.actor || undefined, action: sp.action || undefined, limit: 200 });
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Append-only and hash-chained: every sign-in, role change and control is recorded here and cannot be rewritten."
        actions={
          chain.ok ? (
            <Badge tone="ok">✓ Chain verified up to row {chain.lastSeq ?? 0} at {utc(chain.verifiedAt)}</Badge>
          ) : (
            <Badge tone="sev1">✗ Chain broken at row {chain.badSeq}: {chain.problem}</Badge>
          )
        }
      />
      <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter audit log">
        <div>
          <label htmlFor="f-actor" className="block text-xs text-muted">Actor</label>
          <input id="f-actor" name="actor" defaultValue={sp.actor} className="rounded-md border border-line bg-bg px-3 py-2 text-sm" />
        </div>
        <div>
          <label htmlFor="f-action" className="block text-xs text-muted">Action starts with</label>
          <input id="f-action" name="action" defaultValue={sp.action} placeholder="auth." className="rounded-md border border-line bg-bg px-3 py-2 text-sm" />
        </div>
        <button className="h-10 rounded-md border border-line px-4 text-sm">Filter</button>
      </form>
      {rows.length === 0 ? (
        <EmptyState title="No audit records match">Sign-ins, role changes and controls appear here as they happen.</EmptyState>
      ) : (
        <TableScroll label="Audit records">
          <table className="w-full min-w-[48rem] text-sm">
            <caption className="sr-only">Audit records, newest first</caption>
            <thead className="border-b border-line text-left text-muted">
              <tr>
                {["#", "Time (UTC)", "Actor", "Action", "Target", "Outcome", "Hash"].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.seq} className="border-b border-line last:border-0">
                  <td className="px-3 py-2 font-mono text-muted">{r.seq}</td>
                  <td className="px-3 py-2 font-mono whitespace-nowrap">{utc(r.at)}</td>
                  <td className="px-3 py-2">{r.actorName ?? "—"} {r.actorRole ? <span className="text-xs text-muted">({r.actorRole})</span> : null}</td>
                  <td className="px-3 py-2 font-mono">{r.action}</td>
                  <td className="px-3 py-2 font-mono">{r.target ?? "—"}</td>
                  <td className="px-3 py-2"><Badge tone={r.outcome === "succeeded" ? "ok" : r.outcome === "failed" || r.outcome === "rate_limited" ? "sev1" : "neutral"}>{r.outcome}</Badge></td>
                  <td className="px-3 py-2 font-mono text-xs text-muted" title={r.hash}>{r.hash.slice(0, 12)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
