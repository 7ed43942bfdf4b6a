"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";

export type LiveStatus = { state: "live" } | { state: "reconnecting"; attempt: number } | { state: "offline"; since: number };

const BOARD_KEY = ["board"] as const;

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
    const connect = () => {
      es = new EventSource("/api/stream");
      es.addEventListener("open", () => {
        attempt = 0;
        offlineSince.current = null;
        setStatus({ state: "live" });
      });
      es.addEventListener("board", (ev) => {
        qc.setQueryData(BOARD_KEY, JSON.parse((ev as MessageEvent<string>).data) as BoardSnapshot);
      });
      es.addEventListener("expired", () => {
        stopped = true;
        es?.close();
        router.push("/signin");
      });
      es.addEventListener("error", () => {
        es?.close();
        if (stopped) return;
        attempt++;
        offlineSince.current ??= Date.now();
        setStatus(attempt >= 4 ? { state: "offline", since: offlineSince.current } : { state: "reconnecting", attempt });
        const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        timer = setTimeout(connect, base / 2 + Math.random() * base);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      es?.close();
    };
  }, [qc, router]);

  return { board: query.data, status, fetchError: query.error };
}
