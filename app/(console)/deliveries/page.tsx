import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listChannels, listDeliveries } from "@/lib/notify/api";
import { PageHeader } from "@/components/ui/page-header";
import { TableScroll } from "@/components/ui/table-scroll";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Forbidden } from "@/components/ui/forbidden";
import { SendTestButton } from "./deliveries-client";
import { utcClock, utcDateTime } from "@/lib/core/time";

export const metadata: Metadata = { title: "Deliveries" };
export const dynamic = "force-dynamic";

const STATUS_TONE = { delivered: "ok", pending: "sev2", failed: "sev1", held: "neutral" } as const;

export default async function DeliveriesPage() {
  const actor = await getActor();
  if (!actor || !roleAtLeast(actor.role, "responder"))
    return <Forbidden need="responder" have={actor?.role ?? "anonymous"} />;
  const [channels, deliveries] = await Promise.all([listChannels(actor), listDeliveries(actor, { limit: 200 })]);
  const admin = roleAtLeast(actor.role, "admin");
  return (
    <>
      <PageHeader
        title="Deliveries"
        description="Every notification sent to a channel: its attempts, status and latency from enqueue to delivery. Failed rows show the channel's answer; pending rows are being retried with backoff; held chat messages wait their group wait for more findings of the same system and rule."
      />
      <section aria-labelledby="channels-h" className="mb-8">
        <h2 id="channels-h" className="mb-2 text-lg font-semibold">
          Channels
        </h2>
        {channels.length === 0 ? (
          <EmptyState title="No channels configured">
            Add channels and routes under <code>notify</code> in the fleet config (README, “Paging and notifications”).
          </EmptyState>
        ) : (
          <ul className="grid gap-2 sm:grid-cols-2">
            {channels.map((c) => (
              <li
                key={c.name}
                className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-line bg-surface p-3"
              >
                <span>
                  <span className="font-medium">{c.name}</span> <Badge>{c.type}</Badge>
                </span>
                {admin ? <SendTestButton channel={c.name} /> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <h2 className="mb-2 text-lg font-semibold">Notifications</h2>
      {deliveries.length === 0 ? (
        <EmptyState title="Nothing sent yet">
          Notifications appear here when a finding is routed to a channel.
        </EmptyState>
      ) : (
        <TableScroll label="Notifications">
          <table className="w-full min-w-[56rem] text-sm">
            <caption className="sr-only">Notifications, newest first</caption>
            <thead className="border-b border-line text-left text-muted">
              <tr>
                {["Queued", "Channel", "Event", "Notification", "Status", "Attempts", "Latency"].map((h) => (
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
                  data-status={d.status}
                >
                  <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">
                    {utcDateTime(d.createdAt.getTime())}
                  </td>
                  <td className="px-3 py-2">
                    <span className="font-medium">{d.channel}</span>{" "}
                    <span className="text-xs text-muted">{d.channelType}</span>
                  </td>
                  <td className="px-3 py-2">{d.event}</td>
                  <td className="px-3 py-2">
                    {d.summary}
                    {d.memberList.length > 1 ? (
                      <ul
                        className="mt-1 space-y-0.5 text-xs"
                        aria-label={`The ${d.memberList.length} findings in this message`}
                        data-members={d.memberList.length}
                      >
                        {d.memberList.map((m) => (
                          <li key={m.id}>
                            <Link
                              href={`/findings/${encodeURIComponent(m.id)}`}
                              className="font-medium text-accent hover:underline"
                            >
                              {m.entity === "*" ? "the system" : m.entity}
                            </Link>{" "}
                            <span className="text-muted">
                              {m.severity} · {m.summary}
                            </span>
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                    {d.status !== "delivered" && d.lastResponse ? (
                      <p className="mt-1 max-w-xs break-words font-mono text-xs text-muted">
                        {d.lastStatus ? `HTTP ${d.lastStatus}: ` : ""}
                        {d.lastResponse.slice(0, 300)}
                      </p>
                    ) : null}
                    {d.status === "pending" && d.attempts > 0 ? (
                      <p className="mt-1 text-xs text-muted">next try {utcClock(d.nextAttemptAt.getTime())}</p>
                    ) : null}
                    {d.status === "held" ? (
                      <p className="mt-1 text-xs text-muted">
                        waiting for more findings of its group; sends at {utcClock(d.nextAttemptAt.getTime())}
                      </p>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">
                    {d.attemptList.length === 0 ? (
                      <span className="text-xs text-muted">none yet</span>
                    ) : (
                      <details>
                        <summary className="cursor-pointer">{d.attemptList.length}</summary>
                        <ol className="mt-1 space-y-0.5 font-mono text-xs">
                          {d.attemptList.map((a) => (
                            <li key={a.id}>
                              {utcClock(a.at.getTime())} · {a.outcome} · {a.httpStatus ?? "no answer"} · {a.durationMs}{" "}
                              ms{a.outcome !== "delivered" && a.response ? ` · ${a.response.slice(0, 120)}` : ""}
                            </li>
                          ))}
                        </ol>
                      </details>
                    )}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    {d.latencyMs === null ? "—" : `${(d.latencyMs / 1000).toFixed(2)} s`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
