import type { WatchdogView as Watchdog } from "@/lib/panels/profiles";
import { Countdown } from "../charts/countdown";
import { utcDateTime } from "@/lib/core/time";
import { Badge } from "../ui/badge";

function ms(v: number): string {
  return v % 60_000 === 0 ? `${v / 60_000} min` : `${v / 1000} s`;
}

/**
 * The integrity watchdog and its auto-resume gates (reconciliation divergence runbook): paused since, the minimum pause,
 * the clean-cycle streak and the cooldown since the last auto-resume, each as a countdown.
 */
export function WatchdogPanel({ w, now }: { w: Watchdog; now: number }) {
  if (w.paused === null && w.triggered === null)
    return (
      <p className="text-sm text-unknown" data-watchdog="unknown">
        ? The bot has not reported its watchdog state.
      </p>
    );
  const streak = w.cleanCycleStreak ?? 0;
  return (
    <div className="space-y-3 text-sm" data-watchdog={w.paused ? "paused" : "running"}>
      <div className="flex flex-wrap items-center gap-2">
        {w.triggered ? (
          <Badge tone="sev1">
            <span aria-hidden="true">▲</span> integrity watchdog TRIGGERED
          </Badge>
        ) : (
          <Badge tone="ok">
            <span aria-hidden="true">✓</span> watchdog not triggered
          </Badge>
        )}
        {w.paused ? (
          <Badge tone="sev1">
            <span aria-hidden="true">‖</span> trading PAUSED
          </Badge>
        ) : (
          <Badge tone="ok">trading not paused</Badge>
        )}
        {w.paused && w.sourceParity !== null ? (
          <Badge>{w.sourceParity ? "source: parity watchdog" : "source: not the parity watchdog"}</Badge>
        ) : null}
      </div>
      {w.paused ? (
        <dl className="grid gap-2 sm:grid-cols-2">
          <div>
            <dt className="text-xs text-muted">Paused since</dt>
            <dd className="font-mono">{w.since !== null ? utcDateTime(w.since) : "unknown"}</dd>
          </div>
          <div>
            <dt className="text-xs text-muted">Auto-resume</dt>
            <dd>
              {w.autoResumeEnabled ? (
                w.sourceParity === false ? (
                  "not applicable (pause source is not the parity watchdog)"
                ) : (
                  "enabled"
                )
              ) : (
                <span className="font-semibold text-sev2">disabled — resume by hand</span>
              )}
            </dd>
          </div>
          <div data-gate="min-pause">
            <dt className="text-xs text-muted">Minimum pause ({ms(w.minPauseMs)})</dt>
            <dd>
              {w.minPauseEndsAt !== null ? (
                <Countdown at={w.minPauseEndsAt} now={now} label="ends" due="elapsed" />
              ) : (
                "unknown"
              )}
            </dd>
          </div>
          <div data-gate="clean-cycles">
            <dt className="text-xs text-muted">Clean reconciliation cycles</dt>
            <dd>
              <span className="font-mono" data-clean-streak={streak}>
                {streak} of {w.cleanCycles}
              </span>
              <progress
                className="ml-2 align-middle"
                max={w.cleanCycles}
                value={Math.min(streak, w.cleanCycles)}
                aria-label={`Clean cycles: ${streak} of ${w.cleanCycles}`}
              />
            </dd>
          </div>
          <div data-gate="cooldown">
            <dt className="text-xs text-muted">Cooldown since the last auto-resume ({ms(w.cooldownMs)})</dt>
            <dd>
              {w.cooldownEndsAt !== null && w.cooldownEndsAt > now ? (
                <Countdown at={w.cooldownEndsAt} now={now} label="ends" due="over" />
              ) : w.lastResumeAt !== null ? (
                "over"
              ) : (
                "no earlier auto-resume"
              )}
            </dd>
          </div>
        </dl>
      ) : w.lastResumeAt !== null ? (
        <p className="text-muted">
          Last auto-resume {utcDateTime(w.lastResumeAt)}
          {w.cooldownEndsAt !== null && w.cooldownEndsAt > now ? (
            <>
              ; cooldown <Countdown at={w.cooldownEndsAt} now={now} label="ends" due="over" />
            </>
          ) : null}
          .
        </p>
      ) : null}
    </div>
  );
}
