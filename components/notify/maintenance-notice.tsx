"use client";

import { maintenanceWindowText } from "@/lib/notify/window-text";
import { useClock } from "../ui/clock";
import { age } from "@/lib/core/time";

// A small notice of maintenance windows scheduled ahead, for the board and the status view. The
// caller decides what each window may show: the status view passes no ticket and no author.

export interface NoticeWindow {
  /** Systems as readers know them (labels). */
  systems: string[];
  startsAt: number;
  endsAt: number;
  ticketId?: string;
  by?: string;
}

/** Nothing when no window is still ahead (a window that has started is marked on its findings instead). */
export function MaintenanceNotice({ windows, note }: { windows: readonly NoticeWindow[]; note?: string }) {
  const now = useClock();
  const ahead = windows.filter((w) => w.startsAt > now);
  if (!ahead.length) return null;
  return (
    <section
      aria-labelledby="maintenance-h"
      className="mb-3 rounded-lg border border-accent bg-surface px-3 py-2 text-sm"
      data-maintenance-notice={ahead.length}
    >
      <h2 id="maintenance-h" className="font-semibold">
        <span aria-hidden="true">🛠 </span>Scheduled maintenance
        {note ? <span className="font-normal text-muted"> — {note}</span> : null}
      </h2>
      <ul className="mt-1 space-y-0.5">
        {ahead.map((w) => (
          <li key={`${w.startsAt}|${w.systems.join(",")}|${w.ticketId ?? ""}`} data-maintenance={w.systems.join(",")}>
            <span className="font-medium">{w.systems.join(", ")}</span>: {maintenanceWindowText(w.startsAt, w.endsAt)}{" "}
            <span className="text-muted">(starts in {age(w.startsAt - now)})</span>
            {w.ticketId ? (
              <>
                {" "}
                · <span className="font-mono">{w.ticketId}</span>
              </>
            ) : null}
            {w.by ? <> · by {w.by}</> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
