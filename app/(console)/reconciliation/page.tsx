import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Reconciliation" };

export default function Page() {
  return (
    <>
      <PageHeader title="Reconciliation" description="RECONCILIATION_REPORT and REGISTRY_AUDIT_REPORT trends against their targets, warnings and critical thresholds." />
      <NotBuiltYet screen="Reconciliation">
        <p>One trend per reconciliation field with target, warning and critical lines, the latest registry audit as a table, and trading-bot mismatch trends.</p>
      </NotBuiltYet>
    </>
  );
}
