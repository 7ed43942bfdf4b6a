import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Runbooks" };

export default function Page() {
  return (
    <>
      <PageHeader title="Runbooks" description="Guided runbooks for every playbook the fleet's systems define." />
      <NotBuiltYet screen="Runbooks">
        <p>Runbooks are Markdown files; each becomes a checklist with live checks, standing warnings and escalation countdowns.</p>
      </NotBuiltYet>
    </>
  );
}
