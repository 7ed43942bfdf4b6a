import { and, asc, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { findingAcks, notifyOutbox, notifyState, silences as silencesTable } from "../db/schema";
import type { Finding } from "../rules/types";
import type { ChannelConfig, NotifyConfig } from "./config";
import {
  channelTakes,
  groupHeadline,
  headline,
  renderAlertmanagerAlert,
  renderFor,
  renderSlackGroup,
} from "./channels";
import { incidentFor, listOpenIncidentScopes, type OpenIncidentScope } from "../board/incident-scope";
import { groupChatNotifications, groupWaitMs, type ChatGroup, type ChatItem, type ChatMember } from "./group";
import { enqueue, failOrphans, OutboxSender, type OutboxInsert, type SenderOptions } from "./outbox";
import { planNotifications, type ActiveSilence, type FindingNotifyState, type SilenceMatchers } from "./plan";

// The paging service of the collector leader: after every board evaluation it plans what to send
// (lib/notify/plan.ts), stores the new notify state and the outbox rows in one transaction, and
// lets the sender deliver them. Followers run none of this, so nothing is sent twice.

export interface NotifierOptions {
  db: Db;
  config: NotifyConfig;
  secret: (name: string) => string | undefined;
  instanceId: string;
  now?: () => number;
  sender?: Partial<Pick<SenderOptions, "baseMs" | "capMs" | "maxAttempts" | "timeoutMs" | "pollMs" | "random">>;
  /** How often silences and acknowledgements are re-read (default 5 s; an ack event re-reads at once). */
  refreshMs?: number;
  /** Unknown this long before it notifies (default 10 s). */
  unknownAfterMs?: number;
  /** After taking the lead, findings missing from evaluations are resolved only after this (default 60 s). */
  settleMs?: number;
  /**
   * Nothing is planned this long after taking the lead (default 15 s): until the first polls
   * answer, every system looks dark, and a restart must not page for that.
   */
  quietAfterLeadMs?: number;
}

export class Notifier {
  private states = new Map<string, FindingNotifyState>();
  /** Chat group messages waiting for their group wait (held outbox rows), oldest first. */
  private held: ChatGroup[] = [];
  private silences: ActiveSilence[] = [];
  /** Open incidents, for the incident link in chat messages (re-read with the silences). */
  private incidents: OpenIncidentScope[] = [];
  private acks = new Map<string, { by: string; at: number; onset: number }>();
  private loadedAt = -Infinity;
  private dirty = true;
  private loaded = false;
  private chain: Promise<void> = Promise.resolve();
  private next: Finding[] | null = null;
  private refreshTimer?: NodeJS.Timeout;
  /** Wakes the planner when the first held chat message is due, should no evaluation come first. */
  private heldTimer?: NodeJS.Timeout;
  private lastFindings: Finding[] = [];
  private stopped = false;
  private lastRefreshBucket = new Map<string, number>();
  readonly sender: OutboxSender;
  private readonly now: () => number;
  private readonly channels: Map<string, ChannelConfig>;
  private startedAt = 0;

  constructor(private readonly o: NotifierOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.channels = new Map(o.config.channels.map((c) => [c.name, c]));
    this.sender = new OutboxSender({
      db: o.db,
      channels: o.config.channels,
      secret: o.secret,
      instanceId: o.instanceId,
      now: this.now,
      ...o.sender,
    });
  }

  get consoleUrl(): string {
    return this.o.config.consoleUrl ?? "http://localhost:3000";
  }

  start() {
    this.startedAt = this.now();
    void failOrphans(this.o.db, [...this.channels.keys()]).catch(() => {});
    this.sender.start();
  }

  async stop() {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.heldTimer) clearTimeout(this.heldTimer);
    await this.chain.catch(() => {});
    await this.sender.stop();
  }

  /** An acknowledgement or a silence changed: re-read them before the next plan. */
  invalidate() {
    this.dirty = true;
  }

  /**
   * Called after every board evaluation with the whole current finding set. One plan runs at a
   * time; evaluations that arrive meanwhile collapse into the latest (each carries the whole set).
   */
  onEvaluation(findings: Iterable<Finding>): Promise<void> {
    const waiting = this.next !== null;
    this.next = [...findings];
    if (waiting) return this.chain;
    this.chain = this.chain
      .then(() => {
        const list = this.next ?? [];
        this.next = null;
        return this.cycle(list);
      })
      .catch((err) => console.error("[notify] planning failed:", (err as Error).message));
    return this.chain;
  }

  private async load() {
    const db = this.o.db;
    if (!this.loaded) {
      const rows = await db.select().from(notifyState);
      this.states = new Map(rows.map((r) => [r.findingId, r.state as FindingNotifyState]));
      const held = await db
        .select()
        .from(notifyOutbox)
        .where(eq(notifyOutbox.status, "held"))
        .orderBy(asc(notifyOutbox.id));
      this.held = held
        // (Rows of a channel no longer configured were failed at start: failOrphans.)
        .filter(
          (r) => this.channels.has(r.channel) && Array.isArray(r.members) && (r.members as ChatMember[]).length > 0,
        )
        .map((r) => {
          const members = r.members as ChatMember[];
          return {
            dedupKey: r.dedupKey,
            channel: r.channel,
            event: r.event as ChatGroup["event"],
            system: members[0]!.finding.system,
            rule: members[0]!.finding.ruleId,
            openedAt: r.createdAt.getTime(),
            dueAt: r.nextAttemptAt.getTime(),
            members,
          };
        });
      this.loaded = true;
    }
    const now = this.now();
    if (!this.dirty && now - this.loadedAt < (this.o.refreshMs ?? 5000)) return;
    this.dirty = false;
    this.loadedAt = now;
    const rows = await db
      .select()
      .from(silencesTable)
      .where(and(isNull(silencesTable.endedAt), gt(silencesTable.endsAt, new Date(now))));
    this.incidents = await listOpenIncidentScopes(db);
    this.silences = rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      matchers: r.matchers as SilenceMatchers,
      startsAt: r.startsAt.getTime(),
      endsAt: r.endsAt.getTime(),
      ticketId: r.ticketId,
      createdByName: r.createdByName,
    }));
    const ids = [...this.states.keys()];
    this.acks.clear();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const a of await db
        .select()
        .from(findingAcks)
        .where(inArray(findingAcks.findingId, chunk))
        .orderBy(findingAcks.at)) {
        this.acks.set(a.findingId, { by: a.userName, at: a.at.getTime(), onset: a.onset.getTime() });
      }
    }
  }

  private async cycle(findings: Finding[]) {
    this.lastFindings = findings;
    const now = this.now();
    if (now - this.startedAt < (this.o.quietAfterLeadMs ?? 15_000)) return;
    await this.load();
    // An acknowledgement counts for the occurrence it was given in (an ack of an earlier one does not).
    const acks = new Map<string, { by: string; at: number }>();
    for (const [id, a] of this.acks) {
      const st = this.states.get(id);
      // (Its onset can be earlier than the one first told when the rule later dates the state back.)
      if (st && (a.onset >= st.onset || a.at >= st.onset)) acks.set(id, a);
    }
    const plan = planNotifications({
      now,
      findings,
      previous: this.states,
      routes: this.o.config.routes,
      acks,
      silences: this.silences,
      unknownAfterMs: this.o.unknownAfterMs ?? 10_000,
      resolveMissing: now - this.startedAt >= (this.o.settleMs ?? 60_000),
    });
    const rows: OutboxInsert[] = [];
    const chat: ChatItem[] = [];
    for (const n of plan.notifications) {
      for (const name of n.channels) {
        const ch = this.channels.get(name);
        if (!ch || !channelTakes(ch.type, n.event)) continue;
        if (ch.type === "slack") {
          // Chat: one message per finding group (lib/notify/group.ts).
          chat.push({
            channel: name,
            event: n.event,
            finding: n.finding,
            key: n.key,
            acknowledgedBy: n.acknowledgedBy,
            waitMs: groupWaitMs(this.o.config.routes, ch, n.finding),
          });
          continue;
        }
        rows.push({
          dedupKey: `${name}|${n.key}`,
          channel: name,
          channelType: ch.type,
          findingId: n.findingId,
          event: n.event,
          summary: headline(n.event, n.finding, n.acknowledgedBy),
          payload: renderFor(ch, n.event, n.finding, {
            now,
            consoleUrl: this.consoleUrl,
            acknowledgedBy: n.acknowledgedBy,
            key: `${name}|${n.key}`,
          }),
        });
      }
    }
    const grouped = groupChatNotifications({ now, held: this.held, items: chat });
    const wasHeld = new Set(this.held.map((g) => g.dedupKey));
    const chatRow = (g: ChatGroup): OutboxInsert => ({
      dedupKey: g.dedupKey,
      channel: g.channel,
      channelType: "slack",
      findingId: g.members.length === 1 ? g.members[0]!.finding.id : null,
      findingIds: g.members.map((m) => m.finding.id),
      members: g.members,
      event: g.event,
      summary: groupHeadline(g.event, g.members),
      payload: renderSlackGroup(g.event, g.members, {
        now,
        consoleUrl: this.consoleUrl,
        key: g.dedupKey,
        incidentFor: (f) => incidentFor(f, this.incidents),
      }),
      createdAt: g.openedAt,
    });
    rows.push(...grouped.send.map(chatRow));
    const heldNow = grouped.held.filter((g) => grouped.changed.has(g.dedupKey));
    // Sent now or left empty: the waiting row goes (a sent one is queued again as pending, after
    // the rows before it, so the order per finding holds).
    const unheld = [...grouped.send.map((g) => g.dedupKey), ...grouped.dropped].filter((k) => wasHeld.has(k));
    rows.push(...this.alertmanagerRefresh(now, plan.changed));
    if (plan.changed.size === 0 && rows.length === 0 && heldNow.length === 0 && unheld.length === 0) {
      if (!this.heldTimer) this.wakeForHeld(); // held rows a previous leader left
      return;
    }
    const at = new Date(now);
    await this.o.db.transaction(async (tx) => {
      for (const [id, st] of plan.changed) {
        if (st === null) await tx.delete(notifyState).where(eq(notifyState.findingId, id));
        else
          await tx
            .insert(notifyState)
            .values({ findingId: id, state: st as unknown as object, updatedAt: at })
            .onConflictDoUpdate({
              target: notifyState.findingId,
              set: { state: st as unknown as object, updatedAt: at },
            });
      }
      if (unheld.length)
        await tx
          .delete(notifyOutbox)
          .where(and(eq(notifyOutbox.status, "held"), inArray(notifyOutbox.dedupKey, unheld)));
      for (const g of heldNow) {
        const r = chatRow(g);
        const values = {
          findingId: r.findingId,
          findingIds: r.findingIds!,
          members: r.members as object,
          summary: r.summary,
          payload: r.payload as object,
        };
        await tx
          .insert(notifyOutbox)
          .values({
            ...values,
            dedupKey: r.dedupKey,
            channel: r.channel,
            channelType: r.channelType,
            event: r.event,
            status: "held",
            nextAttemptAt: new Date(g.dueAt),
            createdAt: new Date(g.openedAt),
          })
          .onConflictDoUpdate({
            target: notifyOutbox.dedupKey,
            set: values,
            setWhere: eq(notifyOutbox.status, "held"),
          });
      }
      await enqueue(tx, rows, now);
    });
    this.held = grouped.held;
    this.wakeForHeld();
    for (const [id, st] of plan.changed) {
      if (st === null) this.states.delete(id);
      else this.states.set(id, st);
    }
    if (rows.length) this.sender.pump();
  }

  /** Evaluations come every poll; this timer only makes sure a held message is not kept past its wait. */
  private wakeForHeld() {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    if (this.stopped || this.held.length === 0) return;
    const due = Math.min(...this.held.map((g) => g.dueAt));
    this.heldTimer = setTimeout(
      () => {
        this.heldTimer = undefined;
        void this.onEvaluation(this.lastFindings);
      },
      Math.max(0, due - this.now()) + 20,
    );
    this.heldTimer.unref?.();
  }

  /**
   * Alertmanager forgets an alert at its endsAt: every third of the alert's lifetime, re-post all
   * firing findings told to that channel in one request.
   */
  private alertmanagerRefresh(now: number, changed: ReadonlyMap<string, FindingNotifyState | null>): OutboxInsert[] {
    const out: OutboxInsert[] = [];
    for (const ch of this.channels.values()) {
      if (ch.type !== "alertmanager") continue;
      const period = Math.max(10_000, Math.floor((ch.alertTtlSeconds * 1000) / 3));
      const bucket = Math.floor(now / period);
      if (this.lastRefreshBucket.get(ch.name) === bucket) continue;
      const first = !this.lastRefreshBucket.has(ch.name);
      this.lastRefreshBucket.set(ch.name, bucket);
      if (first) continue; // the first cycle after taking the lead: the next bucket re-posts
      const alerts = [];
      for (const [id, st] of this.states) {
        if (changed.get(id) === null) continue;
        if (st.announced && st.channels.includes(ch.name))
          alerts.push(
            renderAlertmanagerAlert(st.last, false, { now, consoleUrl: this.consoleUrl }, ch.alertTtlSeconds),
          );
      }
      if (alerts.length)
        out.push({
          dedupKey: `${ch.name}|refresh|${bucket}`,
          channel: ch.name,
          channelType: ch.type,
          findingId: null,
          event: "refresh",
          summary: `Re-posted ${alerts.length} firing alert${alerts.length === 1 ? "" : "s"} before they expire`,
          payload: alerts,
        });
    }
    return out;
  }

  /** Currently active silences as the notifier sees them (for the board mark on the leader). */
  activeSilences(): readonly ActiveSilence[] {
    return this.silences;
  }
}
