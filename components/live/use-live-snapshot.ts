"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useBoardStream, type LiveStatus } from "./use-board-stream";

// The one live client of the console: the board, the panel screens and the shared status view
// keep their snapshot current the same way. The react-query cache holds the snapshot; on signed-in
// screens the board's server-sent-event stream writes each new board into it (useBoardStream:
// reconnect with backoff, the half-open watchdog, the browser's offline events); while the stream
// is not live — or on a page that has none, like the status view — the query polls the snapshot's
// URL (refetchInterval). What the page shows about being current comes from here too: live,
// reconnecting, or offline since when.

/** The snapshot's address answered that it is gone for good (a revoked or expired status link). */
export class SnapshotGone extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LiveSnapshotOptions<T> {
  key: readonly unknown[];
  url: string;
  /** The server-rendered snapshot, if the page has one. */
  initial?: T;
  pollMs: number;
  /** Signed-in screens: the board stream pushes board snapshots into this query's cache. */
  stream: boolean;
  /** Checks a response before it is read as a snapshot: throw SnapshotGone, or an error that counts as a failed poll. */
  check?: (res: Response) => Promise<void>;
}

export interface LiveSnapshot<T> {
  data: T | undefined;
  /** The stream's state on streaming pages; on polling-only pages, live while polls succeed. */
  status: LiveStatus;
  /** Since when polls have failed (null while they succeed). */
  offlineSince: number | null;
  gone: SnapshotGone | null;
  /** When the snapshot in hand was received. */
  receivedAt: number;
}

/** Stream and poll can both deliver: an answer overtaken by a newer snapshot is dropped. */
function newest<T extends { generatedAt: number }>(next: T, prev: T | undefined): T {
  return prev && prev.generatedAt > next.generatedAt ? prev : next;
}

export function useLiveSnapshot<T extends { generatedAt: number }>(o: LiveSnapshotOptions<T>): LiveSnapshot<T> {
  const queryClient = useQueryClient();
  const { key, url, check } = o;
  // The key is a literal per page: its identity changes every render, its text does not.
  const keyText = JSON.stringify(key);
  const onBoard = useCallback(
    (board: unknown) =>
      queryClient.setQueryData<T>(JSON.parse(keyText) as unknown[], (prev) => newest(board as T, prev)),
    [queryClient, keyText],
  );
  const streamStatus = useBoardStream(onBoard, o.stream);
  const [offlineSince, setOfflineSince] = useState<number | null>(null);
  const [gone, setGone] = useState<SnapshotGone | null>(null);
  const streaming = o.stream && streamStatus.state === "live";
  const query = useQuery({
    queryKey: key,
    queryFn: async ({ signal }) => {
      try {
        const res = await fetch(url, { cache: "no-store", signal });
        await check?.(res);
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        const body = (await res.json()) as T;
        // With a stream, a poll answer can be overtaken by a pushed snapshot: keep the newer one.
        // Without, every answer is the server's latest word (a "not current" one included, whatever
        // its build time).
        const next = o.stream ? newest(body, queryClient.getQueryData<T>(key)) : body;
        setOfflineSince(null);
        return next;
      } catch (err) {
        if (err instanceof SnapshotGone) setGone(err);
        else if (!signal.aborted) setOfflineSince((t) => t ?? Date.now());
        throw err;
      }
    },
    // The server-rendered snapshot seeds the cache; it is dropped when the page unmounts so the
    // next visit starts from that visit's server render, not an older cached one.
    initialData: o.initial,
    gcTime: 0,
    staleTime: Infinity,
    enabled: !gone,
    refetchInterval: gone || streaming ? false : o.pollMs,
    refetchIntervalInBackground: true,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
    // Poll even when the browser says it is offline: a failed poll is how a page without a stream
    // learns it is offline (and the browser's own flag is often wrong), where react-query would
    // otherwise pause the query silently.
    networkMode: "always",
  });
  const status: LiveStatus = o.stream
    ? streamStatus
    : offlineSince !== null
      ? { state: "offline", since: offlineSince }
      : { state: "live" };
  return { data: gone ? undefined : query.data, status, offlineSince, gone, receivedAt: query.dataUpdatedAt };
}
