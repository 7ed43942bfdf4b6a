import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { getActor } from "@/lib/auth/session";
import { listProfiles } from "@/lib/panels/profiles";
import { PageHeader } from "@/components/ui/page-header";
import { FlagsTable } from "@/components/panels/flags-table";
import { LiveRefresh } from "@/components/panels/live-refresh";
import { FindingLinks, FreshnessNotice, Panel, PanelError, SystemBadges } from "@/components/panels/panel";
import { ProfilesTable } from "@/components/panels/profiles-table";
import { WatchdogPanel } from "@/components/panels/watchdog-view";
import { LedgerSource } from "@/components/panels/ledger-source";
import { fmtNum } from "@/components/charts/format";

export const metadata: Metadata = { title: "Profiles" };
export const dynamic = "force-dynamic";

export default async function ProfilesPage() {
  const { bots, now } = await listProfiles(await getActor());
  const rows = bots.flatMap((b) => b.profiles);
  const violating = rows.filter((r) => r.invariant === "violated");
  return (
    <>
      <PageHeader
        title="Profiles"
        description="Capital ledger per trading-bot profile with its capital invariant, the integrity watchdog and the reconciliation flags."
      />
      <LiveRefresh renderedAt={now} />
      {violating.length ? (
        <div
          role="alert"
          className="mb-4 rounded-xl border-2 border-sev1 bg-sev1/10 p-4"
          data-violations={violating.length}
        >
          <p className="font-semibold text-sev1">
            <span aria-hidden="true">▲ </span>
            {violating.length === 1 ? "1 profile violates" : `${violating.length} profiles violate`} the capital
            invariant (available capital below zero)
          </p>
          <ul className="mt-2 space-y-1 text-sm">
            {violating.map((r) => (
              <li key={`${r.system}/${r.profile}`}>
                <Link
                  href={`/profiles/${encodeURIComponent(r.system)}/${encodeURIComponent(r.profile)}`}
                  className="font-semibold underline"
                >
                  {r.systemLabel} / {r.profile}
                </Link>
                : available {fmtNum(r.available)} USD
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {bots
        .filter((b) => b.system.freshness !== "ok")
        .map((b) => (
          <FreshnessNotice key={b.system.name} system={b.system} now={now} />
        ))}
      {bots
        .filter((b) => b.error)
        .map((b) => (
          <PanelError key={b.system.name} what={`${b.system.label}'s profiles`} message={b.error!} />
        ))}
      {bots.length === 0 ? <p className="text-muted">No trading bots are configured.</p> : null}
      <Suspense>
        <ProfilesTable rows={rows} />
      </Suspense>
      <div className="mt-8 grid gap-6">
        {bots.map((b) => (
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
            <LedgerSource ledger={b.ledger} now={now} />
            <h3 className="mb-2 font-semibold">Integrity watchdog</h3>
            <WatchdogPanel w={b.watchdog} now={now} />
            <h3 className="mt-4 mb-2 font-semibold">Bot-wide findings</h3>
            <FindingLinks findings={b.findings} empty="No open bot-wide findings." />
            <h3 className="mt-4 mb-2 font-semibold">Feature flags and EXIT-backfill safety gates</h3>
            <FlagsTable flags={b.flags} label={`${b.system.label} flags`} />
          </Panel>
        ))}
      </div>
    </>
  );
}
