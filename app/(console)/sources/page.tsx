import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { listSources } from "@/lib/sources";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { FreshnessBadge } from "@/components/ui/freshness-badge";
import { Ago } from "@/components/ui/time";
import { AutoRefresh } from "@/components/live/auto-refresh";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage() {
  const { sources, collector, now } = await listSources(await getActor());
  return (
    <>
      <AutoRefresh ms={2000} />
      <PageHeader
        title="Sources"
        description="Every monitored system with its freshness, last success, last error and poll latency. A source is stale when its last success is older than two poll intervals."
        actions={<Badge title="Which console instance runs the collector">collector: {collector.role}</Badge>}
      />
      <TableScroll label="Monitored systems">
        <table className="w-full min-w-[56rem] text-sm">
          <caption className="sr-only">Monitored systems and their freshness</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {["System", "Kind", "Freshness", "Last success", "Last error", "Latency", "Polls"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.name} className="border-b border-line align-top last:border-0" data-source={s.name}>
                <td className="px-3 py-2">
                  <span className="font-medium">{s.label}</span> {s.simulated ? <Badge>simulated</Badge> : null}
                  <div className="font-mono text-xs text-muted">{s.baseUrl}</div>
                </td>
                <td className="px-3 py-2 font-mono">{s.kind}</td>
                <td className="px-3 py-2"><FreshnessBadge freshness={s.freshness} /></td>
                <td className="px-3 py-2"><Ago at={s.lastSuccessAt} now={now} /></td>
                <td className="px-3 py-2">
                  {s.lastError ? (
                    <span>
                      <span className="font-mono">{s.lastError.kind}</span>
                      {s.lastError.path ? <span className="font-mono text-muted"> {s.lastError.path}</span> : null}: {s.lastError.detail}
                      <div className="text-xs"><Ago at={s.lastError.at} now={now} /></div>
                    </span>
                  ) : (
                    <span className="text-muted">none</span>
                  )}
                </td>
                <td className="px-3 py-2 font-mono">{s.lastLatencyMs !== undefined ? `${Math.round(s.lastLatencyMs)} ms` : "—"}</td>
                <td className="px-3 py-2 font-mono">{s.pollCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <h2 className="mt-8 mb-3 text-lg font-semibold">Endpoints and last samples</h2>
      <div className="space-y-3">
        {sources.map((s) => (
          <details key={s.name} className="rounded-xl border border-line bg-surface p-3">
            <summary className="cursor-pointer font-medium">{s.label} — {s.endpoints.length} endpoints{s.lastSamples.length ? `, first ${Math.min(50, s.lastSamples.length)} samples of the last poll` : ""}</summary>
            <ul className="mt-3 space-y-1 text-sm">
              {s.endpoints.map((e) => (
                <li key={e.path} className="flex flex-wrap items-center gap-2">
                  <FreshnessBadge freshness={e.freshness} /> <span className="font-mono">{e.path}</span>
                  <span className="text-muted">{e.samples} samples{e.reports ? `, ${e.reports} reports` : ""}{e.status ? `, HTTP ${e.status}` : ""}</span>
                  {e.lastError ? <span className="text-sev1">{e.lastError.kind}: {e.lastError.detail}</span> : null}
                </li>
              ))}
            </ul>
            {s.lastSamples.length ? (
              <pre className="mt-3 max-h-80 overflow-auto rounded-md bg-bg p-3 font-mono text-xs" tabIndex={0}>
                {s.lastSamples.slice(0, 50).map((x) => `${x.entity === "*" ? "" : `${x.entity} `}${x.metric}${Object.keys(x.labels).length ? JSON.stringify(x.labels) : ""} = ${x.value}`).join("\n")}
              </pre>
            ) : null}
          </details>
        ))}
      </div>
    </>
  );
}
