import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { listSources } from "@/lib/sources";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { FreshnessBadge, PartialBadge } from "@/components/ui/freshness-badge";
import { Ago } from "@/components/ui/clock";
import { AutoRefresh } from "@/components/live/auto-refresh";
import { SourceParts } from "@/components/sources/source-parts";
import { IngestSection } from "@/components/sources/ingest-section";
import { RulesSection } from "@/components/sources/rules-section";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage() {
  const { sources, collector, now } = await listSources(await getActor());
  return (
    <>
      <AutoRefresh ms={2000} />
      <PageHeader
        title="Sources"
        description="Every monitored system with its freshness, last success, last error and poll latency. A source is stale when its last success is older than two poll intervals; it is partial when it answers but some metric families could not be read (the lines and rules are listed below the table)."
        actions={<Badge title="Which console instance runs the collector">collector: {collector.role}</Badge>}
      />
      <TableScroll label="Monitored systems">
        <table className="w-full min-w-[56rem] text-sm">
          <caption className="sr-only">Monitored systems and their freshness</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {["System", "Kind", "Freshness", "Last success", "Last error", "Latency", "Polls"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">
                  {h}
                </th>
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
                <td className="px-3 py-2">
                  <span className="flex flex-wrap gap-1">
                    <FreshnessBadge freshness={s.freshness} />
                    {s.partial ? <PartialBadge families={s.partial.droppedFamilies} /> : null}
                  </span>
                </td>
                <td className="px-3 py-2">
                  <Ago at={s.lastSuccessAt} now={now} withUtc />
                </td>
                <td className="px-3 py-2">
                  {s.lastError ? (
                    <span>
                      <span className="font-mono">{s.lastError.kind}</span>
                      {s.lastError.path ? (
                        <span className="font-mono text-muted"> {s.lastError.path}</span>
                      ) : null}: {s.lastError.detail}
                      <div className="text-xs">
                        <Ago at={s.lastError.at} now={now} withUtc />
                      </div>
                    </span>
                  ) : (
                    <span className="text-muted">none</span>
                  )}
                </td>
                <td className="px-3 py-2 font-mono">
                  {s.lastLatencyMs !== undefined ? `${Math.round(s.lastLatencyMs)} ms` : "—"}
                </td>
                <td className="px-3 py-2 font-mono">{s.pollCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <SourceParts sources={sources} now={now} />
      {sources.some((s) => s.partial) ? (
        <section aria-labelledby="partial-h" className="mt-8">
          <h2 id="partial-h" className="mb-3 text-lg font-semibold">
            Partial sources
          </h2>
          <p className="mb-3 text-sm text-muted">
            These sources answered, but some lines could not be read. The families those lines belong to are left out;
            every other family is current. Findings that read a left-out family show Unknown.
          </p>
          <div className="space-y-3">
            {sources
              .filter((s) => s.partial)
              .map((s) => (
                <div key={s.name} className="rounded-xl border border-line bg-surface p-3" data-partial-source={s.name}>
                  <h3 className="font-medium">
                    {s.label} <span className="font-mono text-sm text-muted">{s.partial!.path}</span>
                  </h3>
                  <p className="text-sm">
                    Left out: <span className="font-mono">{s.partial!.droppedFamilies.join(", ") || "—"}</span>
                    {" · "}
                    {s.partial!.issueCount} unreadable {s.partial!.issueCount === 1 ? "line" : "lines"} ·{" "}
                    <Ago at={s.partial!.at} now={now} withUtc />
                  </p>
                  <ul className="mt-2 space-y-2 text-sm">
                    {s.partial!.issues.map((i, n) => (
                      <li key={n}>
                        <div>
                          {i.line !== undefined ? <span className="font-mono">line {i.line}</span> : null}{" "}
                          <Badge title="The rule the line broke">rule: {i.rule}</Badge>{" "}
                          {i.message.replace(/^line \d+: /, "")}
                        </div>
                        {i.text !== undefined ? (
                          <pre
                            className="mt-1 overflow-x-auto rounded-md bg-bg p-2 font-mono text-xs"
                            tabIndex={0}
                            aria-label={`Offending line${i.line !== undefined ? ` ${i.line}` : ""}`}
                          >
                            {i.text}
                          </pre>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
          </div>
        </section>
      ) : null}
      <IngestSection now={now} />
      <RulesSection now={now} />
      <h2 className="mt-8 mb-3 text-lg font-semibold">Endpoints and last samples</h2>
      <div className="space-y-3">
        {sources.map((s) => (
          <details key={s.name} className="rounded-xl border border-line bg-surface p-3">
            <summary className="cursor-pointer font-medium">
              {s.label} — {s.endpoints.length} endpoints
              {s.lastSamples.length ? `, first ${Math.min(50, s.lastSamples.length)} samples of the last poll` : ""}
            </summary>
            <ul className="mt-3 space-y-1 text-sm">
              {s.endpoints.map((e) => (
                <li key={e.path} className="flex flex-wrap items-center gap-2">
                  <FreshnessBadge freshness={e.freshness} /> <span className="font-mono">{e.path}</span>
                  <span className="text-muted">
                    {e.samples} samples{e.reports ? `, ${e.reports} reports` : ""}
                    {e.status ? `, HTTP ${e.status}` : ""}
                  </span>
                  {e.lastError ? (
                    <span className="text-sev1">
                      {e.lastError.kind}: {e.lastError.detail}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
            {s.lastSamples.length ? (
              <pre className="mt-3 max-h-80 overflow-auto rounded-md bg-bg p-3 font-mono text-xs" tabIndex={0}>
                {s.lastSamples
                  .slice(0, 50)
                  .map(
                    (x) =>
                      `${x.entity === "*" ? "" : `${x.entity} `}${x.metric}${Object.keys(x.labels).length ? JSON.stringify(x.labels) : ""} = ${x.value}`,
                  )
                  .join("\n")}
              </pre>
            ) : null}
          </details>
        ))}
      </div>
    </>
  );
}
