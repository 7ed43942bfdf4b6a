import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Profiles" };

export default function Page() {
  return (
    <>
      <PageHeader title="Profiles" description="Capital ledger per trading-bot profile: allocated, reservations, realized PnL and available capital, with invariant and parity state." />
      <NotBuiltYet screen="Profiles">
        <p>Each profile&rsquo;s ledger (allocated − reserved_for_orders − reserved_for_positions + realized_pnl), its invariant state, parity heartbeat and watchdog pause will be listed here.</p>
      </NotBuiltYet>
    </>
  );
}
