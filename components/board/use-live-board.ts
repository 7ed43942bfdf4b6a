"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";
import { useBoardStream, type LiveStatus } from "../live/use-board-stream";

export type { LiveStatus };

/** How often the board is fetched while the stream is down. */
const POLL_MS = 5000;
const BOARD_KEY = ["board"] as const;

/** Stream and poll can both deliver: an answer overtaken by a newer snapshot is dropped. */
const newest = (next: BoardSnapshot, prev: BoardSnapshot | undefined) =>
  prev && prev.generatedAt > next.generatedAt ? prev : next;

/**
 * The board, kept current in the query cache: the server-sent event stream writes each snapshot
 * into it (useBoardStream: reconnects, half-open watchdog), and while the stream is not live the
 * query polls /api/board (refetchInterval) as the fallback; the status says honestly which of
 * these is happening.
 */
export function useLiveBoard(initial: BoardSnapshot) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const onBoard = useCallback(
    (data: string) =>
      queryClient.setQueryData<BoardSnapshot>(BOARD_KEY, (prev) => newest(JSON.parse(data) as BoardSnapshot, prev)),
    [queryClient],
  );
  const status = useBoardStream(onBoard);
  const live = status.state === "live";
  const query = useQuery({
    queryKey: BOARD_KEY,
    queryFn: async ({ signal }) => {
      const res = await fetch("/api/board", { cache: "no-store", signal });
      if (res.status === 401) router.push("/signin");
      if (!res.ok) throw new Error(`board ${res.status}`);
      return newest((await res.json()) as BoardSnapshot, queryClient.getQueryData<BoardSnapshot>(BOARD_KEY));
    },
    // The server-rendered snapshot seeds the cache; it is dropped when the board unmounts so the
    // next visit starts from that visit's server render, not an older cached one.
    initialData: initial,
    gcTime: 0,
    staleTime: Infinity,
    refetchInterval: live ? false : POLL_MS,
    refetchIntervalInBackground: true,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
  });
  return { board: query.data, status, fetchError: query.error };
}
