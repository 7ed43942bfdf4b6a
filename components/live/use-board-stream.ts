"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { BoardStreamState } from "@/lib/core/board-stream";

// The one connection logic for the board's server-sent-event stream (/api/stream), shared by the
// board and the panel screens, so both notice the same failures the same way:
// - a broken stream reconnects with exponential backoff and jitter (a server restart does not
//   bring every viewer back in the same second);
// - a half-open connection (a phone changing networks) can stay "open" while nothing arrives: the
//   server pings every few seconds, and silence for longer than WATCHDOG_MS counts as a drop;
// - the browser's offline/online events are believed at once;
// - an expired session sends the viewer to sign-in.
// - the stream sends a whole board, then patches against it (lib/core/board-stream.ts): a patch
//   that does not fit the board in hand (a missed event) reconnects at once for a whole one.
// What to do with a board, and how to poll while the stream is down, is the caller's.

export type LiveStatus =
  { state: "live" } | { state: "reconnecting"; attempt: number } | { state: "offline"; since: number };

/** The stream pings every HEARTBEAT_MS (app/api/stream); this long without a message is a dead connection. */
export const WATCHDOG_MS = 12_000;
/** After this many failed attempts in a row the status says offline rather than reconnecting. */
const OFFLINE_AFTER_ATTEMPTS = 4;

/** `enabled: false` (a page with no session, like the shared status view) opens no stream. */
export function useBoardStream(onBoard: (board: unknown) => void, enabled = true): LiveStatus {
  const router = useRouter();
  const [status, setStatus] = useState<LiveStatus>({ state: "reconnecting", attempt: 0 });
  const handler = useRef(onBoard);
  useEffect(() => {
    handler.current = onBoard;
  }, [onBoard]);

  useEffect(() => {
    if (!enabled) return;
    let es: EventSource | null = null;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let lastMessageAt = Date.now();
    let offlineSince: number | null = null;
    // The stream's protocol code is loaded with the first connection, not with the page: pages
    // that poll only (the shared status view) never load it.
    let Receiver: (new () => BoardStreamState<unknown>) | undefined;
    let loading = false;
    let state: BoardStreamState<unknown> | undefined;
    const connect = () => {
      if (!Receiver) {
        if (loading) return; // the load below connects when it is done
        loading = true;
        void import("@/lib/core/board-stream").then(
          (m) => {
            loading = false;
            Receiver = m.BoardStreamState;
            if (!stopped) connect();
          },
          () => {
            loading = false;
            fail();
          },
        );
        return;
      }
      // One stream at a time: a reconnect replaces the one before.
      es?.close();
      lastMessageAt = Date.now();
      state = new Receiver();
      es = new EventSource("/api/stream");
      es.addEventListener("open", () => {
        attempt = 0;
        lastMessageAt = Date.now();
        offlineSince = null;
        setStatus({ state: "live" });
      });
      const onBoardEvent = (ev: Event) => {
        lastMessageAt = Date.now();
        const { type, data, lastEventId } = ev as MessageEvent<string>;
        const got = state!.receive(type, data, lastEventId);
        if (got && "board" in got) handler.current(got.board);
        else if (got) {
          // A missed patch: start again from a whole board now (no backoff: the server is there).
          es?.close();
          connect();
        }
      };
      es.addEventListener("board", onBoardEvent);
      es.addEventListener("patch", onBoardEvent);
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
      offlineSince ??= Date.now();
      const offline =
        attempt >= OFFLINE_AFTER_ATTEMPTS || (typeof navigator !== "undefined" && navigator.onLine === false);
      setStatus(offline ? { state: "offline", since: offlineSince } : { state: "reconnecting", attempt });
      const base = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      timer = setTimeout(connect, base / 2 + Math.random() * base);
    };
    const watchdog = setInterval(() => {
      if (!stopped && es && es.readyState !== EventSource.CLOSED && Date.now() - lastMessageAt > WATCHDOG_MS) fail();
    }, 2000);
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
  }, [router, enabled]);

  return status;
}
