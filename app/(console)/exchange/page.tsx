import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Exchange" };

export default function Page() {
  return (
    <>
      <PageHeader title="Exchange" description="The spot exchange's core dashboards: trading API, engine, Kafka, ledger, WebSocket edge, auth and leadership." />
      <NotBuiltYet screen="Exchange">
        <p>Latency, queue depth, settlement lag against T2/T3, per-symbol TPS with symbol modes, WS closes and the leader&rsquo;s fencing token.</p>
      </NotBuiltYet>
    </>
  );
}
