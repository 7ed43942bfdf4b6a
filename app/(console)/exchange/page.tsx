import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import Link from "next/link";
import { getExchange } from "@/lib/panels/exchange";
import { Invalid } from "@/lib/errors";
import { ReplayNotice } from "@/components/replay/replay-notice";
import { parseRange } from "@/lib/panels/shape";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { TimeChart } from "@/components/charts/time-chart";
import { fmtNum } from "@/components/charts/format";
import { LiveRefresh } from "@/components/panels/live-refresh";
import {
  FindingLinks,
  FreshnessNotice,
  Panel,
  PanelError,
  RangeTabs,
  Stat,
  SystemBadges,
} from "@/components/panels/panel";

export const metadata: Metadata = { title: "Exchange" };
export const dynamic = "force-dynamic";

const MODE_TONE: Record<string, "sev1" | "sev2" | "neutral"> = {
  NORMAL: "neutral",
  CANCEL_ONLY: "sev2",
  SOFT_HALT: "sev2",
  HARD_HALT: "sev1",
};

export default async function ExchangePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const range = parseRange(sp.range);
  // `?at=<ISO time>`: the panels as they were at that moment (a replay), charts ending then.
  const at = typeof sp.at === "string" ? sp.at : undefined;
  let data: Awaited<ReturnType<typeof getExchange>>;
  try {
    data = await getExchange(await getActor(), range, undefined, at);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    return (
      <>
        <PageHeader title="Exchange — replay" />
        <p role="alert" className="rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
          Cannot replay the exchange panels: {err.message}.{" "}
          <Link href="/exchange" className="underline">
            Back to live
          </Link>
        </p>
      </>
    );
  }
  const { views, now } = data;
  return (
    <>
      <PageHeader
        title={at ? "Exchange — replay" : "Exchange"}
        description="The spot exchange's core dashboards (Spot exchange runbook §2): trading API, engine, per-symbol TPS and seq rate, Kafka, ledger, WebSocket edge, edge auth and leadership."
        actions={<RangeTabs current={range} base="/exchange" extra={at ? { at } : {}} />}
      />
      {at ? (
        <ReplayNotice at={now} what="The exchange panels" liveHref={`/exchange?range=${range}`} />
      ) : (
        <LiveRefresh renderedAt={now} />
      )}
      {views.length === 0 ? <p className="text-muted">No spot exchanges are configured.</p> : null}
      {views.map((v) => {
        const stale = v.system.freshness !== "ok";
        return (
          <div key={v.system.name} className="space-y-6" data-exchange={v.system.name}>
            <div className="flex flex-wrap items-center gap-3">
              <h2 className="text-xl font-semibold">
                {v.system.label} <span className="font-mono text-sm font-normal text-muted">{v.system.name}</span>
              </h2>
              <SystemBadges system={v.system} now={now} />
            </div>
            <FreshnessNotice system={v.system} now={now} />
            {v.error ? <PanelError what="the exchange metrics" message={v.error} /> : null}
            <dl className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4" aria-label="Current state">
              {v.facts.map((f) => (
                <Stat
                  key={f.label}
                  label={f.label}
                  value={f.value}
                  tone={stale ? "unknown" : f.tone === "bad" ? "bad" : undefined}
                />
              ))}
              <Stat
                label="Settlement lag p99"
                value={v.settlement.p99 !== null ? `${fmtNum(v.settlement.p99)} s` : "no data"}
                hint={`T2 ${v.settlement.t2} s · T3 ${v.settlement.t3} s${v.settlement.policy ? ` · policy ${v.settlement.policy}` : ""}`}
                tone={
                  stale
                    ? "unknown"
                    : v.settlement.p99 !== null && v.settlement.p99 > v.settlement.t3
                      ? "bad"
                      : v.settlement.p99 !== null && v.settlement.p99 > v.settlement.t2
                        ? "warn"
                        : undefined
                }
              />
            </dl>
            {v.sections.map((s) => (
              <Panel key={s.id} id={`ex-${s.id}`} title={s.title}>
                {s.findings.length ? (
                  <div className="mb-3">
                    <FindingLinks findings={s.findings} />
                  </div>
                ) : null}
                {s.id === "engine" ? (
                  <TableScroll label="Symbols" className="mb-4">
                    <table className="w-full min-w-[36rem] text-sm">
                      <caption className="sr-only">Per-symbol mode, trades per second and sequencing rate</caption>
                      <thead className="border-b border-line text-left text-muted">
                        <tr>
                          {["Symbol", "Mode", "TPS", "Seq rate (/s)", "Open orders"].map((h) => (
                            <th key={h} scope="col" className="px-3 py-2 font-medium">
                              {h}
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {v.symbols.length === 0 ? (
                          <tr>
                            <td colSpan={5} className="px-3 py-4 text-center text-muted">
                              No symbols reported yet.
                            </td>
                          </tr>
                        ) : null}
                        {v.symbols.map((sym) => (
                          <tr
                            key={sym.symbol}
                            className="border-b border-line last:border-0"
                            data-symbol={sym.symbol}
                            data-mode={sym.mode ?? ""}
                          >
                            <th scope="row" className="px-3 py-1.5 text-left font-mono font-normal">
                              {sym.symbol}
                            </th>
                            <td className="px-3 py-1.5">
                              {sym.mode ? (
                                <Badge tone={MODE_TONE[sym.mode] ?? "neutral"}>
                                  {sym.mode !== "NORMAL" ? <span aria-hidden="true">‖</span> : null}
                                  {sym.mode}
                                </Badge>
                              ) : (
                                <span className="text-unknown">? unknown</span>
                              )}
                            </td>
                            <td className="px-3 py-1.5 font-mono">{fmtNum(sym.tps)}</td>
                            <td className="px-3 py-1.5 font-mono">{fmtNum(sym.seqRate)}</td>
                            <td className="px-3 py-1.5 font-mono">{fmtNum(sym.openOrders, 0)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </TableScroll>
                ) : null}
                {s.id === "kafka" && v.brokers.length ? (
                  <ul className="mb-3 flex flex-wrap gap-2" aria-label="Brokers">
                    {v.brokers.map((b) => (
                      <li key={b.broker}>
                        <Badge tone={b.up ? "ok" : "sev1"}>
                          <span aria-hidden="true">{b.up ? "●" : "✕"}</span> {b.broker} {b.up ? "up" : "DOWN"}
                        </Badge>
                      </li>
                    ))}
                  </ul>
                ) : null}
                {s.id === "leader" ? (
                  <TableScroll label="Leader lease" className="mb-4">
                    <table className="w-full text-sm">
                      <caption className="sr-only">Leader lease and fencing token per engine node</caption>
                      <thead className="border-b border-line text-left text-muted">
                        <tr>
                          {["Node", "Holds the lease", "Fencing token"].map((h) => (
                            <th key={h} scope="col" className="px-3 py-2 font-medium">
                              {h}
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {v.leaders.length === 0 ? (
                          <tr>
                            <td colSpan={3} className="px-3 py-4 text-center text-muted">
                              No leadership metrics reported yet.
                            </td>
                          </tr>
                        ) : null}
                        {v.leaders.map((l) => (
                          <tr key={l.node} className="border-b border-line last:border-0" data-node={l.node}>
                            <th scope="row" className="px-3 py-1.5 text-left font-mono font-normal">
                              {l.node}
                            </th>
                            <td className="px-3 py-1.5">
                              {l.holdsLease === null ? (
                                "?"
                              ) : l.holdsLease ? (
                                <span
                                  className={
                                    v.leaders.filter((x) => x.holdsLease).length > 1 ? "font-semibold text-sev1" : ""
                                  }
                                >
                                  {v.leaders.filter((x) => x.holdsLease).length > 1 ? (
                                    <span aria-hidden="true">▲ </span>
                                  ) : null}
                                  yes
                                </span>
                              ) : (
                                "no"
                              )}
                            </td>
                            <td className="px-3 py-1.5 font-mono">{fmtNum(l.fencingToken, 0)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    {v.leaders.filter((x) => x.holdsLease).length > 1 ? (
                      <p role="alert" className="px-3 pb-2 text-sm font-semibold text-sev1">
                        ▲ More than one node holds the leader lease — split-brain suspected.
                      </p>
                    ) : null}
                  </TableScroll>
                ) : null}
                <div className="grid gap-4 lg:grid-cols-2">
                  {s.charts.map((c) => (
                    <TimeChart key={c.id} chart={c} now={now} stale={stale} />
                  ))}
                </div>
              </Panel>
            ))}
          </div>
        );
      })}
    </>
  );
}
