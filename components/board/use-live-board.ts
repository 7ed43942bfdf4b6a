"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";

export type LiveStatus = { state: "live" } | { state: "reconnecting"; attempt: number } | { state: "offline"; since: number };

const BOARD_KEY = ["board"] as const;
/** The stream pings every HEARTBEAT_MS (app/api/stream); this long without a message is a dead connection. */
const WATCHDOG_MS = 12_000;

/**
 * The board, kept current by the server-sent event stream. On a broken stream it reconnects with
 * exponential backoff and jitter (so a server restart does not bring every viewer back in the same
 * second) and polls /api/board meanwhile; the status says honestly which of these is happening.
 */
export function useLiveBoard(initial: BoardSnapshot) {
  const qc = useQueryClient();
  const router = useRouter();
  const [status, setStatus] = useState<LiveStatus>({ state: "reconnecting", attempt: 0 });
  const offlineSince = useRef<number | null>(null);

  const query = useQuery({
    queryKey: BOARD_KEY,
    queryFn: async () => {
      const res = await fetch("/api/board", { cache: "no-store" });
      if (res.status === 401) router.push("/signin");
      if (!res.ok) throw new Error(`board ${res.status}`);
      return (await res.json()) as BoardSnapshot;
    },
    initialData: initial,
    staleTime: Infinity,
    refetchInterval: status.state === "live" ? false : 5000,
  });

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
        qc.setQueryData(BOARD_KEY, JSON.parse((ev as MessageEvent<string>).data) as BoardSnapshot);
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
  }, [qc, router]);

  return { board: query.data, status, fetchError: query.error };
}
