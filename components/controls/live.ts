"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import type { ControlRequestView } from "@/lib/controls/api";

// Live pieces of the Controls screen, by polling `/api/controls` while the tab is visible:
// the count of requests waiting for this user's approval (one shared poll however many badges a
// page shows) and one request's state while it waits for a decision or an outcome.

const WAITING_EVERY_MS = 10_000;
const REQUEST_EVERY_MS = 2_000;
/** States that can still change without the requester doing anything. */
export const MOVING_STATES = ["pending_approval", "approved", "executing"];

let waiting: number | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

async function pollWaiting(): Promise<void> {
  if (document.visibilityState !== "visible") return;
  try {
    const res = await fetch("/api/controls", { cache: "no-store" });
    if (!res.ok) return;
    const body = (await res.json()) as { waiting?: { count?: number } };
    if (typeof body.waiting?.count === "number" && body.waiting.count !== waiting) {
      waiting = body.waiting.count;
      for (const l of listeners) l();
    }
  } catch {
    /* offline: keep the last count; the next poll tries again */
  }
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  if (!timer) {
    timer = setInterval(() => void pollWaiting(), WAITING_EVERY_MS);
    document.addEventListener("visibilitychange", onVisible);
  }
  return () => {
    listeners.delete(l);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
      document.removeEventListener("visibilitychange", onVisible);
    }
  };
}
function onVisible() {
  if (document.visibilityState === "visible") void pollWaiting();
}

/** Re-reads the count now (after this user approved or rejected one). */
export function refreshApprovalsWaiting(): void {
  if (listeners.size) void pollWaiting();
}

/** Requests waiting for this user's approval: the server's count at render, then polled. */
export function useApprovalsWaiting(initial: number, enabled: boolean): number {
  const live = useSyncExternalStore(
    enabled ? subscribe : noopSubscribe,
    () => waiting,
    () => null,
  );
  return live ?? initial;
}
const noopSubscribe = () => () => {};

/** A request as it is now: polled while it can still move on its own (a decision, a call in flight). */
export function useLiveRequest(initial: ControlRequestView): ControlRequestView {
  const [view, setView] = useState(initial);
  const [prevInitial, setPrevInitial] = useState(initial);
  if (prevInitial !== initial) {
    setPrevInitial(initial);
    setView(initial);
  }
  const moving = MOVING_STATES.includes(view.state);
  useEffect(() => {
    if (!moving) return;
    let stopped = false;
    const tick = async () => {
      if (document.visibilityState !== "visible") return;
      try {
        const res = await fetch(`/api/controls?request=${encodeURIComponent(view.id)}`, { cache: "no-store" });
        if (!res.ok || stopped) return;
        const body = (await res.json()) as { request?: ControlRequestView };
        if (body.request && !stopped)
          setView((v) =>
            v.state === body.request!.state && v.verification?.message === body.request!.verification?.message
              ? v
              : body.request!,
          );
      } catch {
        /* keep the last state; the next poll tries again */
      }
    };
    const id = setInterval(() => void tick(), REQUEST_EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(id);
    };
  }, [moving, view.id]);
  return view;
}
