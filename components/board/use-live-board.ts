"use client";

import { useRouter } from "next/navigation";
import { useCallback } from "react";
import type { BoardSnapshot } from "@/lib/board/snapshot";
import { useLiveSnapshot } from "../live/use-live-snapshot";
import type { LiveStatus } from "../live/use-board-stream";

export type { LiveStatus };

/** How often the board is fetched while the stream is down. */
export const BOARD_POLL_MS = 5000;
export const BOARD_KEY = ["board"] as const;

/**
 * The board through the one live client (components/live/use-live-snapshot.ts): the stream writes
 * each snapshot into the query cache, and while it is not live the query polls /api/board.
 */
export function useLiveBoard(initial?: BoardSnapshot) {
  const router = useRouter();
  const check = useCallback(
    async (res: Response) => {
      if (res.status === 401) router.push("/signin");
    },
    [router],
  );
  const live = useLiveSnapshot<BoardSnapshot>({
    key: BOARD_KEY,
    url: "/api/board",
    initial,
    pollMs: BOARD_POLL_MS,
    stream: true,
    check,
  });
  return { board: live.data, status: live.status, receivedAt: live.receivedAt };
}
