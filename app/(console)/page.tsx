import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { listTargets } from "@/lib/fleet";
import { PageHeader } from "@/components/ui/page-header";
import { SystemTile } from "@/components/board/system-tile";
import { NotBuiltYet } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Board" };

export default async function BoardPage() {
  const targets = listTargets(await getActor());
  return (
    <>
      <PageHeader title="Severity board" description="SEV1, SEV2 and SEV3 findings across the fleet, live." />
      <section aria-labelledby="systems" className="mb-6">
        <h2 id="systems" className="mb-2 text-sm font-semibold tracking-wide text-muted uppercase">Systems</h2>
        <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
          {targets.map((t) => <SystemTile key={t.name} {...t} />)}
        </ul>
      </section>
      <NotBuiltYet screen="The live board">
        <p>Findings will appear here in SEV1, SEV2, SEV3 and Unknown lanes once the telemetry collector and the severity rules are running.</p>
        <p>Every system above is shown as Unknown because nothing has been polled yet.</p>
      </NotBuiltYet>
    </>
  );
}
