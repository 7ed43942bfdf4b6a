import type { Finding } from "../rules/types";
import type { ChannelConfig, RouteConfig } from "./config";
import { matchRoutes, type NotifyEvent } from "./plan";

// Chat channels get one message per finding group, the way Alertmanager's group_by groups alerts:
// notifications for the same channel, system and rule, with the same event, that start within the
// group wait (or within one planning cycle when the wait is 0) become one message listing each
// finding. A group waits as a `held` outbox row until its wait is over, so a new leader finds it
// and sends it once. Pure: `now` comes in, so it is tested on a virtual clock.
//
// The order per finding is kept: a finding is in at most one waiting group per channel. When it
// has something new to say on that channel (acknowledged, escalated, …), the group it waits in is
// sent first, and the new event joins or opens a later group. A finding that clears while its
// onset is still waiting was never told: it leaves the group and no "resolved" is sent for it.

export interface ChatMember {
  finding: Finding;
  acknowledgedBy?: string;
}

export interface ChatGroup {
  /** The idempotency key: the channel and the first member's notification key (stable across leaders). */
  dedupKey: string;
  channel: string;
  event: NotifyEvent;
  system: string;
  rule: string;
  openedAt: number;
  /** When the group wait is over and the message is sent. */
  dueAt: number;
  members: ChatMember[];
}

/** One finding's notification to one chat channel, from the plan. */
export interface ChatItem {
  channel: string;
  event: NotifyEvent;
  finding: Finding;
  /** The plan's per-finding key (`finding|onset|n|event`). */
  key: string;
  acknowledgedBy?: string;
  /** The group wait for a group this item opens. */
  waitMs: number;
}

export interface GroupInput {
  now: number;
  /** Groups still waiting (held rows), oldest first. */
  held: readonly ChatGroup[];
  items: readonly ChatItem[];
}

export interface GroupOutput {
  /** Messages to send now, in this order (a flushed held row is sent after those before it). */
  send: ChatGroup[];
  /** Groups still waiting after this cycle. */
  held: ChatGroup[];
  /** Dedup keys of waiting groups created or changed in this cycle (to store). */
  changed: Set<string>;
  /** Dedup keys of waiting groups left empty (to delete: nothing is sent for them). */
  dropped: string[];
}

const ONSET: ReadonlySet<NotifyEvent> = new Set(["firing", "unknown"]);

export function groupChatNotifications(input: GroupInput): GroupOutput {
  const { now } = input;
  const open: ChatGroup[] = input.held.map((g) => ({ ...g, members: [...g.members] }));
  const send: ChatGroup[] = [];
  const changed = new Set<string>();
  const dropped: string[] = [];
  const remove = (g: ChatGroup) => open.splice(open.indexOf(g), 1);
  const flush = (g: ChatGroup) => {
    remove(g);
    changed.delete(g.dedupKey);
    send.push(g);
  };

  for (const it of input.items) {
    const f = it.finding;
    const mine = open.filter((g) => g.channel === it.channel && g.members.some((m) => m.finding.id === f.id));
    const same = mine.find((g) => g.event === it.event);
    if (same) {
      // Already waiting to say this (a new severity or summary meanwhile): say the latest.
      same.members = same.members.map((m) =>
        m.finding.id === f.id ? { finding: f, acknowledgedBy: it.acknowledgedBy ?? m.acknowledgedBy } : m,
      );
      changed.add(same.dedupKey);
      continue;
    }
    if (it.event === "resolve" && mine.some((g) => ONSET.has(g.event))) {
      // Cleared before the channel heard of it: nothing to tell.
      for (const g of mine) {
        g.members = g.members.filter((m) => m.finding.id !== f.id);
        if (g.members.length === 0) {
          remove(g);
          changed.delete(g.dedupKey);
          dropped.push(g.dedupKey);
        } else changed.add(g.dedupKey);
      }
      continue;
    }
    for (const g of mine) flush(g);
    let g = open.find(
      (x) => x.channel === it.channel && x.event === it.event && x.system === f.system && x.rule === f.ruleId,
    );
    if (!g) {
      g = {
        dedupKey: `${it.channel}|${it.key}`,
        channel: it.channel,
        event: it.event,
        system: f.system,
        rule: f.ruleId,
        openedAt: now,
        dueAt: now + it.waitMs,
        members: [],
      };
      open.push(g);
    }
    g.members.push({ finding: f, ...(it.acknowledgedBy ? { acknowledgedBy: it.acknowledgedBy } : {}) });
    changed.add(g.dedupKey);
  }
  for (const g of [...open].sort((a, b) => a.openedAt - b.openedAt)) if (g.dueAt <= now) flush(g);
  return { send, held: open, changed, dropped };
}

/**
 * The group wait for a finding on a chat channel: the first matching route that takes the channel
 * (as a channel or an escalation channel) and sets `groupWaitSeconds`, else the channel's own.
 */
export function groupWaitMs(
  routes: readonly RouteConfig[],
  channel: Extract<ChannelConfig, { type: "slack" }>,
  f: Finding,
): number {
  for (const r of matchRoutes(routes, f)) {
    if (
      r.groupWaitSeconds !== undefined &&
      (r.channels.includes(channel.name) || r.escalationChannels.includes(channel.name))
    )
      return r.groupWaitSeconds * 1000;
  }
  return channel.groupWaitSeconds * 1000;
}
