"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";

export type LiveStatus = { state: "live" } | { state: "reconnecting"; attempt: number } | { state: "offline"; since: number };

/** How often the board is fetched while the stream is down. */
const POLL_MS = 5000;
/** The stream pings every HEARTBEAT_MS (app/api/stream); this long without a message is a dead connection. */
const WATCHDOG_MS = 12_000;

/** Stream and poll can both deliver: an answer overtaken by a newer snapshot is dropped. */
const newest = (next: BoardSnapshot) => (prev: BoardSnapshot) => (next.generatedAt >= prev.generatedAt ? next : prev);

/**
 * The board, kept current by the server-sent event stream. On a broken stream it reconnects with
 * exponential backoff and jitter (so a server restart does not bring every viewer back in the same
 * second) and polls /api/board meanwhile; the status says honestly which of these is happening.
 */
export function useLiveBoard(initial: BoardSnapshot) {
  const router = useRouter();
  const [board, setBoard] = useState(initial);
  const [fetchError, setFetchError] = useState<Error | null>(null);
  const [status, setStatus] = useState<LiveStatus>({ state: "reconnecting", attempt: 0 });
  const offlineSince = useRef<number | null>(null);
  const live = status.state === "live";

  // While the stream is not live, poll the board (no query library: one URL, nothing to cache).
  useEffect(() => {
    if (live) return;
    let busy = false;
    let stopped = false;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        const res = await fetch("/api/board", { cache: "no-store" });
        if (stopped) return;
        if (res.status === 401) router.push("/signin");
        if (!res.ok) throw new Error(`board ${res.status}`);
        const next = (await res.json()) as BoardSnapshot;
        if (stopped) return;
        setFetchError(null);
        setBoard(newest(next));
      } catch (err) {
        if (!stopped) setFetchError(err instanceof Error ? err : new Error(String(err)));
      } finally {
        busy = false;
      }
    };
    const id = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(id);
    };
  }, [live, router]);

  useEffect(() => {
    let es: EventSource | null = null;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let lastMessageAt = Date.now();
    const connect = () => {
      lastMessageAt = Date.now();
      es = new EventSource("/api/stream");
      es.addEventListener("open", () => {
        attempt = 0;
        lastMessageAt = Date.now();
        offlineSince.current = null;
        setStatus({ state: "live" });
      });
      es.addEventListener("board", (ev) => {
        lastMessageAt = Date.now();
        setBoard(newest(JSON.parse((ev as MessageEvent<string>).data) as BoardSnapshot));
      });
      es.addEventListener("ping", () => {
        lastMessageAt = Date.now();
      });
      es.addEventListener("expired", () => {
        stopped = true;
        es?.close();
        router.push("/signin");
      });
      es.addEventListener("error", () => fail());
    };
    const fail = () => {
      es?.close();
      if (stopped) return;
      if (timer) clearTimeout(timer);
      attempt++;
      offlineSince.current ??= Date.now();
      const offline = attempt >= 4 || (typeof navigator !== "undefined" && navigator.onLine === false);
      setStatus(offline ? { state: "offline", since: offlineSince.current } : { state: "reconnecting", attempt });
      const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      timer = setTimeout(connect, base / 2 + Math.random() * base);
    };
    // A half-open connection (a phone changing networks) can stay "open" while nothing arrives:
    // the server pings every few seconds, and silence for longer than WATCHDOG_MS counts as a drop.
    const watchdog = setInterval(() => {
      if (!stopped && es && es.readyState !== EventSource.CLOSED && Date.now() - lastMessageAt > WATCHDOG_MS) fail();
    }, 2000);
    // The browser knows first when the network goes away or comes back.
    const onOffline = () => fail();
    const onOnline = () => {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      es?.close();
      attempt = 0;
      connect();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(watchdog);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      es?.close();
    };
  }, [router]);

  return { board, status, fetchError };
}
