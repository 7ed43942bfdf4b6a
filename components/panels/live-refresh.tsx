"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { Badge } from "../ui/badge";
import { relative } from "../charts/format";
import { useNow } from "../charts/use-now";

/**
 * Keeps a server-rendered panel page current: re-renders it when the board stream reports a
 * change (at most every `minMs`), and on a light interval while the stream is down. Only while
 * the tab is visible. Says honestly whether it is live and how old the page is.
 */
export function LiveRefresh({ renderedAt, minMs = 4000, fallbackMs = 10_000 }: { renderedAt: number; minMs?: number; fallbackMs?: number }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [live, setLive] = useState<"live" | "reconnecting">("reconnecting");
  const last = useRef(0);
  const now = useNow(renderedAt);

  useEffect(() => {
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;
    const refresh = () => {
      if (document.visibilityState !== "visible") return;
      const t = Date.now();
      if (t - last.current < minMs) return;
      last.current = t;
      startTransition(() => router.refresh());
    };
    const connect = () => {
      es = new EventSource("/api/stream");
      es.addEventListener("open", () => {
        attempt = 0;
        setLive("live");
      });
      es.addEventListener("board", refresh);
      es.addEventListener("expired", () => {
        stopped = true;
        es?.close();
        router.push("/signin");
      });
      es.addEventListener("error", () => {
        es?.close();
        if (stopped) return;
        setLive("reconnecting");
        attempt++;
        const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        timer = setTimeout(connect, base / 2 + Math.random() * base);
      });
    };
    connect();
    const poll = setInterval(() => {
      if (es?.readyState !== EventSource.OPEN) refresh();
    }, fallbackMs);
    const onVisible = () => document.visibilityState === "visible" && refresh();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      document.removeEventListener("visibilitychange", onVisible);
      es?.close();
    };
  }, [router, minMs, fallbackMs]);

  const age = now - renderedAt;
  return (
    <div className="mb-4 flex flex-wrap items-center gap-2 text-xs text-muted" data-live={live}>
      {live === "live" ? (
        <Badge tone="ok" title="Receiving live updates"><span aria-hidden="true">●</span> live</Badge>
      ) : (
        <Badge tone="sev2" title="The live stream dropped; refreshing on an interval until it is back"><span aria-hidden="true">◐</span> reconnecting</Badge>
      )}
      <span>page rendered {relative(age)} ago</span>
      {age > 30_000 ? <span role="alert" className="font-semibold text-sev1">This page is not updating — do not read it as current.</span> : null}
    </div>
  );
}
