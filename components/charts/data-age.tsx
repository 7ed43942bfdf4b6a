"use client";

import { useClock } from "../ui/clock";
import { duration, utcDateTime } from "@/lib/core/time";

/** "data 4 s old" beside a chart; says so plainly when there is none or it is old. */
export function DataAge({
  at,
  now: initial,
  staleAfterMs = 10_000,
}: {
  at?: number;
  now: number;
  staleAfterMs?: number;
}) {
  const now = useClock() || initial;
  if (at === undefined)
    return (
      <span className="text-xs text-unknown" data-age="none">
        no data
      </span>
    );
  const age = now - at;
  const old = age > staleAfterMs;
  return (
    <span
      className={`text-xs ${old ? "font-semibold text-sev2" : "text-muted"}`}
      title={utcDateTime(at)}
      data-age={old ? "old" : "fresh"}
    >
      {old ? <span aria-hidden="true">◐ </span> : null}data {duration(age)} old{old ? " — not current" : ""}
    </span>
  );
}
