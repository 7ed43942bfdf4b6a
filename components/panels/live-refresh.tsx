"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useTransition } from "react";
import { Badge } from "../ui/badge";
import { useClock } from "../ui/clock";
import { useBoardStream } from "../live/use-board-stream";
import { duration } from "@/lib/core/time";

/**
 * Keeps a server-rendered panel page current: re-renders it when the board stream reports a
 * change (at most every `minMs`), and on a light interval while the stream is down. Only while
 * the tab is visible. Says honestly whether it is live and how old the page is.
 */
export function LiveRefresh({
  renderedAt,
  minMs = 4000,
  fallbackMs = 10_000,
}: {
  renderedAt: number;
  minMs?: number;
  fallbackMs?: number;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const last = useRef(0);
  const now = useClock() || renderedAt;

  const refresh = useCallback(() => {
    if (document.visibilityState !== "visible") return;
    const t = Date.now();
    if (t - last.current < minMs) return;
    last.current = t;
    startTransition(() => router.refresh());
  }, [router, minMs]);
  // The same stream logic as the board (reconnect, half-open watchdog, offline); a board message
  // re-renders the page.
  const status = useBoardStream(refresh);
  const live = status.state === "live" ? "live" : "reconnecting";

  // While the stream is down, re-render on a light interval instead; and on becoming visible.
  useEffect(() => {
    if (live === "live") return;
    const poll = setInterval(refresh, fallbackMs);
    return () => clearInterval(poll);
  }, [live, refresh, fallbackMs]);
  useEffect(() => {
    const onVisible = () => document.visibilityState === "visible" && refresh();
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [refresh]);

  const age = now - renderedAt;
  return (
    <div className="mb-4 flex flex-wrap items-center gap-2 text-xs text-muted" data-live={live}>
      {live === "live" ? (
        <Badge tone="ok" title="Receiving live updates">
          <span aria-hidden="true">●</span> live
        </Badge>
      ) : (
        <Badge tone="sev2" title="The live stream dropped; refreshing on an interval until it is back">
          <span aria-hidden="true">◐</span> reconnecting
        </Badge>
      )}
      <span>page rendered {duration(age)} ago</span>
      {age > 30_000 ? (
        <span role="alert" className="font-semibold text-sev1">
          This page is not updating — do not read it as current.
        </span>
      ) : null}
    </div>
  );
}
