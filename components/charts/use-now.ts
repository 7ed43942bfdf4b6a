"use client";

import { useEffect, useState } from "react";

/**
 * The current time, ticking. Starts from the server's `initial` so the first client render
 * matches the server's HTML, then follows the clock.
 */
export function useNow(initial: number, ms = 1000): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const id = setInterval(tick, ms);
    return () => {
      clearTimeout(first);
      clearInterval(id);
    };
  }, [ms]);
  return now;
}
