"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { BoardFinding, BoardSnapshot } from "@/lib/board/snapshot";
import { Badge } from "../ui/badge";
import { FreshnessBadge, PartialBadge } from "../ui/freshness-badge";
import { Ago, ClockProvider, useClock } from "../ui/clock";
import { age, utcClock, utcDateTime } from "@/lib/core/time";
import {
  FindingCard,
  SystemDataTimes,
  SystemLabels,
  SystemName,
  confirmedWords,
  type AcknowledgeAction,
  type ConfirmHandledAction,
} from "./finding-card";
import { useLiveBoard, type LiveStatus } from "./use-live-board";
import { MaintenanceNotice } from "../notify/maintenance-notice";

const LANES = [
  { key: "SEV1", title: "SEV1", hint: "Loss of funds or uncontrolled exposure possible" },
  { key: "SEV2", title: "SEV2", hint: "Trading degraded, risk controls active" },
  { key: "SEV3", title: "SEV3", hint: "Partial degradation, observability, configuration" },
  { key: "unknown", title: "Unknown", hint: "No fresh data: state cannot be known" },
] as const;

function laneOf(f: BoardFinding): (typeof LANES)[number]["key"] {
  return f.state === "unknown" ? "unknown" : f.severity;
}

function StatusPill({ status, degraded }: { status: LiveStatus; degraded: boolean }) {
  if (degraded)
    return (
      <Badge tone="sev1" title="The console cannot build a current board">
        <span aria-hidden="true">✕</span> degraded
      </Badge>
    );
  if (status.state === "live")
    return (
      <Badge tone="ok" title="Receiving live updates">
        <span aria-hidden="true">●</span> live
      </Badge>
    );
  if (status.state === "reconnecting")
    return (
      <Badge tone="sev2" title="The live stream dropped; polling until it is back">
        <span aria-hidden="true">◐</span> reconnecting
      </Badge>
    );
  return (
    <Badge tone="sev1" title="No connection to the console">
      <span aria-hidden="true">✕</span> offline since {utcClock(status.since)}
    </Badge>
  );
}

/** Beyond this, a board that is not live says in red that it is not current. */
const STALE_MS = 10_000;

/** The board's age; when the console is degraded, or the board is not live and old, a warning not to read it as current. */
function StaleWarning({
  generatedAt,
  live,
  degraded,
}: {
  generatedAt: number;
  live: boolean;
  degraded: BoardSnapshot["degraded"];
}) {
  const ageMs = useClock() - generatedAt;
  if (degraded) {
    return (
      <p role="alert" className="mb-4 rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
        Console degraded — data not current since {utcClock(degraded.since)}: {degraded.reason}. What is shown below is
        the last known state, {age(ageMs)} old; do not read it as current.
      </p>
    );
  }
  if (live || ageMs <= STALE_MS) return null;
  return (
    <p role="alert" className="mb-4 rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
      This board is {age(ageMs)} old and not updating. Do not read it as current.
    </p>
  );
}

const noSubscription = () => () => {};
/** Whether this browser can show notifications: false on the server and while hydrating, so both render alike. */
function useCanNotify() {
  return useSyncExternalStore(
    noSubscription,
    () => typeof Notification !== "undefined",
    () => false,
  );
}

export function BoardClient({
  initial,
  acknowledge,
  confirm,
}: {
  initial: BoardSnapshot;
  acknowledge?: AcknowledgeAction;
  confirm?: ConfirmHandledAction;
}) {
  return (
    <ClockProvider base={initial.generatedAt}>
      <LiveBoard initial={initial} acknowledge={acknowledge} confirm={confirm} />
    </ClockProvider>
  );
}

function LiveBoard({
  initial,
  acknowledge,
  confirm,
}: {
  initial: BoardSnapshot;
  acknowledge?: AcknowledgeAction | undefined;
  confirm?: ConfirmHandledAction | undefined;
}) {
  const { board: latest, status } = useLiveBoard(initial);
  return <Board board={latest ?? initial} status={status} acknowledge={acknowledge} confirm={confirm} />;
}

/**
 * The board as it was at a moment (lib/replay): the same lanes and cards as the live board, its
 * clock frozen at that moment so every age is as it was then, and nothing to act on.
 */
export function ReplayedBoard({ board }: { board: BoardSnapshot }) {
  return (
    <ClockProvider base={board.generatedAt} frozen>
      <Board board={board} status={null} />
    </ClockProvider>
  );
}

function Board({
  board,
  status,
  acknowledge,
  confirm,
}: {
  board: BoardSnapshot;
  /** null: a replayed board, not live. */
  status: LiveStatus | null;
  acknowledge?: AcknowledgeAction | undefined;
  confirm?: ConfirmHandledAction | undefined;
}) {
  const replay = status === null;
  const canNotify = useCanNotify() && !replay;
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const system = params.get("system") ?? "";
  const severity = params.get("severity") ?? "";
  const state = params.get("state") ?? "";
  const activeFilters = [system, severity, state].filter(Boolean).length;
  // Clearing the filters keeps a replay's moment.
  const replayAt = params.get("at");
  const unfiltered = replayAt ? `${pathname}?at=${encodeURIComponent(replayAt)}` : pathname;
  const [filtersOpen, setFiltersOpen] = useState(false);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  };

  const systems = useMemo(() => new Map(board.systems.map((s) => [s.name, s])), [board.systems]);
  const dataTimes = useMemo(() => new Map(board.systems.map((s) => [s.name, s.lastSuccessAt])), [board.systems]);
  // Labels change only with the fleet config: keyed by their text so the cards do not re-render on every snapshot.
  const labelKey = board.systems.map((s) => `${s.name}=${s.label}`).join("\n");
  const labels = useMemo(
    () =>
      new Map(
        labelKey
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split("=", 2) as [string, string]),
      ),
    [labelKey],
  );
  const visible = board.findings.filter(
    (f) => (!system || f.system === system) && (!severity || f.severity === severity) && (!state || f.state === state),
  );
  const sev1 = board.findings.filter((f) => f.severity === "SEV1" && f.state !== "unknown").length;
  const degraded = board.degraded;

  useEffect(() => {
    document.title = replay
      ? `Replay — not live · ${utcDateTime(board.generatedAt)} · Watchfloor`
      : `${sev1 ? `(${sev1} SEV1) ` : ""}Board · Watchfloor`;
  }, [sev1, replay, board.generatedAt]);

  // Opt-in browser notification for a SEV1 not seen before.
  const [notify, setNotify] = useState(false);
  const seen = useRef(new Set(board.findings.filter((f) => f.severity === "SEV1").map((f) => f.id)));
  useEffect(() => {
    for (const f of board.findings) {
      if (f.severity !== "SEV1" || f.state === "unknown" || seen.current.has(f.id)) continue;
      seen.current.add(f.id);
      if (notify && typeof Notification !== "undefined" && Notification.permission === "granted")
        new Notification(`SEV1: ${f.title}`, { body: f.summary, tag: f.id });
    }
  }, [board.findings, notify]);

  return (
    <div>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        {status ? (
          <>
            <StatusPill status={status} degraded={Boolean(degraded)} />
            <span className="text-xs text-muted">
              updated <Ago at={board.generatedAt} /> ago
              <span className="hidden sm:inline"> · collector {board.collector}</span>
            </span>
          </>
        ) : (
          <Badge tone="sev2" title="A replay of the board as it was at that moment">
            <span aria-hidden="true">⏪</span> replay — not live · {utcDateTime(board.generatedAt)}
          </Badge>
        )}
        {canNotify ? (
          <button
            type="button"
            onClick={async () => setNotify((await Notification.requestPermission()) === "granted")}
            className="ml-auto min-h-10 rounded-md border border-line px-3 text-sm"
            aria-pressed={notify}
          >
            {notify ? (
              "SEV1 notifications on"
            ) : (
              <>
                Notify me<span className="hidden sm:inline"> of new SEV1</span>
              </>
            )}
          </button>
        ) : null}
      </div>
      {/* The snapshot is at most a few seconds old when live; when not live, or degraded, say how old it is. */}
      {status ? (
        <StaleWarning generatedAt={board.generatedAt} live={status.state === "live"} degraded={degraded} />
      ) : null}
      {board.maintenance?.length ? (
        <MaintenanceNotice
          note="notifications for these systems are muted during the window"
          windows={board.maintenance.map((m) => ({
            systems: m.systems.map((s) => labels.get(s) ?? s),
            startsAt: m.startsAt,
            endsAt: m.endsAt,
            ticketId: m.ticketId,
            by: m.by,
          }))}
        />
      ) : null}

      {/* On a phone the systems are a one-line strip (label and freshness) and the filters fold
          away, so the first open SEV1 is on the first screen; from the sm breakpoint up, tiles and filters show in full. */}
      <section aria-labelledby="systems-h" className="mb-3 sm:mb-5">
        <h2 id="systems-h" className="sr-only">
          Systems
        </h2>
        <ul
          className="-mx-1 flex gap-2 overflow-x-auto px-1 pb-1 sm:mx-0 sm:grid sm:grid-cols-2 sm:overflow-visible sm:px-0 sm:pb-0 xl:grid-cols-4"
          data-systems
        >
          {board.systems.map((s) => (
            <li key={s.name} className="shrink-0 sm:shrink">
              <button
                type="button"
                data-system={s.name}
                onClick={() => setFilter("system", system === s.name ? "" : s.name)}
                aria-pressed={system === s.name}
                title={`${s.label} (${s.name}): show only its findings`}
                className={`min-h-10 w-full rounded-lg border bg-surface px-2.5 py-1.5 text-left sm:p-3 ${system === s.name ? "border-accent" : "border-line"}`}
              >
                <span className="flex items-center gap-2 sm:items-start sm:justify-between">
                  <span className="min-w-0">
                    <span className="block text-sm font-medium whitespace-nowrap sm:text-base sm:break-words sm:whitespace-normal">
                      {s.label}
                    </span>
                    <span className="hidden font-mono text-xs break-words text-muted sm:block">
                      {s.label !== s.name ? s.name : s.kind}
                    </span>
                  </span>
                  <span className="flex flex-col items-end gap-1">
                    <FreshnessBadge freshness={s.freshness} />
                    {s.partial ? <PartialBadge families={s.partial.families} /> : null}
                  </span>
                </span>
                <span className="mt-2 hidden flex-wrap items-center gap-2 text-xs text-muted sm:flex">
                  {s.simulated ? <Badge>simulated</Badge> : null}
                  {s.label !== s.name ? <span className="font-mono">{s.kind}</span> : null}
                  data{" "}
                  {s.lastSuccessAt ? (
                    <>
                      <Ago at={s.lastSuccessAt} /> old
                    </>
                  ) : (
                    "never received"
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      <div className="mb-3 flex flex-wrap items-center gap-2 sm:hidden">
        <button
          type="button"
          onClick={() => setFiltersOpen((o) => !o)}
          aria-expanded={filtersOpen}
          aria-controls="board-filters"
          className="min-h-10 rounded-md border border-line px-3 text-sm"
        >
          {filtersOpen ? "Hide filters" : "Filters"}
          {activeFilters ? ` (${activeFilters} on)` : ""}
        </button>
        {activeFilters && !filtersOpen ? (
          <button
            type="button"
            onClick={() => router.replace(unfiltered, { scroll: false })}
            className="min-h-10 rounded-md border border-line px-3 text-sm"
          >
            Clear filters
          </button>
        ) : null}
      </div>
      <form
        id="board-filters"
        className={`mb-5 flex-wrap items-end gap-3 ${filtersOpen ? "flex" : "hidden"} sm:flex`}
        aria-label="Filter findings"
        onSubmit={(e) => e.preventDefault()}
      >
        <div>
          <label htmlFor="flt-system" className="block text-xs text-muted">
            System
          </label>
          <select
            id="flt-system"
            value={system}
            onChange={(e) => setFilter("system", e.target.value)}
            className="min-h-10 rounded-md border border-line bg-bg px-2"
          >
            <option value="">All systems</option>
            {board.systems.map((s) => (
              <option key={s.name} value={s.name}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="flt-sev" className="block text-xs text-muted">
            Severity
          </label>
          <select
            id="flt-sev"
            value={severity}
            onChange={(e) => setFilter("severity", e.target.value)}
            className="min-h-10 rounded-md border border-line bg-bg px-2"
          >
            <option value="">All</option>
            <option>SEV1</option>
            <option>SEV2</option>
            <option>SEV3</option>
          </select>
        </div>
        <div>
          <label htmlFor="flt-state" className="block text-xs text-muted">
            State
          </label>
          <select
            id="flt-state"
            value={state}
            onChange={(e) => setFilter("state", e.target.value)}
            className="min-h-10 rounded-md border border-line bg-bg px-2"
          >
            <option value="">All</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="unknown">unknown</option>
          </select>
        </div>
        {system || severity || state ? (
          <button
            type="button"
            onClick={() => router.replace(unfiltered, { scroll: false })}
            className="min-h-10 rounded-md border border-line px-3 text-sm"
          >
            Clear filters
          </button>
        ) : null}
      </form>

      <SystemLabels.Provider value={labels}>
        <SystemDataTimes.Provider value={dataTimes}>
          <div className="grid gap-4 lg:grid-cols-2 2xl:grid-cols-4">
            {LANES.map((lane) => {
              const items = visible.filter((f) => laneOf(f) === lane.key);
              return (
                <section key={lane.key} aria-labelledby={`lane-${lane.key}`} className="min-w-0" data-lane={lane.key}>
                  <h2 id={`lane-${lane.key}`} className="mb-2 flex items-baseline gap-2">
                    <span
                      className={`text-lg font-bold ${lane.key === "SEV1" ? "text-sev1" : lane.key === "SEV2" ? "text-sev2" : lane.key === "SEV3" ? "text-sev3" : "text-unknown"}`}
                    >
                      {lane.title}
                    </span>
                    <span className="text-sm text-muted">{items.length} open</span>
                  </h2>
                  <p className="mb-2 text-xs text-muted">{lane.hint}</p>
                  <div className="space-y-3">
                    {items.length === 0 ? (
                      <p className="rounded-lg border border-dashed border-line p-3 text-sm text-muted">
                        Nothing open{system || severity || state ? " for this filter" : ""}.
                      </p>
                    ) : (
                      items.map((f) => (
                        <FindingCard
                          key={f.id}
                          f={f}
                          simulated={systems.get(f.system)?.simulated ?? false}
                          acknowledge={acknowledge}
                          confirm={confirm}
                          replay={replay}
                        />
                      ))
                    )}
                  </div>
                </section>
              );
            })}
          </div>
          {board.cleared.length ? <ClearedList cleared={board.cleared} /> : null}
        </SystemDataTimes.Provider>
      </SystemLabels.Provider>
    </div>
  );
}

/** Findings cleared recently, behind a click: the list is built only while it is open. */
function ClearedList({ cleared }: { cleared: BoardFinding[] }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="mt-8 rounded-lg border border-line bg-surface p-3"
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary className="cursor-pointer text-sm font-semibold">
        Cleared in the last 15 minutes ({cleared.length})
      </summary>
      {open ? (
        <ul className="mt-2 space-y-1 text-sm">
          {cleared.map((f) => (
            <li key={f.id} data-cleared={f.id}>
              <span className="text-ok" aria-hidden="true">
                ✓
              </span>{" "}
              <span className="text-xs text-muted">
                <SystemName system={f.system} />
                {f.entity !== "*" ? (
                  <>
                    {" "}
                    · <span className="font-mono">{f.entity}</span>
                  </>
                ) : null}
              </span>{" "}
              {f.title} — cleared <Ago at={f.since} /> ago
              {f.confirmed ? <span data-confirmed=""> — {confirmedWords(f.confirmed)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </details>
  );
}
