import Link from "next/link";
import type { Delivery } from "@/lib/notify/service";
import type { Finding } from "@/lib/rules/types";
import { utcClock as clockTime } from "@/lib/core/time";
import { Badge } from "../ui/badge";
import { TableScroll } from "../ui/table-scroll";

// The incident room's record of paging: which notifications went out for the incident's findings,
// to which channel, and whether they arrived. The full attempts stay on the Deliveries screen.

const STATUS_TONE = { delivered: "ok", pending: "sev2", failed: "sev1", held: "neutral" } as const;

function findingLabel(id: string, findings: readonly Finding[]): string {
  const f = findings.find((x) => x.id === id);
  if (!f) return id;
  return `${f.title} — ${f.system}${f.entity === "*" ? "" : ` / ${f.entity}`}`;
}

/**
 * `deliveries` null: they could not be read (said so, never shown as "nothing sent"). Newest first;
 * at most `limit` are listed, with a link to the rest.
 */
export function RoomNotifications({
  deliveries,
  findings,
  limit,
}: {
  deliveries: Delivery[] | null;
  findings: readonly Finding[];
  limit: number;
}) {
  if (deliveries === null)
    return (
      <p role="status" className="text-sm text-sev2" data-room-notifications="unreadable">
        The notifications for this incident could not be read; see the Deliveries screen.
      </p>
    );
  if (deliveries.length === 0)
    return (
      <p className="text-sm text-muted" data-room-notifications="none">
        No notification has gone out for this incident’s findings.
      </p>
    );
  return (
    <>
      <TableScroll label="Notifications for this incident's findings">
        <table className="w-full min-w-[40rem] text-sm" data-room-notifications={deliveries.length}>
          <caption className="sr-only">Notifications for this incident&apos;s findings, newest first</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {["When", "Channel", "Finding", "Event", "Status"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr
                key={d.id}
                className="border-b border-line align-top last:border-0"
                data-delivery={d.id}
                data-channel={d.channel}
                data-finding={d.findingId ?? d.findingIds.join(" ")}
                data-status={d.status}
              >
                <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">{clockTime(d.createdAt.getTime())}</td>
                <td className="px-3 py-2">
                  <span className="font-medium">{d.channel}</span>{" "}
                  <span className="text-xs text-muted">{d.channelType}</span>
                </td>
                <td className="px-3 py-2 break-words">
                  {d.memberList.length > 1 ? (
                    <ul className="space-y-0.5" data-members={d.memberList.length}>
                      {d.memberList.map((m) => (
                        <li key={m.id}>
                          <Link href={`/findings/${encodeURIComponent(m.id)}`} className="text-accent hover:underline">
                            {findingLabel(m.id, findings)}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  ) : d.findingId ? (
                    <Link href={`/findings/${encodeURIComponent(d.findingId)}`} className="text-accent hover:underline">
                      {findingLabel(d.findingId, findings)}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="px-3 py-2">{d.event}</td>
                <td className="px-3 py-2">
                  <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                  {d.status === "delivered" && d.deliveredAt ? (
                    <span className="ml-1 font-mono text-xs text-muted">at {clockTime(d.deliveredAt.getTime())}</span>
                  ) : null}
                  {d.status !== "delivered" && d.lastResponse ? (
                    <p className="mt-1 max-w-xs break-words font-mono text-xs text-muted">
                      {d.lastStatus ? `HTTP ${d.lastStatus}: ` : ""}
                      {d.lastResponse.slice(0, 160)}
                    </p>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <p className="mt-2 text-xs text-muted">
        {deliveries.length >= limit ? `The latest ${limit} are shown. ` : ""}Every attempt and its latency:{" "}
        <Link href="/deliveries" className="inline-flex min-h-11 items-center text-accent underline">
          Deliveries
        </Link>
        .
      </p>
    </>
  );
}
