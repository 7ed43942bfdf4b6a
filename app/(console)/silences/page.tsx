import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listSilences, silenceLimits } from "@/lib/notify/api";
import type { SilenceMatchers } from "@/lib/notify/plan";
import { PageHeader } from "@/components/ui/page-header";
import { TableScroll } from "@/components/ui/table-scroll";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { SilenceControls, SilenceForm } from "./silences-client";
import { utcMinute } from "@/lib/core/time";

export const metadata: Metadata = { title: "Silences" };
export const dynamic = "force-dynamic";

function describe(m: SilenceMatchers): string {
  const parts = [
    m.system && `system ${m.system.join(" | ")}`,
    m.severity && `severity ${m.severity.join(" | ")}`,
    m.entity && `entity ${m.entity.join(" | ")}`,
    m.rule && `rule ${m.rule.join(" | ")}`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "every finding";
}

export default async function SilencesPage() {
  const actor = await getActor();
  const rows = await listSilences(actor);
  const limits = silenceLimits();
  const responder = actor ? roleAtLeast(actor.role, "responder") : false;
  return (
    <>
      <PageHeader
        title="Silences and maintenance"
        description="A silence mutes notifications for matching findings between its start and end; the findings stay on the board, marked. Silences can only be extended or ended, and every change is audited."
      />
      <h2 className="mb-2 text-lg font-semibold">Running and scheduled</h2>
      {rows.length === 0 ? (
        <EmptyState title="No silences">Nothing is muted: every routed finding notifies.</EmptyState>
      ) : (
        <TableScroll label="Silences" className="mb-8">
          <table className="w-full min-w-[52rem] text-sm">
            <caption className="sr-only">Silences and maintenance windows that have not ended</caption>
            <thead className="border-b border-line text-left text-muted">
              <tr>
                {["Kind", "Matches", "From", "Until", "Ticket", "Reason", "By", ""].map((h, i) => (
                  <th key={h || i} scope="col" className="px-3 py-2 font-medium">
                    {h || <span className="sr-only">Actions</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr
                  key={s.id}
                  className="border-b border-line align-top last:border-0"
                  data-silence={s.id}
                  data-ends={s.endsAt.getTime()}
                >
                  <td className="px-3 py-2">
                    <Badge tone={s.scheduled ? "neutral" : "sev2"}>
                      {s.kind === "maintenance" ? "maintenance" : "silence"}
                      {s.scheduled ? " · scheduled" : ""}
                    </Badge>
                  </td>
                  <td className="px-3 py-2">{describe(s.matchers as SilenceMatchers)}</td>
                  <td className="px-3 py-2 font-mono text-xs">{utcMinute(s.startsAt.getTime())}</td>
                  <td className="px-3 py-2 font-mono text-xs">{utcMinute(s.endsAt.getTime())}</td>
                  <td className="px-3 py-2 font-mono">{s.ticketId}</td>
                  <td className="px-3 py-2">{s.reason}</td>
                  <td className="px-3 py-2">{s.createdByName}</td>
                  <td className="px-3 py-2">
                    {responder ? <SilenceControls id={s.id} endsAt={s.endsAt.getTime()} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {responder ? (
        <section aria-labelledby="new-silence-h">
          <h2 id="new-silence-h" className="mb-2 text-lg font-semibold">
            New silence
          </h2>
          <SilenceForm
            systems={limits.systems}
            ticketPattern={limits.ticketPattern}
            maxHours={limits.maxHours}
            sev1CommanderHours={limits.sev1CommanderHours}
          />
        </section>
      ) : (
        <p className="text-sm text-muted">Creating a silence needs the responder role.</p>
      )}
    </>
  );
}
