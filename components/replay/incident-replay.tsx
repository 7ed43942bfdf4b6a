"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";
import { age, utcDateTime } from "@/lib/core/time";
import { Badge } from "../ui/badge";
import { FreshnessBadge } from "../ui/freshness-badge";

// The incident room's scrubber: its stops are the incident's moments (onset, peak, resolution)
// and every timeline event; moving it shows the board as it was at that stop, read from the
// replay endpoint, with a link to the full board at that moment.

export interface ReplayStop {
  at: number;
  label: string;
}

const LANES = ["SEV1", "SEV2", "SEV3", "unknown"] as const;
const isoOf = (t: number) => new Date(t).toISOString();

export function IncidentReplay({ stops, initial }: { stops: ReplayStop[]; initial: number }) {
  const [index, setIndex] = useState(Math.max(0, initial));
  const stop = stops[Math.min(index, stops.length - 1)];
  const [board, setBoard] = useState<{ at: number; board?: BoardSnapshot; error?: string } | null>(null);

  // Keyed by the moment: the room re-renders every few seconds with new (equal) stops.
  const stopAt = stop?.at;
  useEffect(() => {
    if (stopAt === undefined) return;
    const ctl = new AbortController();
    fetch(`/api/replay?at=${encodeURIComponent(isoOf(stopAt))}`, { cache: "no-store", signal: ctl.signal })
      .then(async (res) => {
        const body = (await res.json()) as BoardSnapshot & { error?: string };
        setBoard(res.ok ? { at: stopAt, board: body } : { at: stopAt, error: body.error ?? `error ${res.status}` });
      })
      .catch((err: Error) => {
        if (err.name !== "AbortError") setBoard({ at: stopAt, error: err.message });
      });
    return () => ctl.abort();
  }, [stopAt]);

  if (!stop) return <p className="text-sm text-muted">Nothing to replay yet.</p>;
  const shown = board?.at === stop.at ? board : null;
  const b = shown?.board;
  return (
    <div data-incident-replay={isoOf(stop.at)}>
      <label htmlFor="incident-scrub" className="block text-sm">
        Replay the board through the incident:{" "}
        <span className="font-medium" data-replay-stop>
          {stop.label}
        </span>{" "}
        <span className="font-mono text-xs text-muted">{utcDateTime(stop.at)}</span>
      </label>
      <input
        id="incident-scrub"
        type="range"
        min={0}
        max={stops.length - 1}
        step={1}
        value={index}
        onChange={(e) => setIndex(Number(e.target.value))}
        className="mt-1 w-full"
        aria-valuetext={`${stop.label}, ${utcDateTime(stop.at)}`}
      />
      <div className="mt-1 flex flex-wrap gap-2">
        <button
          type="button"
          className="min-h-10 rounded-md border border-line px-3 text-sm"
          disabled={index === 0}
          onClick={() => setIndex((i) => Math.max(0, i - 1))}
        >
          ◀ Earlier
        </button>
        <button
          type="button"
          className="min-h-10 rounded-md border border-line px-3 text-sm"
          disabled={index >= stops.length - 1}
          onClick={() => setIndex((i) => Math.min(stops.length - 1, i + 1))}
        >
          Later ▶
        </button>
        <Link
          href={`/?at=${encodeURIComponent(isoOf(stop.at))}`}
          className="min-h-10 content-center rounded-md px-3 text-sm text-accent underline"
        >
          Open the board at this moment
        </Link>
      </div>
      <div className="mt-3 rounded-lg border-2 border-sev2 p-3" aria-live="polite" aria-busy={!shown}>
        <p className="text-sm font-semibold text-sev2">Replay — not live · {utcDateTime(stop.at)}</p>
        {!shown ? (
          <p className="mt-2 text-sm text-muted">Rebuilding the board at that moment…</p>
        ) : shown.error ? (
          <p role="alert" className="mt-2 text-sm text-sev1">
            Cannot replay that moment: {shown.error}
          </p>
        ) : b ? (
          <>
            <ul className="mt-2 flex flex-wrap gap-2 text-xs" aria-label="Sources then">
              {b.systems.map((s) => (
                <li key={s.name} className="flex items-center gap-1">
                  {s.label} <FreshnessBadge freshness={s.freshness} />
                </li>
              ))}
            </ul>
            <p className="mt-2 text-sm" data-replay-counts>
              {LANES.map((l) => {
                const n = b.findings.filter((f) =>
                  l === "unknown" ? f.state === "unknown" : f.state !== "unknown" && f.severity === l,
                ).length;
                return (
                  <span key={l} className="mr-3">
                    {l === "unknown" ? "Unknown" : l}: {n} open
                  </span>
                );
              })}
            </p>
            {b.findings.length === 0 ? (
              <p className="mt-1 text-sm text-muted">Nothing open at that moment.</p>
            ) : (
              <ul className="mt-1 space-y-1 text-sm">
                {b.findings.map((f) => (
                  <li key={f.id} data-replay-finding={f.id} data-state={f.state}>
                    <Badge
                      tone={
                        f.state === "unknown"
                          ? "unknown"
                          : f.severity === "SEV1"
                            ? "sev1"
                            : f.severity === "SEV2"
                              ? "sev2"
                              : "sev3"
                      }
                    >
                      {f.severity} {f.state}
                    </Badge>{" "}
                    {f.title}{" "}
                    <span className="text-xs text-muted">
                      {f.system}
                      {f.entity !== "*" ? ` · ${f.entity}` : ""} · for {age(stop.at - f.since)}
                      {f.ack ? ` · acknowledged by ${f.ack.by}` : ""}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : null}
      </div>
    </div>
  );
}
