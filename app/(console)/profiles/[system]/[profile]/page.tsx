import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { readOrNotFound } from "@/app/(console)/page-read";
import { getProfileDetail } from "@/lib/panels/profiles";
import { parseRange } from "@/lib/panels/shape";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { TimeChart } from "@/components/charts/time-chart";
import { Countdown } from "@/components/charts/countdown";
import { fmtNum } from "@/components/charts/format";
import { FlagsTable } from "@/components/panels/flags-table";
import { LedgerSource } from "@/components/panels/ledger-source";
import { LiveRefresh } from "@/components/panels/live-refresh";
import { ReplayNotice } from "@/components/replay/replay-notice";
import { momentProblem } from "@/lib/replay/api";
import { FindingLinks, FreshnessNotice, Panel, RangeTabs, Stat, SystemBadges } from "@/components/panels/panel";
import { WatchdogPanel } from "@/components/panels/watchdog-view";
import { duration, utcDateTime } from "@/lib/core/time";

export const dynamic = "force-dynamic";

type Params = { system: string; profile: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const p = await params;
  return { title: `${decodeURIComponent(p.profile)} · Profiles` };
}

export default async function ProfilePage({
  params,
  searchParams,
}: {
  params: Promise<Params>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const p = await params;
  const system = decodeURIComponent(p.system);
  const profile = decodeURIComponent(p.profile);
  const sp = await searchParams;
  const range = parseRange(sp.range);
  // `?at=<ISO time>`: the panel as it was at that moment (a replay), charts ending then.
  const at = typeof sp.at === "string" ? sp.at : undefined;
  const actor = await getActor();
  // A bad moment is named, not a missing profile.
  const badMoment = at !== undefined ? momentProblem(at) : null;
  if (badMoment)
    return (
      <>
        <PageHeader title={`${profile} — replay`} />
        <p role="alert" className="rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
          Cannot replay this profile: {badMoment}.{" "}
          <Link href={`/profiles/${encodeURIComponent(system)}/${encodeURIComponent(profile)}`} className="underline">
            Back to live
          </Link>
        </p>
      </>
    );
  const d = await readOrNotFound(() => getProfileDetail(actor, system, profile, range, undefined, at));
  const { row, invariant: inv, parity, now } = d;
  const stale = d.system.freshness !== "ok";
  const violated = row.invariant === "violated";
  const base = `/profiles/${encodeURIComponent(system)}/${encodeURIComponent(profile)}`;
  const confirmations = parity.maxConfirmations ?? 0;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/profiles" className="underline">
          ← All profiles
        </Link>
      </p>
      <PageHeader
        title={`${profile}`}
        description={
          <>
            Profile of <span className="font-mono">{system}</span> ({d.system.label}). Capital ledger, invariant, parity
            heartbeat and integrity watchdog.
          </>
        }
        actions={<RangeTabs current={range} base={base} extra={at ? { at } : {}} />}
      />
      {at ? (
        <ReplayNotice at={now} what="This profile's panels" liveHref={`${base}?range=${range}`} />
      ) : (
        <LiveRefresh renderedAt={now} />
      )}
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <SystemBadges system={d.system} now={now} />
        {row.status === "inactive" ? (
          <Badge tone="sev2">inactive (no new entries)</Badge>
        ) : row.status === "active" ? (
          <Badge>active</Badge>
        ) : null}
        {row.tradingLoopHealthy === false ? (
          <Badge tone="sev1">
            <span aria-hidden="true">✕</span> trading loop unhealthy
          </Badge>
        ) : row.tradingLoopHealthy ? (
          <Badge tone="ok">trading loop healthy</Badge>
        ) : null}
      </div>
      <FreshnessNotice system={d.system} now={now} />

      <Panel id="invariant" title="Capital invariant" className={violated ? "border-2 border-sev1" : ""}>
        <div role={violated ? "alert" : undefined} className="mb-3" data-invariant={row.invariant}>
          {violated ? (
            <p className="text-lg font-bold text-sev1">
              <span aria-hidden="true">▲ </span>INVARIANT VIOLATED — available capital {fmtNum(row.available)} USD is
              below zero
            </p>
          ) : row.invariant === "unknown" ? (
            <p className="font-semibold text-unknown">
              <span aria-hidden="true">? </span>Unknown — the data is not fresh enough to tell whether the invariant
              holds.
            </p>
          ) : (
            <p className="font-semibold text-ok">
              <span aria-hidden="true">✓ </span>Invariant holds: available capital {fmtNum(row.available)} USD
            </p>
          )}
        </div>
        <LedgerSource ledger={d.ledger} now={now} />
        <dl className="mb-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-5" aria-label="Ledger">
          <Stat label="allocated" value={fmtNum(row.allocated)} />
          <Stat label="− reserved_for_orders" value={fmtNum(row.reservedForOrders)} />
          <Stat label="− reserved_for_positions" value={fmtNum(row.reservedForPositions)} />
          <Stat label="+ realized_pnl" value={fmtNum(row.realizedPnl)} />
          <Stat
            label="= available capital"
            value={
              <span className={violated ? "font-bold text-sev1" : ""}>
                {violated ? <span aria-hidden="true">▲ </span> : null}
                {fmtNum(row.available)}
              </span>
            }
            tone={violated ? "bad" : stale ? "unknown" : "ok"}
          />
        </dl>
        {violated ? (
          <dl className="mb-3 grid gap-2 sm:grid-cols-3" data-escalation="true">
            <Stat
              label="Violated since"
              value={inv.violationSince !== null ? utcDateTime(inv.violationSince).slice(11) : "unknown"}
              hint={inv.violationSince !== null ? `${duration(now - inv.violationSince)} ago` : undefined}
              tone="bad"
            />
            <Stat
              label="Reconciliation cycles since the violation"
              value={
                <span data-cycles={inv.cyclesSince ?? ""}>
                  {inv.cyclesSince ?? "?"} of {inv.maxCycles}
                </span>
              }
              hint={`Escalate after ${inv.maxCycles} cycles or ${inv.maxMinutes} minutes, whichever comes first`}
              tone="bad"
            />
            <Stat
              label="Escalation"
              value={
                inv.finding?.escalationDueAt !== undefined ? (
                  <Countdown at={inv.finding.escalationDueAt} now={now} label="escalate" due="ESCALATE NOW" />
                ) : (
                  "waiting for the rule"
                )
              }
              tone="bad"
            />
          </dl>
        ) : null}
        <FindingLinks
          findings={inv.finding ? [inv.finding, ...row.findings.filter((f) => f.id !== inv.finding!.id)] : row.findings}
          empty="No open findings for this profile."
        />
        <div className="mt-4 grid gap-4 xl:grid-cols-2">
          <TimeChart chart={d.charts.available} now={now} stale={stale} />
          <TimeChart chart={d.charts.ledger} now={now} stale={stale} />
        </div>
        <h3 className="mt-4 mb-2 font-semibold">Violation history</h3>
        <p className="mb-2 text-sm text-muted">
          Violations total (capital watchdog counter):{" "}
          <span className="font-mono">{inv.violationsTotal ?? "not reported"}</span>
        </p>
        {inv.episodes.length === 0 && inv.transitions.length === 0 ? (
          <p className="text-sm text-muted">No violation in the {range} range.</p>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            <TableScroll label="Violations in range">
              <table className="w-full text-sm">
                <caption className="px-3 pt-2 text-left text-xs text-muted">
                  Periods with available capital below zero ({range})
                </caption>
                <thead className="border-b border-line text-left text-muted">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">
                      From
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Until
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Lowest
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {inv.episodes.map((e) => (
                    <tr
                      key={e.from}
                      className="border-b border-line last:border-0"
                      data-episode={e.to === undefined ? "open" : "closed"}
                    >
                      <td className="px-3 py-1.5 font-mono text-xs">{utcDateTime(e.from)}</td>
                      <td className="px-3 py-1.5 font-mono text-xs">
                        {e.to === undefined ? (
                          <span className="font-semibold text-sev1">ongoing</span>
                        ) : (
                          `${utcDateTime(e.to)} (${duration(e.to - e.from)})`
                        )}
                      </td>
                      <td className="px-3 py-1.5 font-mono">{fmtNum(e.worst)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
            <TableScroll label="Finding history">
              <table className="w-full min-w-[34rem] text-sm">
                <caption className="px-3 pt-2 text-left text-xs text-muted">
                  capital_invariant finding transitions
                </caption>
                <thead className="border-b border-line text-left text-muted">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">
                      At
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Change
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Summary
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {inv.transitions.map((t) => (
                    <tr key={`${t.at}-${t.to}`} className="border-b border-line last:border-0">
                      <td className="px-3 py-1.5 font-mono text-xs whitespace-nowrap">{utcDateTime(t.at)}</td>
                      <td className="px-3 py-1.5 whitespace-nowrap">
                        {t.from ?? "—"} → {t.to} ({t.severity})
                      </td>
                      <td className="min-w-64 px-3 py-1.5 text-xs">{t.summary}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </div>
        )}
      </Panel>

      <Panel id="parity" title="Parity heartbeat" className="mt-6">
        <div className="mb-3 flex flex-wrap gap-2">
          {parity.dryRun ? (
            <Badge tone="sev2" title="RECON_POSITION_PARITY_DRY_RUN=true: observes, applies no synthetic exits">
              <span aria-hidden="true">◆</span> DRY RUN — no synthetic exits applied
            </Badge>
          ) : (
            <Badge>live mode (synthetic exits applied)</Badge>
          )}
          {parity.heartbeatEnabled ? (
            <Badge>heartbeat on</Badge>
          ) : (
            <Badge tone="sev1">
              <span aria-hidden="true">▲</span> heartbeat OFF
            </Badge>
          )}
          {parity.requireAttribution ? (
            <Badge title="RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION=true">
              attribution gate on: unattributed slices are quarantined
            </Badge>
          ) : (
            <Badge tone="sev1">
              <span aria-hidden="true">▲</span> attribution gate OFF
            </Badge>
          )}
        </div>
        <dl className="mb-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
          <Stat
            label={`${profile}: mismatched slices`}
            value={parity.mismatchedSlices ?? "—"}
            tone={(parity.mismatchedSlices ?? 0) > 0 ? "warn" : undefined}
          />
          <Stat
            label={`${profile}: quarantined slices`}
            value={parity.quarantinedSlices ?? "—"}
            tone={(parity.quarantinedSlices ?? 0) > 0 ? "warn" : undefined}
          />
          <Stat
            label="Confirmations"
            value={
              <span data-confirmations={confirmations}>
                {confirmations} of {parity.requiredConfirmations}
              </span>
            }
            hint={
              <progress
                max={parity.requiredConfirmations}
                value={Math.min(confirmations, parity.requiredConfirmations)}
                aria-label={`Parity confirmations: ${confirmations} of ${parity.requiredConfirmations}`}
              />
            }
          />
          <Stat
            label="Mismatch notional vs watchdog threshold"
            value={
              <span data-notional={parity.profileNotionalUsd ?? ""}>
                {fmtNum(parity.profileNotionalUsd, 0)} / {fmtNum(parity.thresholdUsd, 0)} USD
              </span>
            }
            hint={`threshold = ${parity.maxNotionalPct} × allocated`}
            tone={
              parity.thresholdUsd !== null && (parity.profileNotionalUsd ?? 0) > parity.thresholdUsd ? "bad" : undefined
            }
          />
          <Stat label="Bot: mismatch trades" value={parity.mismatchTrades ?? "—"} />
          <Stat label="Bot: quarantined trades" value={parity.quarantinedTrades ?? "—"} />
          <Stat label="Bot: auto-closed trades" value={parity.autoClosedTrades ?? "—"} />
          <Stat
            label="Bot: max / total mismatch notional"
            value={`${fmtNum(parity.maxNotionalUsd, 0)} / ${fmtNum(parity.totalNotionalUsd, 0)}`}
            hint={parity.dryRun ? `dry run would close ${parity.dryRunWouldClose ?? 0}` : undefined}
          />
        </dl>
        {parity.slices.length ? (
          <TableScroll label="Mismatched slices" className="mb-3">
            <table className="w-full min-w-[36rem] text-sm">
              <caption className="px-3 pt-2 text-left text-xs text-muted">
                Slices open in the bot while the exchange position is effectively zero
              </caption>
              <thead className="border-b border-line text-left text-muted">
                <tr>
                  {["Slice", "Symbol", "State", "Attributed", "Confirmations", "Notional (USD)"].map((h) => (
                    <th key={h} scope="col" className="px-3 py-2 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {parity.slices.map((s) => (
                  <tr
                    key={s.sliceId}
                    className="border-b border-line last:border-0"
                    data-slice={s.sliceId}
                    data-slice-state={s.state}
                  >
                    <td className="px-3 py-1.5 font-mono text-xs">{s.sliceId}</td>
                    <td className="px-3 py-1.5">{s.symbol}</td>
                    <td className="px-3 py-1.5">{s.state}</td>
                    <td className="px-3 py-1.5">
                      {s.attributed === null ? (
                        "?"
                      ) : s.attributed ? (
                        "yes"
                      ) : (
                        <span className="font-semibold text-sev2">no — quarantined</span>
                      )}
                    </td>
                    <td className="px-3 py-1.5 font-mono">
                      {s.confirmations} of {parity.requiredConfirmations}
                    </td>
                    <td className="px-3 py-1.5 font-mono">{fmtNum(s.notionalUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : (
          <p className="mb-3 text-sm text-muted">No mismatched slices for this profile in the latest poll.</p>
        )}
        <FindingLinks findings={parity.findings} empty="No open parity or watchdog findings." />
        <div className="mt-4 grid gap-4 xl:grid-cols-2">
          <TimeChart chart={d.charts.parity} now={now} stale={stale} />
          <TimeChart chart={d.charts.parityCounts} now={now} stale={stale} />
        </div>
        <h3 className="mt-4 mb-2 font-semibold">Integrity watchdog (bot-wide)</h3>
        <WatchdogPanel w={d.watchdog} now={now} />
      </Panel>

      <Panel id="lock" title="Reconciliation lock" className="mt-6">
        <dl className="mb-3 grid gap-2 sm:grid-cols-3">
          <Stat
            label="Lock held by another worker"
            value={d.lock.held === null ? "unknown" : d.lock.held ? "yes" : "no"}
            tone={d.lock.held ? "warn" : undefined}
            hint={d.lock.since !== null ? `since ${utcDateTime(d.lock.since)}` : undefined}
          />
          <Stat label="Bot: lock contention (latest cycle)" value={d.lock.contentionCount ?? "—"} />
        </dl>
        <FindingLinks findings={d.lock.findings} empty="No open lock or reconciliation-loop findings." />
        <div className="mt-4">
          <TimeChart chart={d.charts.lock} now={now} stale={stale} />
        </div>
      </Panel>

      <Panel id="flags" title="Feature flags and EXIT-backfill safety gates" className="mt-6">
        <FlagsTable flags={d.flags} label={`${d.system.label} flags`} />
      </Panel>
    </>
  );
}
