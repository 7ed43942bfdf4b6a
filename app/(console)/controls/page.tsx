import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Controls" };

export default function Page() {
  return (
    <>
      <PageHeader title="Controls" description="Emergency controls: halt a symbol, cancel all, halt withdrawals, pause a profile, trigger reconciliation." />
      <NotBuiltYet screen="Controls">
        <p>Every control will need a reason, a ticket ID, the right role and, for critical ones, a second person&rsquo;s approval — and is written to the audit log before the call is made.</p>
      </NotBuiltYet>
    </>
  );
}
