"use client";

import { useEffect, useState } from "react";
import { Providers } from "../providers";
import { SnapshotGone, useLiveSnapshot } from "../live/use-live-snapshot";
import type { StatusFinding, StatusIncident, StatusLane, StatusSnapshot } from "@/lib/share/status-view";
import { Badge } from "../ui/badge";
import { FreshnessBadge } from "../ui/freshness-badge";
import { Ago, ClockProvider, useClock } from "../ui/clock";
import { age, utcClock, utcDateTime, utcMinute } from "@/lib/core/time";
import { MaintenanceNotice } from "../notify/maintenance-notice";

// The shared, read-only status view. It polls its own token's JSON every POLL_MS; the server
// checks the token on every request, so a revoked or expired link stops updating within one
// interval and the page then drops every piece of data it held. Nothing here acts.

export const POLL_MS = 2000;
/** Older than this and the view says so in red rather than pretending to be current. */
const STALE_MS = POLL_MS * 3 + 2000;
const CYCLE_MS = 10_000;

type Gone = { reason: string; message: string };

const LANES: Array<{ lane: StatusLane; title: string; tone: "sev1" | "sev2" | "sev3" | "unknown"; blurb: string }> = [
  { lane: "SEV1", title: "SEV1", tone: "sev1", blurb: "Loss of funds or uncontrolled exposure possible" },
  { lane: "SEV2", title: "SEV2", tone: "sev2", blurb: "Trading degraded, risk controls active" },
  { lane: "SEV3", title: "SEV3", tone: "sev3", blurb: "Partial degradation or observability" },
  { lane: "unknown", title: "Unknown", tone: "unknown", blurb: "No fresh data: state cannot be known" },
];

const TONE_TEXT = { sev1: "text-sev1", sev2: "text-sev2", sev3: "text-sev3", unknown: "text-unknown" } as const;

/** The 404/410 answer of a link that stopped working: why, in the reader's words. */
async function checkStatusAnswer(res: Response): Promise<void> {
  if (res.status !== 404 && res.status !== 410) return;
  const body = (await res.json().catch(() => ({}))) as { error?: string; reason?: string };
  throw new SnapshotGone(body.reason ?? String(res.status), body.error ?? "This status link no longer works.");
}

/**
 * The token's status through the one live client (components/live/use-live-snapshot.ts): no
 * session, so no stream; it polls every POLL_MS (also in a background tab) until the link is gone,
 * and then drops every piece of data it held.
 */
function useStatusPoll(token: string, initial: StatusSnapshot) {
  const live = useLiveSnapshot<StatusSnapshot>({
    key: ["status", token],
    url: `/api/status/${encodeURIComponent(token)}`,
    initial,
    pollMs: POLL_MS,
    stream: false,
    check: checkStatusAnswer,
  });
  const gone: Gone | null = live.gone ? { reason: live.gone.reason, message: live.gone.message } : null;
  return { snapshot: live.data ?? initial, offlineSince: live.offlineSince, gone };
}

/** How current the data is: updated, not current, or offline — never "current" when it is old. */
function Updated({
  generatedAt,
  offlineSince,
  notCurrentSince,
}: {
  generatedAt: number;
  offlineSince: number | null;
  notCurrentSince?: number;
}) {
  const dataAge = useClock() - generatedAt;
  return (
    <p className="text-sm" aria-live="polite" data-updated>
      {notCurrentSince !== undefined && offlineSince === null ? (
        <span className="font-semibold text-sev1" data-not-current>
          Not current since {utcClock(notCurrentSince)} — the console is not receiving live data; what is shown may be
          out of date
        </span>
      ) : offlineSince !== null ? (
        <span className="font-semibold text-sev1">
          Offline since {utcClock(offlineSince)} — retrying every {POLL_MS / 1000} s; data below is {age(dataAge)} old
        </span>
      ) : dataAge > STALE_MS ? (
        <span className="font-semibold text-sev1">Not current: data is {age(dataAge)} old</span>
      ) : (
        <span className="text-muted">
          Updated {age(dataAge)} ago ({utcClock(generatedAt)})
        </span>
      )}
    </p>
  );
}

/** Dims the data while it is old or the page is offline. */
function Dimmed({
  generatedAt,
  offline,
  children,
}: {
  generatedAt: number;
  offline: boolean;
  children: React.ReactNode;
}) {
  const ageMs = useClock() - generatedAt;
  const old = offline || ageMs > STALE_MS;
  return <div className={old ? "opacity-60" : undefined}>{children}</div>;
}

export function StatusClient({
  token,
  initial,
  view,
}: {
  token: string;
  initial: StatusSnapshot;
  view: "wall" | "compact" | "auto";
}) {
  return (
    <Providers>
      {/* A link to a fixed moment: every age is as it was then. */}
      <ClockProvider base={initial.generatedAt} frozen={initial.replayAt !== undefined}>
        <StatusView token={token} initial={initial} view={view} />
      </ClockProvider>
    </Providers>
  );
}

function StatusView({
  token,
  initial,
  view,
}: {
  token: string;
  initial: StatusSnapshot;
  view: "wall" | "compact" | "auto";
}) {
  const { snapshot: s, offlineSince, gone } = useStatusPoll(token, initial);

  if (gone) {
    // Everything the page held is dropped: a revoked link shows nothing, not even old data.
    return (
      <main id="main" className="mx-auto max-w-xl p-6" data-status-gone={gone.reason}>
        <h1 className="text-2xl font-bold">Status link no longer available</h1>
        <p className="mt-3" role="alert">
          {gone.message}
        </p>
        <p className="mt-2 text-muted">Ask the incident commander for a new link.</p>
      </main>
    );
  }

  const wall = view === "wall";
  return (
    <main
      id="main"
      className={`mx-auto p-3 sm:p-6 ${wall ? "max-w-none text-lg xl:text-2xl" : "max-w-6xl"}`}
      data-view={view}
    >
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h1 className={`font-bold ${wall ? "text-3xl xl:text-5xl" : "text-2xl"}`}>
            {s.label ?? (s.scope === "incident" ? "Incident status" : "Trading systems status")}
          </h1>
          <p className="text-sm text-muted">
            Read-only status shared by the incident commander · link expires {utcMinute(s.expiresAt)}
          </p>
        </div>
        {s.replayAt === undefined ? (
          <Updated generatedAt={s.generatedAt} offlineSince={offlineSince} notCurrentSince={s.notCurrentSince} />
        ) : null}
      </header>
      {s.replayAt !== undefined ? (
        <p role="status" className="mt-3 rounded-md border-2 border-sev2 px-3 py-2 font-semibold text-sev2" data-replay>
          Replay — not live. The board as it was at {utcDateTime(s.replayAt)}.
        </p>
      ) : null}

      <Dimmed generatedAt={s.generatedAt} offline={offlineSince !== null || s.notCurrentSince !== undefined}>
        <section aria-labelledby="st-systems" className="mt-4">
          <h2 id="st-systems" className="sr-only">
            Systems
          </h2>
          <ul className="flex flex-wrap gap-2">
            {s.systems.map((sys) => (
              <li
                key={sys.label}
                className="flex items-center gap-2 rounded-md border border-line bg-surface px-2 py-1 text-sm"
              >
                <span className="font-medium">{sys.label}</span>
                <FreshnessBadge freshness={sys.freshness} />
                {sys.simulated ? <Badge>simulated</Badge> : null}
                <span className="text-xs text-muted">
                  {sys.lastSuccessAt ? (
                    <>
                      data <Ago at={sys.lastSuccessAt} /> old
                    </>
                  ) : (
                    "no data yet"
                  )}
                </span>
              </li>
            ))}
          </ul>
        </section>

        {s.maintenance?.length ? (
          <div className="mt-4">
            <MaintenanceNotice windows={s.maintenance} />
          </div>
        ) : null}

        {s.incidents.length ? <Incidents incidents={s.incidents} wall={wall} /> : null}

        {s.controls.length ? (
          <section aria-labelledby="st-controls" className="mt-4">
            <h2 id="st-controls" className="font-semibold">
              Emergency actions in progress
            </h2>
            <ul className="mt-1 space-y-1 text-sm">
              {s.controls.map((c, i) => (
                <li key={i} data-status-control>
                  {c.title} on <span className="font-mono">{c.target}</span>: {c.state.replace(/_/g, " ")}{" "}
                  <span className="text-muted">
                    (<Ago at={c.since} /> ago)
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        <div className={`mt-4 grid gap-3 ${wall ? "lg:grid-cols-4" : "md:grid-cols-2 xl:grid-cols-4"}`}>
          {LANES.map((l) => (
            <section key={l.lane} aria-labelledby={`st-lane-${l.lane}`} data-lane={l.lane}>
              <h2
                id={`st-lane-${l.lane}`}
                className={`font-bold ${TONE_TEXT[l.tone]} ${wall ? "text-2xl xl:text-4xl" : "text-lg"}`}
              >
                {l.title} <span className="text-sm font-normal text-muted">{s.lanes[l.lane].length} open</span>
              </h2>
              <p className="text-xs text-muted">{l.blurb}</p>
              <ul className="mt-2 space-y-2">
                {s.lanes[l.lane].length === 0 ? (
                  <li className="rounded-md border border-dashed border-line p-2 text-sm text-muted">Nothing open.</li>
                ) : null}
                {s.lanes[l.lane].map((f) => (
                  <FindingItem key={f.key} f={f} />
                ))}
              </ul>
            </section>
          ))}
        </div>
      </Dimmed>
    </main>
  );
}

function EscalationIn({ due }: { due: number }) {
  const left = due - useClock();
  return left <= 0 ? (
    <span className="font-semibold text-sev1"> · more help is being brought in</span>
  ) : (
    <> · more help brought in {age(left)} from now if it persists</>
  );
}

function FindingItem({ f }: { f: StatusFinding }) {
  return (
    <li className="rounded-md border border-line bg-surface p-2" data-status-finding={f.key}>
      <p className="text-xs text-muted">
        {f.system}
        {f.entity !== "*" ? (
          <>
            {" "}
            · <span className="font-mono">{f.entity}</span>
          </>
        ) : null}{" "}
        · {f.state}
        {f.acknowledged ? " · someone is on it" : " · waiting for someone to pick it up"}
      </p>
      <h3 className="font-semibold leading-snug">{f.title}</h3>
      <p className="text-sm">{f.summary}</p>
      <p className="mt-1 text-xs text-muted">
        Since {utcClock(f.since)} · data <Ago at={f.evaluatedAt} /> old
        {f.escalationDueAt !== undefined ? <EscalationIn due={f.escalationDueAt} /> : null}
      </p>
    </li>
  );
}

function Incidents({ incidents, wall }: { incidents: StatusIncident[]; wall: boolean }) {
  // On a wallboard with many incidents, show them one at a time, cycling.
  const cycling = wall && incidents.length > 2;
  const [i, setI] = useState(0);
  useEffect(() => {
    if (!cycling) return;
    const t = setInterval(() => setI((x) => x + 1), CYCLE_MS);
    return () => clearInterval(t);
  }, [cycling]);
  const shown = cycling ? [incidents[i % incidents.length]!] : incidents;
  return (
    <section aria-labelledby="st-incidents" className="mt-4">
      <h2 id="st-incidents" className="font-semibold">
        Incidents{" "}
        {cycling ? (
          <span className="text-sm font-normal text-muted">
            ({(i % incidents.length) + 1} of {incidents.length}, cycling)
          </span>
        ) : null}
      </h2>
      <ul className="mt-1 grid gap-2 md:grid-cols-2">
        {shown.map((inc, k) => (
          <li key={`${inc.title}-${k}`} className="rounded-md border border-line bg-surface p-3" data-status-incident>
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone={inc.severity === "SEV1" ? "sev1" : inc.severity === "SEV2" ? "sev2" : "sev3"}>
                {inc.severity}
              </Badge>
              <span className="text-sm font-semibold uppercase">{inc.status}</span>
              <span className="text-xs text-muted">
                opened <Ago at={inc.openedAt} /> ago
              </span>
            </div>
            <h3 className={`mt-1 font-semibold ${wall ? "text-xl" : ""}`}>{inc.title}</h3>
            {inc.affected.length ? <p className="text-sm text-muted">Affected: {inc.affected.join(", ")}</p> : null}
            <p className="mt-1 text-sm">
              Checklist: {inc.checklist.done} of {inc.checklist.total} steps done
            </p>
            <div className="mt-1 h-2 w-full rounded bg-surface-2" aria-hidden="true">
              <div
                className="h-2 rounded bg-accent"
                style={{
                  width: `${inc.checklist.total ? Math.round((100 * inc.checklist.done) / inc.checklist.total) : 0}%`,
                }}
              />
            </div>
            {inc.status === "resolved" ? (
              <p className="mt-2 text-sm font-semibold" data-status-resolved>
                Resolved{inc.resolvedAt !== undefined ? ` at ${utcClock(inc.resolvedAt)}` : ""}.
                {inc.stillShowing ? (
                  <span className="block font-normal" data-still-showing={inc.stillShowing}>
                    {inc.stillShowing === 1 ? "One alert" : `${inc.stillShowing} alerts`} on the affected systems{" "}
                    {inc.stillShowing === 1 ? "still shows" : "still show"} below while the team confirms{" "}
                    {inc.stillShowing === 1 ? "it clears" : "they clear"}; the incident stays resolved unless the
                    problem comes back.
                  </span>
                ) : null}
              </p>
            ) : null}
            {inc.lastUpdate ? (
              <figure
                className="mt-2 rounded border border-line p-2 text-sm"
                data-update-before-resolution={inc.lastUpdate.beforeResolution ? "true" : undefined}
              >
                <figcaption className="text-xs text-muted">
                  {inc.lastUpdate.beforeResolution
                    ? `Earlier update, ${utcClock(inc.lastUpdate.at)} — posted before the incident was resolved; what it describes may have changed since`
                    : `Last update, ${utcClock(inc.lastUpdate.at)}`}
                </figcaption>
                <pre className={`whitespace-pre-wrap font-sans ${inc.lastUpdate.beforeResolution ? "text-muted" : ""}`}>
                  {inc.lastUpdate.text}
                </pre>
              </figure>
            ) : (
              <p className="mt-2 text-xs text-muted">No communication update posted yet.</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
