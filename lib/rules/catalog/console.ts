import { z } from "zod";
import { BUILT_IN_KINDS, SYSTEM_KINDS, SYSTEM_ENTITY, type SystemKind } from "../../telemetry/model";
import { defineRule, inStartGrace } from "../define";
import type { AnyRule, Verdict } from "../types";
import { heldFor } from "../windows";
import { MIN, current, currentSeries, dur, ev, maxGapMs, num, okVerdict, points } from "./common";

// Rules about the telemetry itself and the liveness/readiness probes, for every kind.

/** The endpoints that carry a kind's data; when none of them is fresh the system is dark. */
export const PRIMARY_ENDPOINTS: Record<SystemKind, readonly string[]> = {
  "trading-bot": ["/internal/health", "/metrics"],
  "futures-bot": ["/status", "/logs"],
  "spot-exchange": ["/metrics"],
  // Generic exporters: their one endpoint, wherever its path is (the target's source aliases).
  prometheus: ["/metrics"],
  "http-json": ["/health"],
};

const telemetryDark = defineRule({
  id: "telemetry_dark",
  kinds: SYSTEM_KINDS,
  title: "Telemetry dark: exposure unknown",
  seed: "console",
  runbook: "telemetry-dark",
  ignoreFreshness: true,
  description:
    "A trading system whose data endpoints are all stale, failing or silent: every other finding of it is unknown, and so is its exposure. Pending (no finding) right after the console starts, until the first poll has had two intervals to answer. SEV2 at once (trading may be degraded with controls still active); SEV1 once dark for longer than `sev1AfterMinutes` (5, a console default) — the trading-bot incident runbook treats uncertain exposure as SEV-1.",
  params: z.object({ sev1AfterMinutes: num(5) }).strict(),
  check(ctx, target, p) {
    const primary = PRIMARY_ENDPOINTS[target.kind];
    const states = primary.map((path) => ({ path, f: ctx.freshness(target.name, path) }));
    let lastData: number | undefined;
    for (const s of ctx.history.allSeries(target.name)) {
      const t = s.points[s.points.length - 1]?.t;
      if (t !== undefined && (lastData === undefined || t > lastData)) lastData = t;
    }
    for (const r of ctx.history.reportsFor(target.name))
      if (lastData === undefined || r.observedAt > lastData) lastData = r.observedAt;
    const evidence = {
      values: [
        ...states.map((s) => ev(s.path, s.f)),
        ev(
          "last data (UTC)",
          lastData !== undefined ? new Date(lastData).toISOString().replace("T", " ").slice(0, 19) : null,
          lastData,
        ),
      ],
      thresholds: { sev1AfterMinutes: p.sev1AfterMinutes },
    };
    const whole = ctx.freshness(target.name);
    const dark = states.every((s) => s.f !== "ok");
    // Pending: the console has just started and no endpoint has had time to answer yet.
    if (dark && lastData === undefined && states.every((s) => s.f === "no_data") && inStartGrace(ctx, target))
      return [];
    if (!dark) {
      const out: Verdict[] = [okVerdict(SYSTEM_ENTITY, "Telemetry flowing", "SEV2", evidence)];
      const failing = states.filter((s) => s.f !== "ok");
      if (failing.length)
        out[0] = {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          summary: `Partial telemetry: ${failing.map((s) => `${s.path} ${s.f}`).join(", ")}`,
          evidence,
        };
      else if (whole !== "ok")
        out[0] = {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          summary: `Some endpoints are ${whole}; data endpoints are fresh`,
          evidence,
        };
      return out;
    }
    const since = lastData !== undefined ? lastData + maxGapMs(target) : ctx.now;
    const dueAt = since + p.sev1AfterMinutes * MIN;
    const desc = states.map((s) => `${s.path} ${s.f}`).join(", ");
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: ctx.now >= dueAt ? "SEV1" : "SEV2",
        since: Math.min(since, ctx.now),
        summary:
          lastData === undefined
            ? `No telemetry received (${desc}) — exposure unknown`
            : `No fresh telemetry for ${dur(ctx.now - lastData)} (${desc}) — exposure unknown`,
        evidence,
        escalationDueAt: dueAt,
        escalation: `Telemetry dark for more than ${p.sev1AfterMinutes} minutes: exposure uncertain`,
      },
    ];
  },
});

const PROBE_RUNBOOK = {
  "trading-bot": "auth-failures",
  "futures-bot": "kill-switch-recovery",
  "spot-exchange": "postgres-failover",
} as const;

const healthProbes = defineRule({
  id: "health_probes",
  kinds: BUILT_IN_KINDS,
  title: "/health/live or /health/ready not 200",
  seed: "002",
  runbook: "auth-failures",
  sources: {
    "trading-bot": ["/health/live", "/health/ready"],
    "futures-bot": ["/health/live"],
    "spot-exchange": ["/health/live", "/health/ready"],
  },
  description:
    "The trading-bot incident runbook's recovery check: /health/live and /health/ready must return 200. Live failing for longer than `forSeconds` (10, a console default) is critical; ready degraded that long is a warning naming the degraded checks. A probe that does not answer at all shows as telemetry-dark instead.",
  params: z.object({ forSeconds: num(10, { min: 0 }) }).strict(),
  check(ctx, target, p) {
    const out: Verdict[] = [];
    for (const path of ["/health/live", "/health/ready"] as const) {
      const cur = current(ctx, target, "http_status", SYSTEM_ENTITY, { path });
      if (!cur) continue;
      const run = heldFor(
        points(ctx, target, "http_status", SYSTEM_ENTITY, { path }),
        (v) => v !== 200,
        ctx.now,
        maxGapMs(target),
      );
      const degraded =
        path === "/health/ready"
          ? currentSeries(ctx, target, "ready.degraded.check").map((s) => s.labels.check ?? "?")
          : [];
      const evidence = {
        values: [ev(path, cur.v, cur.t), ...(degraded.length ? [ev("degraded", degraded.join(", "))] : [])],
        thresholds: { forSeconds: p.forSeconds },
      };
      let runbook: string = PROBE_RUNBOOK[target.kind as keyof typeof PROBE_RUNBOOK];
      if (target.kind === "spot-exchange" && degraded.includes("kafka") && !degraded.includes("postgres"))
        runbook = "kafka-outage";
      if (cur.v === 200 || run.durationMs <= p.forSeconds * 1000) {
        out.push({
          ...okVerdict(path, `${path} answers ${cur.v}`, path === "/health/live" ? "SEV2" : "SEV3", evidence),
          runbook,
        });
        continue;
      }
      const live = path === "/health/live";
      out.push({
        entity: path,
        state: live ? "critical" : "warning",
        severity: "SEV2",
        since: run.since!,
        runbook,
        summary: `${path} answers ${cur.v} for ${dur(run.durationMs)}${degraded.length ? ` (degraded: ${degraded.join(", ")})` : ""}`,
        evidence,
      });
    }
    return out;
  },
});

export const CONSOLE_RULES: AnyRule[] = [telemetryDark, healthProbes];
