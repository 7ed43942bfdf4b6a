"use client";

import { useClock } from "../ui/clock";
import { duration, utcDateTime } from "@/lib/core/time";

/**
 * A deadline counting down each second: "in 4 min 10 s (12:45:00 UTC)", or, once passed,
 * the `due` text with how long ago.
 */
export function Countdown({
  at,
  now: initial,
  label,
  due = "due now",
}: {
  at: number;
  now: number;
  label?: string;
  due?: string;
}) {
  const now = useClock() || initial;
  const left = at - now;
  const when = utcDateTime(at).slice(11);
  return (
    <span data-countdown={left <= 0 ? "due" : "running"} className={left <= 0 ? "font-semibold text-sev1" : ""}>
      {label ? `${label} ` : ""}
      {left > 0 ? (
        <>
          in <span className="font-mono">{duration(left)}</span> <span className="text-muted">({when})</span>
        </>
      ) : (
        <>
          <span aria-hidden="true">▲ </span>
          {due}{" "}
          <span className="text-muted">
            (since {when}, {duration(-left)} ago)
          </span>
        </>
      )}
    </span>
  );
}
