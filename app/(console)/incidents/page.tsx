import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Incidents" };

export default function Page() {
  return (
    <>
      <PageHeader title="Incidents" description="Open incidents, their commanders, checklists and communication updates." />
      <NotBuiltYet screen="Incidents">
        <p>Incidents opened from findings or by hand, each with its runbook checklist, timeline, check-ins and export.</p>
      </NotBuiltYet>
    </>
  );
}
