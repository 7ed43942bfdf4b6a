import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { getReconciliation } from "@/lib/panels/reconciliation";
import { parseRange } from "@/lib/panels/shape";
import { PageHeader } from "@/components/ui/page-header";
import { TableScroll } from "@/components/ui/table-scroll";
import { TimeChart } from "@/components/charts/time-chart";
import { DataAge } from "@/components/charts/data-age";
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
import { duration, utcDateTime } from "@/lib/core/time";

export const metadata: Metadata = { title: "Reconciliation" };
export const dynamic = "force-dynamic";

export default async function ReconciliationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const range = parseRange((await searchParams).range);
  const v = await getReconciliation(await getActor(), range);
  const now = v.now;
  return (
    <>
      <PageHeader
        title="Reconciliation"
        description="RECONCILIATION_REPORT fields against their targets, warning and critical thresholds from the futures bot operations runbook, the latest REGISTRY_AUDIT_REPORT, and the trading bots' reconciliation mismatches."
        actions={<RangeTabs current={range} base="/reconciliation" />}
      />
      <LiveRefresh renderedAt={now} />
      {v.futures.length === 0 ? <p className="mb-4 text-muted">No futures bots are configured.</p> : null}
      {v.futures.map((f) => {
        const stale = f.system.freshness !== "ok";
        return (
          <Panel
            key={f.system.name}
            id={`fut-${f.system.name}`}
            title={
              <>
                {f.system.label} <span className="font-mono text-sm font-normal text-muted">{f.system.name}</span>
              </>
            }
            actions={<SystemBadges system={f.system} now={now} />}
            className="mb-6"
          >
            <FreshnessNotice system={f.system} now={now} />
            {f.error ? <PanelError what="the reconciliation reports" message={f.error} /> : null}
            <p className="mb-3 text-sm text-muted">
              {f.reportCount} RECONCILIATION_REPORT{f.reportCount === 1 ? "" : "s"} in the last {range}; latest{" "}
              <DataAge at={f.lastReportAt} now={now} staleAfterMs={150_000} />
            </p>
            <FindingLinks findings={f.findings} empty="No open reconciliation or registry-audit findings." />
            <div className="mt-4 grid gap-4 lg:grid-cols-2">
              {f.charts.map((c) => (
                <TimeChart key={c.id} chart={c} now={now} stale={stale} />
              ))}
            </div>
            <h3 className="mt-6 mb-2 font-semibold">Latest REGISTRY_AUDIT_REPORT</h3>
            {f.audit ? (
              <>
                <p className="mb-2 text-sm text-muted">
                  {utcDateTime(f.audit.at)} ({duration(now - f.audit.at)} ago)
                  {f.audit.trigger ? `, trigger: ${f.audit.trigger}` : ""}
                </p>
                <TableScroll label="Registry audit">
                  <table className="w-full min-w-[40rem] text-sm">
                    <caption className="sr-only">Registry audit fields, expected values and actions</caption>
                    <thead className="border-b border-line text-left text-muted">
                      <tr>
                        {["Field", "Expected", "Value", "Action when non-zero"].map((h) => (
                          <th key={h} scope="col" className="px-3 py-2 font-medium">
                            {h}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {f.audit.rows.map((r) => {
                        const bad = r.value !== null && r.value !== r.expected;
                        return (
                          <tr
                            key={r.field}
                            className={`border-b border-line align-top last:border-0 ${bad ? "bg-sev1/10" : ""}`}
                            data-audit-field={r.field}
                            data-bad={bad ? "true" : "false"}
                          >
                            <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-normal">
                              {r.field}
                            </th>
                            <td className="px-3 py-2 font-mono">{r.expected}</td>
                            <td className={`px-3 py-2 font-mono ${bad ? "font-bold text-sev1" : ""}`}>
                              {bad ? <span aria-hidden="true">▲ </span> : null}
                              {r.value ?? "not reported"}
                            </td>
                            <td className="px-3 py-2">
                              {bad ? (
                                <span className={r.critical ? "font-semibold text-sev1" : "font-semibold text-sev2"}>
                                  {r.action}
                                </span>
                              ) : (
                                <span className="text-muted">{r.action}</span>
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </TableScroll>
              </>
            ) : (
              <p className="text-sm text-muted">
                No REGISTRY_AUDIT_REPORT in the last 7 days — not the same as a clean audit.
              </p>
            )}
          </Panel>
        );
      })}
      <h2 className="mt-8 mb-3 text-xl font-semibold">Trading bots</h2>
      <div className="grid gap-6 xl:grid-cols-2">
        {v.bots.map((b) => (
          <Panel
            key={b.system.name}
            id={`bot-${b.system.name}`}
            title={
              <>
                {b.system.label} <span className="font-mono text-sm font-normal text-muted">{b.system.name}</span>
              </>
            }
            actions={<SystemBadges system={b.system} now={now} />}
          >
            <FreshnessNotice system={b.system} now={now} />
            {b.error ? <PanelError what="the reconciliation history" message={b.error} /> : null}
            <dl className="mb-3 grid gap-2 sm:grid-cols-3">
              <Stat
                label="Last reconciliation run"
                value={b.lastRun !== null ? utcDateTime(b.lastRun).slice(11) : "never"}
                hint={b.lastRun !== null ? `${duration(now - b.lastRun)} ago` : undefined}
                tone={b.lastRun === null || now - b.lastRun > 120_000 ? "bad" : undefined}
              />
              <Stat
                label="Reconciliation loop"
                value={b.loopHealthy === null ? "unknown" : b.loopHealthy ? "healthy" : "UNHEALTHY"}
                tone={b.loopHealthy === false ? "bad" : b.loopHealthy === null ? "unknown" : undefined}
              />
              <Stat label="Lock contention (latest cycle)" value={b.lockContention ?? "—"} />
            </dl>
            <FindingLinks findings={b.findings} empty="No open reconciliation findings." />
            <div className="mt-3">
              <TimeChart chart={b.chart} now={now} stale={b.system.freshness !== "ok"} />
            </div>
          </Panel>
        ))}
      </div>
    </>
  );
}
