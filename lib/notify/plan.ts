import type { Finding, Severity } from "../rules/types";
import type { RouteConfig, RouteMatch } from "./config";

// The pure core of paging: given the findings of this evaluation, what was already sent for each
// (its notify state), the routes, the acknowledgements and the silences, decide what to send now.
// No clock and no I/O: `now` comes in, so routing, repeat, escalation and silences are tested on a
// virtual clock.

export const NOTIFY_EVENTS = ["firing", "unknown", "repeat", "escalate", "acknowledge", "resolve"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export interface SilenceMatchers {
  system?: string[];
  entity?: string[];
  rule?: string[];
  severity?: Severity[];
}

export interface ActiveSilence {
  id: string;
  kind: "silence" | "maintenance";
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
  ticketId: string;
  createdByName: string;
}

/** What has been sent for one occurrence of a finding (stored per finding by the leader). */
export interface FindingNotifyState {
  findingId: string;
  /** Onset of the occurrence (first time it left ok). */
  onset: number;
  /** What the channels were last told: null while every send so far was muted (silenced). */
  announced: "firing" | "unknown" | null;
  severity: Severity;
  /** Channels told about this occurrence (so acknowledge and resolve reach the same ones). */
  channels: string[];
  lastSentAt: number;
  escalated: boolean;
  acknowledged: boolean;
  /** Notifications sent for this occurrence: part of each idempotency key. */
  sent: number;
  /** The finding as last seen, for the resolve message if it disappears. */
  last: Finding;
}

export interface PlannedNotification {
  findingId: string;
  event: NotifyEvent;
  channels: string[];
  finding: Finding;
  /** Stable for this occurrence and send: `finding|onset|n|event`. */
  key: string;
  /** Set when the event is an acknowledgement. */
  acknowledgedBy?: string;
}

export interface PlanInput {
  now: number;
  findings: Iterable<Finding>;
  previous: ReadonlyMap<string, FindingNotifyState>;
  routes: readonly RouteConfig[];
  /** Acknowledgements of the current occurrence, by finding id. */
  acks: ReadonlyMap<string, { by: string; at: number }>;
  silences: readonly ActiveSilence[];
  /**
   * A finding must have been Unknown this long before "we cannot see it" is sent, so a source
   * that misses one poll, or a console that has just started and not polled yet, pages no one.
   */
  unknownAfterMs?: number;
  /**
   * Whether findings missing from this evaluation are resolved. False just after taking the lead,
   * while the first polls have not yet reported every entity (they would be resolved and re-fired).
   */
  resolveMissing?: boolean;
}

export interface PlanOutput {
  /** The new state of every finding whose state changed; null = forget it (resolved). */
  changed: Map<string, FindingNotifyState | null>;
  notifications: PlannedNotification[];
}

function matchesList(list: readonly string[] | undefined, value: string): boolean {
  return !list || list.length === 0 || list.includes(value);
}

export function routeMatches(
  m: RouteMatch,
  f: Pick<Finding, "severity" | "system" | "kind" | "ruleId" | "entity">,
): boolean {
  return (
    matchesList(m.severity, f.severity) &&
    matchesList(m.system, f.system) &&
    matchesList(m.kind, f.kind) &&
    matchesList(m.rule, f.ruleId) &&
    matchesList(m.entity, f.entity)
  );
}

/** The routes a finding takes: the first match, and more after it while a match says `continue`. */
export function matchRoutes(routes: readonly RouteConfig[], f: Finding): RouteConfig[] {
  const out: RouteConfig[] = [];
  for (const r of routes) {
    if (!routeMatches(r.match, f)) continue;
    out.push(r);
    if (!r.continue) break;
  }
  return out;
}

export function silenceMatches(
  m: SilenceMatchers,
  f: Pick<Finding, "system" | "entity" | "ruleId" | "severity">,
): boolean {
  return (
    matchesList(m.system, f.system) &&
    matchesList(m.entity, f.entity) &&
    matchesList(m.rule, f.ruleId) &&
    matchesList(m.severity, f.severity)
  );
}

/** The silence (or maintenance window) muting a finding now, if any; the one ending last wins. */
export function silenceFor(silences: readonly ActiveSilence[], f: Finding, now: number): ActiveSilence | undefined {
  let best: ActiveSilence | undefined;
  for (const s of silences) {
    if (s.startsAt <= now && now < s.endsAt && silenceMatches(s.matchers, f) && (!best || s.endsAt > best.endsAt))
      best = s;
  }
  return best;
}

/** States that notify. Others than ok (a state a rule holds before it fires) change nothing here. */
const NOTIFYING: ReadonlySet<string> = new Set(["warning", "critical", "unknown"]);
const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

export function planNotifications(input: PlanInput): PlanOutput {
  const { now, previous, routes, acks, silences } = input;
  const changed = new Map<string, FindingNotifyState | null>();
  const notifications: PlannedNotification[] = [];
  const seen = new Set<string>();

  const send = (
    st: FindingNotifyState,
    event: NotifyEvent,
    channels: string[],
    f: Finding,
    extra: Partial<PlannedNotification> = {},
  ) => {
    if (channels.length === 0) return;
    st.sent += 1;
    notifications.push({
      findingId: f.id,
      event,
      channels,
      finding: f,
      key: `${f.id}|${st.onset}|${st.sent}|${event}`,
      ...extra,
    });
  };
  const resolve = (prev: FindingNotifyState, f: Finding) => {
    if (prev.announced) {
      const st = { ...prev };
      send(st, "resolve", prev.channels, f);
    }
    changed.set(prev.findingId, null);
  };

  for (const f of input.findings) {
    seen.add(f.id);
    const prev = previous.get(f.id);
    if (f.state === "ok") {
      if (prev) resolve(prev, f);
      continue;
    }
    if (!NOTIFYING.has(f.state)) continue;
    if (f.state === "unknown" && now - f.since < (input.unknownAfterMs ?? 0)) continue;
    const matched = matchRoutes(routes, f);
    const channels = union(
      [],
      matched.flatMap((r) => r.channels),
    );
    const desired = f.state === "unknown" ? "unknown" : "firing";
    const muted = silenceFor(silences, f, now) !== undefined;
    const ack = acks.get(f.id);
    const st: FindingNotifyState = prev
      ? { ...prev, last: f }
      : {
          findingId: f.id,
          onset: f.since,
          announced: null,
          severity: f.severity,
          channels: [],
          lastSentAt: 0,
          escalated: false,
          acknowledged: false,
          sent: 0,
          last: f,
        };
    const before = JSON.stringify({ ...st, last: undefined });

    if (!muted) {
      if (st.announced === null || st.announced !== desired || st.severity !== f.severity) {
        // A new occurrence, a change of severity, or a change between firing and unknown.
        const to = union(st.channels, channels);
        send(st, desired, to, f);
        if (to.length) {
          st.announced = desired;
          st.channels = to;
          st.severity = f.severity;
          st.lastSentAt = now;
        }
      } else if (!ack && !st.acknowledged) {
        const repeatMs = Math.min(...matched.filter((r) => r.repeatMinutes > 0).map((r) => r.repeatMinutes * 60_000));
        if (Number.isFinite(repeatMs) && now - st.lastSentAt >= repeatMs) {
          send(st, "repeat", st.channels, f);
          st.lastSentAt = now;
        }
      }
    }
    if (ack && !st.acknowledged) {
      st.acknowledged = true;
      // Only what was told needs to hear of the acknowledgement (PagerDuty stops paging).
      if (st.announced) send(st, "acknowledge", st.channels, f, { acknowledgedBy: ack.by });
    }
    if (!muted && !st.escalated && !st.acknowledged && f.severity === "SEV1") {
      for (const r of matched) {
        if (r.escalationChannels.length === 0) continue;
        const due =
          r.escalateAfterMinutes !== undefined
            ? st.onset + r.escalateAfterMinutes * 60_000 <= now
            : f.escalationDueAt !== undefined && f.escalationDueAt <= now;
        if (!due) continue;
        st.escalated = true;
        send(st, "escalate", r.escalationChannels, f);
        st.channels = union(st.channels, r.escalationChannels);
        if (!st.announced) st.announced = desired;
        break;
      }
    }
    // Nothing routed and nothing told: no state to keep.
    if (!prev && st.announced === null && channels.length === 0) continue;
    if (!prev || before !== JSON.stringify({ ...st, last: undefined })) changed.set(f.id, st);
  }
  // A finding no longer evaluated at all (its system left the config): resolve what was told.
  for (const [id, prev] of previous) {
    if (seen.has(id) || input.resolveMissing === false) continue;
    resolve(prev, {
      ...prev.last,
      state: "ok",
      summary: `No longer evaluated (was: ${prev.last.summary})`,
      lastEvaluated: now,
    });
  }
  return { changed, notifications };
}
