import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listRoutineChecks } from "@/lib/routine/api";
import { PERIODS, PERIOD_WORDS, type CheckStatus } from "@/lib/routine/schedule";
import { PageHeader } from "@/components/ui/page-header";
import { TableScroll } from "@/components/ui/table-scroll";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { utcMinute } from "@/lib/core/time";
import { MarkDone } from "./routine-client";

export const metadata: Metadata = { title: "Routine checks" };
export const dynamic = "force-dynamic";

const TONE = { done: "ok", due: "sev3", overdue: "sev2" } as const;

function stateWords(s: CheckStatus): string {
  const w = PERIOD_WORDS[s.check.period];
  if (s.state === "done") return `done ${w.current}`;
  if (s.state === "due") return `due ${w.current}`;
  return s.last ? `overdue: missed last ${w.noun}` : "overdue: never recorded";
}

export default async function RoutinePage() {
  const actor = await getActor();
  const rows = await listRoutineChecks(actor);
  const responder = actor ? roleAtLeast(actor.role, "responder") : false;
  const systems = [...new Set(rows.map((r) => r.system))];
  return (
    <>
      <PageHeader
        title="Routine checks"
        description="The spot exchange runbook's routine operations: daily, weekly and monthly. Each period (UTC day, week from Monday, calendar month) a check is due until someone records it done; who and when are kept in the audit log. Routine checks never page."
      />
      {systems.length === 0 ? (
        <EmptyState title="No exchange in the fleet">
          Routine checks come from the spot exchange runbook; this fleet has no spot exchange.
        </EmptyState>
      ) : null}
      {systems.map((system) => (
        <section key={system} aria-labelledby={`routine-${system}`} className="mb-8">
          <h2 id={`routine-${system}`} className="mb-2 text-lg font-semibold">
            {system}
          </h2>
          <TableScroll label={`Routine checks on ${system}`}>
            <table className="w-full min-w-[56rem] text-sm">
              <caption className="sr-only">Routine checks on {system}: state, due date, last done and by whom</caption>
              <thead className="border-b border-line text-left text-muted">
                <tr>
                  {["Check", "Every", "State", "Due by (UTC)", "Last done (UTC)", "By", "Note", ""].map((h, i) => (
                    <th key={h || i} scope="col" className="px-3 py-2 font-medium">
                      {h || <span className="sr-only">Record</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {PERIODS.flatMap((period) =>
                  rows
                    .filter((r) => r.system === system && r.check.period === period)
                    .map((r) => (
                      <tr
                        key={r.check.id}
                        className="border-b border-line align-top last:border-0"
                        data-routine={`${system}:${r.check.id}`}
                        data-state={r.state}
                        data-last-seq={r.last?.auditSeq ?? ""}
                      >
                        <td className="px-3 py-2">
                          {r.check.title}
                          {r.check.where ? <span className="text-muted"> ({r.check.where})</span> : null}
                        </td>
                        <td className="px-3 py-2">{PERIOD_WORDS[period].noun}</td>
                        <td className="px-3 py-2">
                          <Badge tone={TONE[r.state]}>{stateWords(r)}</Badge>
                        </td>
                        <td className="px-3 py-2 font-mono text-xs">{utcMinute(r.dueBy)}</td>
                        <td className="px-3 py-2 font-mono text-xs">{r.last ? utcMinute(r.last.at) : "—"}</td>
                        <td className="px-3 py-2">{r.last?.by ?? "—"}</td>
                        <td className="px-3 py-2">{r.last?.note ?? ""}</td>
                        <td className="px-3 py-2">
                          {responder ? <MarkDone system={system} check={r.check.id} title={r.check.title} /> : null}
                        </td>
                      </tr>
                    )),
                )}
              </tbody>
            </table>
          </TableScroll>
        </section>
      ))}
      {!responder && systems.length ? (
        <p className="text-sm text-muted">Recording a check done needs the responder role.</p>
      ) : null}
    </>
  );
}
