import Link from "next/link";
import type { FlagRow } from "@/lib/panels/profiles";
import { Badge } from "../ui/badge";
import { TableScroll } from "../ui/table-scroll";

function show(v: number | boolean | null): string {
  if (v === null) return "not reported";
  return typeof v === "boolean" ? String(v) : v.toLocaleString("en-US");
}

/** The reconciliation runbook's flags and EXIT-backfill safety gates: effective value against the safe default. */
export function FlagsTable({ flags, label }: { flags: FlagRow[]; label: string }) {
  const drifted = flags.filter((f) => f.drift);
  return (
    <div>
      {drifted.length ? (
        <p
          role="status"
          className="mb-2 rounded-md border border-sev2 px-3 py-2 text-sm text-sev2"
          data-flag-drift={drifted.length}
        >
          <span aria-hidden="true">◆ </span>
          {drifted.length} flag{drifted.length > 1 ? "s differ" : " differs"} from the safe default:{" "}
          {drifted.map((f) => f.name).join(", ")}
          {drifted.some((f) => f.safety) ? " — including a safety gate." : "."}
        </p>
      ) : null}
      <TableScroll label={label}>
        <table className="w-full min-w-[40rem] text-sm">
          <caption className="sr-only">{label}</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                Flag
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Effective
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Safe default
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                State
              </th>
            </tr>
          </thead>
          <tbody>
            {flags.map((f) => (
              <tr
                key={f.name}
                className={`border-b border-line last:border-0 ${f.drift ? "bg-sev2/10" : ""}`}
                data-flag={f.name}
                data-drift={f.drift ? "true" : "false"}
              >
                <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-normal break-all">
                  {f.name}
                  {f.safety ? (
                    <span className="ml-2">
                      <Badge title="A safety gate: changing it removes a protection">safety gate</Badge>
                    </span>
                  ) : null}
                </th>
                <td className="px-3 py-2 font-mono">{show(f.effective)}</td>
                <td className="px-3 py-2 font-mono text-muted">{show(f.seedDefault)}</td>
                <td className="px-3 py-2">
                  {f.effective === null ? (
                    <span className="text-unknown">? unknown</span>
                  ) : f.drift ? (
                    <span className={`font-semibold ${f.safety ? "text-sev1" : "text-sev2"}`}>
                      <span aria-hidden="true">{f.safety ? "▲ " : "◆ "}</span>differs from the safe default
                      {f.finding ? (
                        <>
                          {" "}
                          —{" "}
                          <Link href={f.finding.href} className="underline">
                            finding
                          </Link>
                        </>
                      ) : null}
                    </span>
                  ) : (
                    <span>
                      <span aria-hidden="true">✓ </span>default
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
