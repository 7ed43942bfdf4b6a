"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useTransition } from "react";
import { Badge } from "../ui/badge";
import { useClock } from "../ui/clock";
import { useLiveBoard } from "../board/use-live-board";
import { duration } from "@/lib/core/time";

/**
 * Keeps a server-rendered panel page current: re-renders it when a new board arrives through the
 * one live client (pushed by the stream, or polled while the stream is down), at most every
 * `minMs`, only while the tab is visible. Says honestly whether it is live and how old the page is.
 */
export function LiveRefresh({ renderedAt, minMs = 4000 }: { renderedAt: number; minMs?: number }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const last = useRef(0);
  const now = useClock() || renderedAt;

  // A link to this same page with other parameters (a range tab, a filter) is being followed: no
  // refresh until it lands. A refresh of the page as it was would be rendered on top of it, and
  // with a slow read (a week of history) a refresh every few seconds kept the new range from ever
  // showing. Cleared when the address changes, or after 30 s (the page says it is not updating).
  const navigatingUntil = useRef(0);
  const search = useSearchParams()?.toString() ?? "";
  const pathname = usePathname();
  useEffect(() => {
    navigatingUntil.current = 0;
  }, [search, pathname]);
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.("a[href]");
      if (!(a instanceof HTMLAnchorElement) || (a.target && a.target !== "_self")) return;
      const url = new URL(a.href, location.href);
      if (url.origin === location.origin && url.pathname === location.pathname && url.search !== location.search)
        navigatingUntil.current = Date.now() + 30_000;
    };
    document.addEventListener("click", onClick, true);
    return () => document.removeEventListener("click", onClick, true);
  }, []);

  const refresh = useCallback(() => {
    if (document.visibilityState !== "visible") return;
    if (Date.now() < navigatingUntil.current) return;
    const t = Date.now();
    if (t - last.current < minMs) return;
    last.current = t;
    startTransition(() => router.refresh());
  }, [router, minMs]);
  // The same live client as the board (stream, reconnect, half-open watchdog, polling while the
  // stream is down); each new board re-renders the page.
  const { board, status } = useLiveBoard();
  const live = status.state === "live" ? "live" : "reconnecting";
  const generatedAt = board?.generatedAt;
  const firstBoard = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (generatedAt === undefined) return;
    // The first board only says where the page started; each later one is a change.
    if (firstBoard.current === undefined) firstBoard.current = generatedAt;
    else refresh();
  }, [generatedAt, refresh]);
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
