import type { PartStatus } from "@/lib/collector/collector";
import type { SourceView } from "@/lib/sources";
import { FreshnessBadge } from "../ui/freshness-badge";
import { TableScroll } from "../ui/table-scroll";
import { Ago } from "../ui/clock";

// Which adapter feeds each part of every target — health, metrics, ledger, logs — with that part's
// last success, last error (kind and detail), poll latency and series count. A part fed by a
// failing adapter is shown as such: its findings are Unknown on the board.

const PART_NAMES: Record<PartStatus["part"], string> = {
  health: "health",
  metrics: "metrics",
  ledger: "ledger",
  logs: "logs",
};

function PartRow({ source, part, now }: { source: SourceView; part: PartStatus; now: number }) {
  const polled = part.endpoint !== undefined;
  return (
    <tr
      className="border-b border-line align-top last:border-0"
      data-part={`${source.name}:${part.part}`}
      data-adapter={part.adapter}
    >
      <td className="px-3 py-2">{source.label}</td>
      <td className="px-3 py-2 font-medium">{PART_NAMES[part.part]}</td>
      <td className="px-3 py-2">
        {part.adapterLabel}
        <div className="font-mono text-xs break-all text-muted">{part.address}</div>
      </td>
      <td className="px-3 py-2">
        {polled ? (
          <FreshnessBadge freshness={part.freshness} />
        ) : (
          <span className="text-muted">pushed, not polled</span>
        )}
      </td>
      <td className="px-3 py-2">{polled ? <Ago at={part.lastSuccessAt} now={now} withUtc /> : "—"}</td>
      <td className="px-3 py-2">
        {part.lastError ? (
          <span>
            <span className="font-mono">{part.lastError.kind}</span>: {part.lastError.detail}
            <div className="text-xs">
              <Ago at={part.lastError.at} now={now} withUtc />
            </div>
          </span>
        ) : (
          <span className="text-muted">none</span>
        )}
      </td>
      <td className="px-3 py-2 font-mono">
        {part.lastLatencyMs !== undefined ? `${Math.round(part.lastLatencyMs)} ms` : "—"}
      </td>
      <td className="px-3 py-2 font-mono">{part.series ?? "—"}</td>
    </tr>
  );
}

export function SourceParts({ sources, now }: { sources: SourceView[]; now: number }) {
  return (
    <section aria-labelledby="parts-h" className="mt-8">
      <h2 id="parts-h" className="mb-1 text-lg font-semibold">
        What feeds each part
      </h2>
      <p className="mb-3 text-sm text-muted">
        Per system: the adapter behind its health document, metrics, ledger and logs (set by{" "}
        <span className="font-mono">metrics</span> and <span className="font-mono">ledger</span> in the fleet config),
        with each part&apos;s last success, last error and its kind, poll latency and the series its last read gave.
      </p>
      <TableScroll label="Sources per part">
        <table className="w-full min-w-[60rem] text-sm">
          <caption className="sr-only">The adapter feeding each part of every monitored system</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {["System", "Part", "Adapter", "Freshness", "Last success", "Last error", "Latency", "Series"].map(
                (h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {sources.flatMap((s) =>
              (s.parts ?? []).map((p) => (
                <PartRow key={`${s.name}:${p.part}:${p.adapter}`} source={s} part={p} now={now} />
              )),
            )}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
