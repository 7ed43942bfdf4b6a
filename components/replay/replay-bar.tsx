"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { utcDateTime } from "@/lib/core/time";

// The replay's controls: which moment is shown, in words that cannot be read as live; step to the
// previous or next finding transition; a scrubber over the range given; a UTC time to jump to.

const isoOf = (t: number) => new Date(t).toISOString();

export function ReplayBar({
  at,
  prev,
  next,
  from,
  to,
  liveHref = "/",
}: {
  at: number;
  prev?: number | undefined;
  next?: number | undefined;
  /** The scrubber's range (epoch ms). */
  from: number;
  to: number;
  liveHref?: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [scrub, setScrub] = useState(at);
  const [typed, setTyped] = useState(isoOf(at).slice(0, 19) + "Z");
  const [error, setError] = useState<string | null>(null);
  const hrefAt = (t: number) => {
    const q = new URLSearchParams(params.toString());
    q.set("at", isoOf(t));
    return `${pathname}?${q}`;
  };
  const go = (t: number) => router.push(hrefAt(t), { scroll: false });
  const step = Math.max(1000, Math.round((to - from) / 500 / 1000) * 1000);

  return (
    <section
      aria-label="Replay"
      className="mb-4 rounded-lg border-2 border-sev2 bg-surface p-3"
      data-replay-at={isoOf(at)}
    >
      <p role="status" className="font-semibold text-sev2">
        Replay — not live. The board as it was at {utcDateTime(at)}.
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        {prev !== undefined ? (
          <Link
            href={hrefAt(prev)}
            scroll={false}
            className="min-h-10 content-center rounded-md border border-line px-3 text-sm"
            title={`Previous change, ${utcDateTime(prev)}`}
          >
            ◀ Previous change
          </Link>
        ) : (
          <span className="min-h-10 content-center px-3 text-sm text-muted">No earlier change kept</span>
        )}
        {next !== undefined ? (
          <Link
            href={hrefAt(next)}
            scroll={false}
            className="min-h-10 content-center rounded-md border border-line px-3 text-sm"
            title={`Next change, ${utcDateTime(next)}`}
          >
            Next change ▶
          </Link>
        ) : (
          <span className="min-h-10 content-center px-3 text-sm text-muted">No later change</span>
        )}
        <Link href={liveHref} className="min-h-10 content-center rounded-md px-3 text-sm text-accent underline">
          Back to live
        </Link>
      </div>
      <div className="mt-2">
        <label htmlFor="replay-scrub" className="block text-xs text-muted">
          Moment: {utcDateTime(scrub)}
        </label>
        <input
          id="replay-scrub"
          type="range"
          className="w-full"
          min={from}
          max={to}
          step={step}
          value={Math.min(to, Math.max(from, scrub))}
          onChange={(e) => setScrub(Number(e.target.value))}
          onPointerUp={() => scrub !== at && go(scrub)}
          onKeyUp={(e) => {
            if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(e.key) && scrub !== at)
              go(scrub);
          }}
        />
        <div className="flex justify-between text-xs text-muted">
          <span>{utcDateTime(from)}</span>
          <span>{utcDateTime(to)}</span>
        </div>
      </div>
      <form
        className="mt-2 flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const t = Date.parse(typed);
          if (!/(Z|[+-]\d{2}:?\d{2})$/.test(typed.trim()) || !Number.isFinite(t)) {
            setError("Not a time with its zone: write it like 2026-12-05T03:12:00Z");
            return;
          }
          setError(null);
          go(t);
        }}
      >
        <div>
          <label htmlFor="replay-time" className="block text-xs text-muted">
            Go to a time (UTC, ISO 8601)
          </label>
          <input
            id="replay-time"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "replay-time-error" : undefined}
            className="min-h-10 rounded-md border border-line bg-bg px-2 font-mono text-sm"
          />
        </div>
        <button type="submit" className="min-h-10 rounded-md border border-line px-3 text-sm">
          Show
        </button>
        {error ? (
          <p id="replay-time-error" role="alert" className="w-full text-sm text-sev1">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
