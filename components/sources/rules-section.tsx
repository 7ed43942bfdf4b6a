import { getActor } from "@/lib/auth/session";
import { listUserRules } from "@/lib/user-rules-view";
import { Badge } from "@/components/ui/badge";
import { TableScroll } from "@/components/ui/table-scroll";
import { Ago } from "@/components/ui/clock";

// The sources screen's section on the operator's rules file: which rules are in force, whether the
// last edit was refused (and why: file:line, rule, field), and rules that read a metric no target
// exports.

export async function RulesSection({ now }: { now: number }) {
  const { status, rules, warnings } = await listUserRules(await getActor());
  return (
    <section aria-labelledby="user-rules-h" className="mt-8" data-user-rules>
      <h2 id="user-rules-h" className="mb-3 text-lg font-semibold">
        Rules of your own
      </h2>
      <p className="mb-3 text-sm text-muted">
        <span className="font-mono">{status.file}</span>
        {status.present ? (
          <>
            {" "}
            — {status.count} {status.count === 1 ? "rule" : "rules"} in force
            {status.loadedAt ? (
              <>
                , read <Ago at={status.loadedAt} now={now} withUtc />
              </>
            ) : null}
            . Edits are picked up without a restart.
          </>
        ) : (
          " — no such file: only the built-in rules are in force."
        )}
      </p>
      {status.rejected ? (
        <div role="alert" className="mb-3 rounded-xl border border-sev1 bg-surface p-3 text-sm" data-rules-rejected>
          <p className="font-medium">
            The last edit was refused; the last good rules stay in force (
            <Ago at={status.rejected.at} now={now} withUtc />
            ).
          </p>
          <ul className="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
            {status.rejected.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {warnings.length ? (
        <div className="mb-3 rounded-xl border border-line bg-surface p-3 text-sm" data-rules-warnings>
          <p className="font-medium">Warnings</p>
          <ul className="mt-1 list-disc space-y-1 pl-5">
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {rules.length ? (
        <TableScroll label="Rules of your own">
          <table className="w-full min-w-[48rem] text-sm">
            <caption className="sr-only">Rules from the rules file</caption>
            <thead className="border-b border-line text-left text-muted">
              <tr>
                {["Rule", "Type", "Reads", "Condition", "Severity", "Applies to", "Runbook"].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} className="border-b border-line align-top last:border-0" data-user-rule={r.id}>
                  <td className="px-3 py-2 font-mono">{r.id}</td>
                  <td className="px-3 py-2">
                    <Badge>{r.type}</Badge>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{r.metrics.join(", ")}</td>
                  <td className="px-3 py-2 font-mono text-xs">{r.condition}</td>
                  <td className="px-3 py-2">{r.severity}</td>
                  <td className="px-3 py-2">{r.applies}</td>
                  <td className="px-3 py-2 text-xs break-all">
                    {/^https?:\/\//.test(r.runbook) ? (
                      <a className="underline" href={r.runbook} rel="noreferrer">
                        {r.runbook}
                      </a>
                    ) : (
                      <a className="underline" href={`/runbooks?runbook=${r.runbook}`}>
                        {r.runbook}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </section>
  );
}
