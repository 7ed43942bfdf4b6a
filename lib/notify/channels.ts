import { createHmac } from "node:crypto";
import type { Finding, Severity } from "../rules/types";
import type { ChannelConfig } from "./config";
import type { NotifyEvent } from "./plan";

// What each channel type receives. Rendering is pure (the body stored in the outbox holds no
// secret); sending adds the secrets (PagerDuty's routing key, the webhook signature, a URL named by
// env var) at the moment of the attempt.
//
// Contracts (from the services' public API documentation):
// - Slack-compatible incoming webhook: POST JSON with `text` (and optional `blocks`); 200 "ok".
// - PagerDuty Events API v2: POST /v2/enqueue {routing_key, event_action: trigger|acknowledge|
//   resolve, dedup_key (≤255 chars), payload {summary ≤1024, source, severity: critical|error|
//   warning|info, component, custom_details, timestamp}, links}; 202 on success.
// - Alertmanager: POST /api/v2/alerts with an array of {labels, annotations, startsAt, endsAt,
//   generatorURL}; an alert not re-posted before endsAt resolves on its own.
// - Generic webhook: our own JSON (docs: README "Generic webhook"), signed
//   `X-Watchfloor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

export interface RenderContext {
  now: number;
  consoleUrl: string;
  acknowledgedBy?: string;
  /** The idempotency key of this notification (sent as X-Watchfloor-Delivery by the webhook). */
  key: string;
  /** The open incident covering a finding, for the chat message's incident link. */
  incidentFor?: (f: Finding) => { id: string; title: string } | undefined;
}

export function incidentUrl(consoleUrl: string, id: string): string {
  return `${consoleUrl.replace(/\/$/, "")}/incidents/${encodeURIComponent(id)}`;
}

/** Text for Slack's mrkdwn: &, < and > are control characters there. */
export function mrkdwnEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function incidentLink(f: Finding, ctx: RenderContext): string {
  const inc = ctx.incidentFor?.(f);
  return inc ? ` · <${incidentUrl(ctx.consoleUrl, inc.id)}|Incident: ${mrkdwnEscape(inc.title)}>` : "";
}

export const PD_SEVERITY: Record<Severity, "critical" | "error" | "warning"> = {
  SEV1: "critical",
  SEV2: "error",
  SEV3: "warning",
};

export function findingUrl(consoleUrl: string, id: string): string {
  return `${consoleUrl.replace(/\/$/, "")}/findings/${encodeURIComponent(id)}`;
}

export function runbookUrl(consoleUrl: string, slug: string): string {
  return `${consoleUrl.replace(/\/$/, "")}/runbooks/${encodeURIComponent(slug)}`;
}

/** Age of the newest evidence value, in seconds (null when the evidence carries no times). */
export function dataAgeSeconds(f: Finding, now: number): number | null {
  const times = f.evidence.values.map((v) => v.at).filter((t): t is number => typeof t === "number");
  return times.length ? Math.max(0, Math.round((now - Math.max(...times)) / 1000)) : null;
}

function entityName(f: Finding): string {
  return f.entity === "*" ? f.system : `${f.system} / ${f.entity}`;
}

/** One line saying what happened, for chat and summaries. "We cannot see X" for unknown findings. */
export function headline(event: NotifyEvent, f: Finding, acknowledgedBy?: string): string {
  const where = entityName(f);
  switch (event) {
    case "firing":
      return `${f.severity} ${f.title} — ${where}: ${f.summary}`;
    case "unknown":
      return `${f.severity} We cannot see ${where}: ${f.title} is Unknown because its source is stale — ${f.summary}`;
    case "repeat":
      return `Still ${f.state === "unknown" ? "Unknown" : "firing"}, not acknowledged: ${f.severity} ${f.title} — ${where}`;
    case "escalate":
      return `Escalation: ${f.severity} ${f.title} — ${where} is not acknowledged${f.escalation ? ` (${f.escalation})` : ""}`;
    case "acknowledge":
      return `Acknowledged by ${acknowledgedBy ?? "a responder"}: ${f.severity} ${f.title} — ${where}`;
    case "resolve":
      return `Resolved: ${f.title} — ${where}`;
  }
}

export function renderSlack(event: NotifyEvent, f: Finding, ctx: RenderContext): { text: string; blocks: unknown[] } {
  const text = headline(event, f, ctx.acknowledgedBy);
  const age = dataAgeSeconds(f, ctx.now);
  const fields = [
    `*Severity:* ${f.severity}`,
    `*System:* ${f.system}`,
    `*Entity:* ${f.entity}`,
    `*State:* ${f.state}`,
    `*Data age:* ${age === null ? "unknown" : `${age} s`}`,
  ];
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${text}*` } },
      { type: "section", fields: fields.map((t) => ({ type: "mrkdwn", text: t })) },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `<${findingUrl(ctx.consoleUrl, f.id)}|Open the finding>${incidentLink(f, ctx)} · <${runbookUrl(ctx.consoleUrl, f.runbook)}|Runbook>`,
          },
        ],
      },
    ],
  };
}

export interface PagerDutyBody {
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    component: string;
    group: string;
    class: string;
    timestamp: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/** PagerDuty: trigger (also for repeat/escalate: the same dedup_key updates one alert), acknowledge, resolve. */
export function renderPagerDuty(event: NotifyEvent, f: Finding, ctx: RenderContext): PagerDutyBody {
  // dedup_key = the finding's stable id (PagerDuty keeps at most 255 characters).
  const dedup_key = f.id.slice(0, 255);
  if (event === "acknowledge") return { event_action: "acknowledge", dedup_key };
  if (event === "resolve") return { event_action: "resolve", dedup_key };
  return {
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: headline(event, f).slice(0, 1024),
      source: f.system,
      severity: PD_SEVERITY[f.severity],
      component: f.entity,
      group: f.kind,
      class: f.ruleId,
      timestamp: new Date(f.since).toISOString(),
      custom_details: {
        state: f.state,
        summary: f.summary,
        evidence: f.evidence.values.map((v) => ({
          label: v.label,
          value: v.value,
          ...(v.at ? { at: new Date(v.at).toISOString() } : {}),
        })),
        ...(f.evidence.thresholds ? { thresholds: f.evidence.thresholds } : {}),
        ...(f.escalation ? { escalation: f.escalation } : {}),
      },
    },
    links: [
      { href: findingUrl(ctx.consoleUrl, f.id), text: "Finding in Watchfloor" },
      { href: runbookUrl(ctx.consoleUrl, f.runbook), text: "Runbook" },
    ],
    client: "Watchfloor",
    client_url: ctx.consoleUrl,
  };
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** One Alertmanager alert for a finding; `endsAt` is now on resolve, else now + ttl. */
export function renderAlertmanagerAlert(
  f: Finding,
  resolved: boolean,
  ctx: Pick<RenderContext, "now" | "consoleUrl">,
  ttlSeconds: number,
): AlertmanagerAlert {
  return {
    labels: {
      alertname: f.ruleId,
      severity: f.severity,
      system: f.system,
      entity: f.entity,
      watchfloor_finding: f.id,
      ...(f.state === "unknown" ? { watchfloor_state: "unknown" } : {}),
    },
    annotations: {
      summary: f.state === "unknown" ? headline("unknown", f) : f.summary,
      runbook_url: runbookUrl(ctx.consoleUrl, f.runbook),
      console_url: findingUrl(ctx.consoleUrl, f.id),
    },
    startsAt: new Date(f.since).toISOString(),
    endsAt: new Date(resolved ? ctx.now : ctx.now + ttlSeconds * 1000).toISOString(),
    generatorURL: findingUrl(ctx.consoleUrl, f.id),
  };
}

export interface WebhookBody {
  version: 1;
  /** The idempotency key: the same for every retry of this notification. */
  id: string;
  event: NotifyEvent;
  sentAt: string;
  finding: {
    id: string;
    rule: string;
    system: string;
    kind: string;
    entity: string;
    state: string;
    severity: Severity;
    title: string;
    summary: string;
    since: string;
    dataAgeSeconds: number | null;
    evidence: { label: string; value: unknown; at?: string }[];
    url: string;
    runbookUrl: string;
  };
  acknowledgedBy?: string;
}

export function renderWebhook(event: NotifyEvent, f: Finding, ctx: RenderContext): WebhookBody {
  return {
    version: 1,
    id: ctx.key,
    event,
    sentAt: new Date(ctx.now).toISOString(),
    finding: {
      id: f.id,
      rule: f.ruleId,
      system: f.system,
      kind: f.kind,
      entity: f.entity,
      state: f.state,
      severity: f.severity,
      title: f.title,
      summary: f.summary,
      since: new Date(f.since).toISOString(),
      dataAgeSeconds: dataAgeSeconds(f, ctx.now),
      evidence: f.evidence.values.map((v) => ({
        label: v.label,
        value: v.value,
        ...(v.at ? { at: new Date(v.at).toISOString() } : {}),
      })),
      url: findingUrl(ctx.consoleUrl, f.id),
      runbookUrl: runbookUrl(ctx.consoleUrl, f.runbook),
    },
    ...(ctx.acknowledgedBy ? { acknowledgedBy: ctx.acknowledgedBy } : {}),
  };
}

/** The body to store for one notification to one channel (no secrets in it). */
export function renderFor(channel: ChannelConfig, event: NotifyEvent, f: Finding, ctx: RenderContext): unknown {
  switch (channel.type) {
    case "slack":
      return renderSlack(event, f, ctx);
    case "pagerduty":
      return renderPagerDuty(event, f, ctx);
    case "alertmanager":
      // Acknowledgement has no meaning in Alertmanager (silence there instead); repeats are its job.
      return [renderAlertmanagerAlert(f, event === "resolve", ctx, channel.alertTtlSeconds)];
    case "webhook":
      return renderWebhook(event, f, ctx);
  }
}

/** Which events a channel type takes. */
export function channelTakes(type: ChannelConfig["type"], event: NotifyEvent): boolean {
  if (type === "alertmanager") return event !== "acknowledge" && event !== "repeat" && event !== "escalate";
  return true;
}

// ── Signing (generic webhook) ─────────────────────────────────────────────────────────────────

export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does: checks the signature and that the timestamp is within `toleranceSeconds`
 * of its clock (a replayed old request fails). Returns null when valid, else the reason.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): string | null {
  if (!header) return "missing X-Watchfloor-Signature";
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return "malformed X-Watchfloor-Signature";
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return "timestamp outside the tolerance (replay?)";
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  if (expected.length !== parts.v1.length) return "signature mismatch";
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ parts.v1.charCodeAt(i);
  return diff === 0 ? null : "signature mismatch";
}

// ── Chat messages for a finding group (lib/notify/group.ts) ──────────────────────────────────

export interface GroupMemberView {
  finding: Finding;
  acknowledgedBy?: string;
}

/** Members listed one by one in a chat message; the rest are counted (Slack allows 50 blocks). */
export const GROUP_MEMBERS_LISTED = 20;
const NAMES_IN_TEXT = 10;

const memberName = (f: Finding) => (f.entity === "*" ? f.system : f.entity);

function namesList(members: readonly GroupMemberView[]): string {
  const names = members.slice(0, NAMES_IN_TEXT).map((m) => memberName(m.finding));
  const more = members.length - names.length;
  return `${names.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** One line for a message about several findings of one system and rule, naming each. */
export function groupHeadline(event: NotifyEvent, members: readonly GroupMemberView[]): string {
  if (members.length === 1) return headline(event, members[0]!.finding, members[0]!.acknowledgedBy);
  const f = members[0]!.finding;
  const sev = members.map((m) => m.finding.severity).sort()[0]!;
  const n = members.length;
  const names = namesList(members);
  switch (event) {
    case "firing":
      return `${sev} ${f.title} — ${f.system}: ${n} findings (${names})`;
    case "unknown":
      return `${sev} We cannot see ${f.system}: ${f.title} is Unknown for ${n} findings (${names}) because its source is stale`;
    case "repeat":
      return `Still firing, not acknowledged: ${sev} ${f.title} — ${f.system}: ${n} findings (${names})`;
    case "escalate":
      return `Escalation: ${sev} ${f.title} — ${f.system}: ${n} findings not acknowledged (${names})${f.escalation ? ` (${f.escalation})` : ""}`;
    case "acknowledge": {
      const by = [...new Set(members.map((m) => m.acknowledgedBy ?? "a responder"))];
      return `Acknowledged by ${by.join(", ")}: ${sev} ${f.title} — ${f.system}: ${n} findings (${names})`;
    }
    case "resolve":
      return `Resolved: ${f.title} — ${f.system}: ${n} findings (${names})`;
  }
}

/**
 * The Slack-compatible message for a finding group: a single finding reads exactly as before;
 * several get a headline naming them, the common fields, and one section per finding (entity,
 * severity, state, summary, data age, link), at most GROUP_MEMBERS_LISTED, the rest counted.
 */
export function renderSlackGroup(
  event: NotifyEvent,
  members: readonly GroupMemberView[],
  ctx: RenderContext,
): { text: string; blocks: unknown[] } {
  if (members.length === 1)
    return renderSlack(event, members[0]!.finding, { ...ctx, acknowledgedBy: members[0]!.acknowledgedBy });
  const text = groupHeadline(event, members);
  const f = members[0]!.finding;
  const sev = members.map((m) => m.finding.severity).sort()[0]!;
  const listed = members.slice(0, GROUP_MEMBERS_LISTED);
  const more = members.length - listed.length;
  const ackBy = new Set(members.map((m) => m.acknowledgedBy));
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${text}*` } },
      {
        type: "section",
        fields: [
          `*Severity:* ${sev}`,
          `*System:* ${f.system}`,
          `*Rule:* ${f.title}`,
          `*Findings:* ${members.length}`,
        ].map((t) => ({ type: "mrkdwn", text: t })),
      },
      ...listed.map((m) => {
        const age = dataAgeSeconds(m.finding, ctx.now);
        const by =
          event === "acknowledge" && ackBy.size > 1 && m.acknowledgedBy ? ` · acknowledged by ${m.acknowledgedBy}` : "";
        return {
          type: "section",
          text: {
            type: "mrkdwn",
            text: `*${memberName(m.finding)}* · ${m.finding.severity} · ${m.finding.state}${by}\n${mrkdwnEscape(m.finding.summary)}\nData age: ${age === null ? "unknown" : `${age} s`} · <${findingUrl(ctx.consoleUrl, m.finding.id)}|Open the finding>${incidentLink(m.finding, ctx)}`,
          },
        };
      }),
      ...(more > 0
        ? [
            {
              type: "context",
              elements: [
                {
                  type: "mrkdwn",
                  text: `…and ${more} more: <${ctx.consoleUrl.replace(/\/$/, "")}/?system=${encodeURIComponent(f.system)}|see them on the board>`,
                },
              ],
            },
          ]
        : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `<${runbookUrl(ctx.consoleUrl, f.runbook)}|Runbook>` }] },
    ],
  };
}
