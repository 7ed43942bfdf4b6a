import { getActor } from "@/lib/auth/session";
import { listIngestStats, type IngestLine, type SourceIngest } from "@/lib/sources-ingest";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { Ago } from "@/components/ui/clock";

// The sources screen's log-shipper section: per source, how many records its shippers sent and
// what became of them, and the last lines that matched no log pattern or were rejected. A
// misconfigured format shows here as a rising unparsed count next to the lines themselves.

const RECEIVERS: Record<string, string> = { ingest: "POST /api/ingest", loki: "Loki push", es: "Elasticsearch bulk" };

function Lines({ title, lines, now, source }: { title: string; lines: IngestLine[]; now: number; source: string }) {
  if (lines.length === 0) return null;
  return (
    <div className="mt-2">
      <h4 className="text-sm font-medium">{title}</h4>
      <ul className="mt-1 space-y-2 text-sm">
        {lines.map((l, i) => (
          <li key={i}>
            <div>
              <span className="font-mono">{l.ref}</span> via {RECEIVERS[l.receiver] ?? l.receiver} ·{" "}
              <Ago at={l.at} now={now} withUtc />: {l.reason}
            </div>
            <pre
              className="mt-1 overflow-x-auto rounded-md bg-bg p-2 font-mono text-xs"
              tabIndex={0}
              role="region"
              aria-label={`${title} from ${source}, ${l.ref}`}
            >
              {l.line}
            </pre>
          </li>
        ))}
      </ul>
    </div>
  );
}

export async function IngestSection({ now }: { now: number }) {
  const sources: SourceIngest[] = await listIngestStats(await getActor());
  return (
    <section aria-labelledby="ingest-h" className="mt-8">
      <h2 id="ingest-h" className="mb-3 text-lg font-semibold">
        Log shippers
      </h2>
      <p className="mb-3 text-sm text-muted">
        Records pushed by log shippers (our ingest API, the Loki push API, the Elasticsearch bulk API), per source.
        Unparsed lines matched no log pattern of the source&apos;s format and were not stored as reports; rejected lines
        had a pattern but could not be read.
      </p>
      {sources.length === 0 ? (
        <p className="text-sm text-muted">
          No source has an ingest token configured (credentials.ingestTokenEnv in the fleet config).
        </p>
      ) : (
        <>
          <TableScroll label="Log shipper ingest per source">
            <table className="w-full min-w-[44rem] text-sm">
              <caption className="sr-only">Records received from log shippers per source</caption>
              <thead className="border-b border-line text-left text-muted">
                <tr>
                  {["System", "Received", "Stored", "Duplicates", "Unparsed", "Rejected", "Last received"].map((h) => (
                    <th key={h} scope="col" className="px-3 py-2 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr
                    key={s.system}
                    className="border-b border-line align-top last:border-0"
                    data-ingest-source={s.system}
                  >
                    <td className="px-3 py-2 font-medium">{s.label}</td>
                    <td className="px-3 py-2 font-mono" data-count="received">
                      {s.received}
                    </td>
                    <td className="px-3 py-2 font-mono" data-count="stored">
                      {s.stored}
                    </td>
                    <td className="px-3 py-2 font-mono" data-count="duplicates">
                      {s.duplicates}
                    </td>
                    <td className="px-3 py-2 font-mono" data-count="unparsed">
                      {s.unparsed}{" "}
                      {s.unparsed > 0 ? <Badge title="Lines that matched no log pattern">check format</Badge> : null}
                    </td>
                    <td className="px-3 py-2 font-mono" data-count="rejected">
                      {s.rejected}
                    </td>
                    <td className="px-3 py-2">
                      {s.lastAt !== undefined ? (
                        <>
                          <Ago at={s.lastAt} now={now} withUtc />{" "}
                          <div className="text-xs text-muted">{RECEIVERS[s.lastReceiver ?? ""] ?? s.lastReceiver}</div>
                        </>
                      ) : (
                        <span className="text-muted">{s.hasToken ? "nothing yet" : "no token configured"}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {sources
            .filter((s) => s.lastUnparsed.length || s.lastRejected.length)
            .map((s) => (
              <div
                key={s.system}
                className="mt-3 rounded-xl border border-line bg-surface p-3"
                data-ingest-lines={s.system}
              >
                <h3 className="font-medium">{s.label}</h3>
                <Lines title="Last unparsed lines" lines={s.lastUnparsed} now={now} source={s.label} />
                <Lines title="Last rejected lines" lines={s.lastRejected} now={now} source={s.label} />
              </div>
            ))}
        </>
      )}
    </section>
  );
}
