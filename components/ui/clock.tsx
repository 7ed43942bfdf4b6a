"use client";

import { createContext, useContext, useSyncExternalStore } from "react";
import { age, utcClock } from "@/lib/core/time";

// One ticking clock per page, read only by the small pieces of text that show an age. A screen
// that re-rendered itself every second to move "12 s" to "13 s" kept the phone's main thread
// busy with every card on the board; here one interval notifies the subscribers and React
// re-renders those leaves only.

let current = 0;
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!timer) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (!listeners.size && timer) {
      clearInterval(timer);
      timer = undefined;
      current = 0;
    }
  };
}

function getSnapshot() {
  // Read once and kept until the next tick: React needs the same value on every call in between.
  if (!current) current = Date.now();
  return current;
}
/** On the server and while hydrating: "not known here", so the page's own time is used instead. */
const getServerSnapshot = () => 0;

const ClockBase = createContext<{ base: number; frozen: boolean }>({ base: 0, frozen: false });

/**
 * The time the page's data was generated: what the server renders ages against, so the first
 * client render matches the server's HTML before the clock takes over. `frozen`: the clock stays
 * at `base` (a replayed board: every age is as it was at that moment).
 */
export function ClockProvider({
  base,
  frozen = false,
  children,
}: {
  base: number;
  frozen?: boolean;
  children: React.ReactNode;
}) {
  return <ClockBase.Provider value={{ base, frozen }}>{children}</ClockBase.Provider>;
}

/** The current time, to the second; the provider's base time on the server and during hydration. */
export function useClock(): number {
  const { base, frozen } = useContext(ClockBase);
  const now = useSyncExternalStore(frozen ? noSubscription : subscribe, getSnapshot, getServerSnapshot);
  return frozen ? base : now || base;
}

const noSubscription = () => () => {};

/**
 * The age of `at`, ticking: "12 s", "4 min". With `withUtc`: "12 s ago (14:03:05 UTC)", relative
 * for reading and UTC for finding the moment in a system's logs. `now` is the page's own time, used
 * until the clock ticks when no ClockProvider is above (server-rendered pages).
 */
export function Ago({ at, now, withUtc }: { at?: number; now?: number; withUtc?: boolean }) {
  const clock = useClock();
  if (at === undefined) return <span className="text-muted">never</span>;
  const text = age((clock || now || at) - at);
  if (!withUtc) return <>{text}</>;
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toISOString()}>
      {text} ago <span className="text-muted">({utcClock(at)})</span>
    </time>
  );
}
