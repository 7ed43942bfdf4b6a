import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { notifyAttempts, notifyOutbox, type NotifyOutboxRow } from "../db/schema";
import type { ChannelConfig } from "./config";
import { backoffMs, deliver, type AttemptResult } from "./deliver";

// The durable outbox and its sender. Rows are written in the same transaction as the notify state
// that caused them, so a crash loses nothing and a restart re-sends nothing already enqueued. The
// sender runs on the collector leader only: each channel sends its own rows oldest first (in order
// per finding), one at a time, so a channel that is down or slow holds back only itself.

export interface OutboxInsert {
  dedupKey: string;
  channel: string;
  channelType: string;
  findingId: string | null;
  /** Every finding it is about (a chat group message: each member); default: findingId alone. */
  findingIds?: string[];
  /** A chat group message's members, as sent. */
  members?: unknown;
  /** When it was first queued, if earlier than now (a group message that waited its group wait). */
  createdAt?: number;
  event: string;
  summary: string;
  payload: unknown;
}

export async function enqueue(db: Pick<Db, "insert">, rows: OutboxInsert[], now: number): Promise<number> {
  if (rows.length === 0) return 0;
  const at = new Date(now);
  const inserted = await db
    .insert(notifyOutbox)
    .values(
      rows.map((r) => ({
        ...r,
        findingIds: r.findingIds ?? (r.findingId ? [r.findingId] : []),
        members: (r.members ?? null) as object | null,
        payload: r.payload as object,
        nextAttemptAt: at,
        createdAt: r.createdAt !== undefined ? new Date(r.createdAt) : at,
      })),
    )
    .onConflictDoNothing({ target: notifyOutbox.dedupKey })
    .returning({ id: notifyOutbox.id });
  return inserted.length;
}

export interface SenderOptions {
  db: Db;
  channels: readonly ChannelConfig[];
  secret: (name: string) => string | undefined;
  instanceId: string;
  now?: () => number;
  /** First retry delay; doubles per attempt up to capMs (default 1 s and 5 min). */
  baseMs?: number;
  capMs?: number;
  /** After this many attempts a row that still fails is marked failed (default 30). */
  maxAttempts?: number;
  timeoutMs?: number;
  /** How often idle channels look for due rows (default 500 ms). */
  pollMs?: number;
  random?: () => number;
  onDelivered?: (row: NotifyOutboxRow, result: AttemptResult) => void;
}

export class OutboxSender {
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly o: SenderOptions) {
    this.now = o.now ?? Date.now;
  }

  start() {
    this.running = true;
    const loop = () => {
      this.pump();
      if (this.running) {
        this.timer = setTimeout(loop, this.o.pollMs ?? 500);
        this.timer.unref?.();
      }
    };
    loop();
  }

  async stop() {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inflight]);
  }

  /** Looks for due rows on every idle channel now (after an enqueue, or on the poll). */
  pump() {
    if (!this.running) return;
    for (const ch of this.o.channels) {
      if (this.busy.has(ch.name)) continue;
      this.busy.add(ch.name);
      const p = this.drain(ch)
        .catch((err) => console.error(`[notify] channel ${ch.name}: ${(err as Error).message}`))
        .finally(() => {
          this.busy.delete(ch.name);
          this.inflight.delete(p);
        });
      this.inflight.add(p);
    }
  }

  /** Sends this channel's due rows oldest first, stopping at the first one that must wait. */
  private async drain(ch: ChannelConfig) {
    while (this.running) {
      const [row] = await this.o.db
        .select()
        .from(notifyOutbox)
        .where(and(eq(notifyOutbox.status, "pending"), eq(notifyOutbox.channel, ch.name)))
        .orderBy(asc(notifyOutbox.id))
        .limit(1);
      if (!row || row.nextAttemptAt.getTime() > this.now()) return;
      await this.attempt(ch, row);
    }
  }

  private async attempt(ch: ChannelConfig, row: NotifyOutboxRow) {
    const at = this.now();
    const result = await deliver(ch, row.payload, row.dedupKey, {
      secret: this.o.secret,
      timeoutMs: this.o.timeoutMs,
      now: this.now,
    });
    const attempts = row.attempts + 1;
    let outcome = result.outcome;
    let response = result.response;
    if (outcome === "retry" && attempts >= (this.o.maxAttempts ?? 30)) {
      outcome = "failed";
      response = `gave up after ${attempts} attempts; last answer: ${response}`;
    }
    const next =
      outcome === "retry"
        ? at +
          backoffMs(attempts, {
            baseMs: this.o.baseMs ?? 1000,
            capMs: this.o.capMs ?? 5 * 60_000,
            retryAfterMs: result.retryAfterMs,
            random: this.o.random,
          })
        : at;
    await this.o.db.transaction(async (tx) => {
      await tx.insert(notifyAttempts).values({
        outboxId: row.id,
        at: new Date(at),
        durationMs: result.durationMs,
        httpStatus: result.httpStatus,
        outcome,
        response,
        instance: this.o.instanceId,
      });
      await tx
        .update(notifyOutbox)
        .set({
          attempts,
          status: outcome === "retry" ? "pending" : outcome,
          nextAttemptAt: new Date(next),
          lastStatus: result.httpStatus,
          lastResponse: response,
          ...(outcome === "delivered" ? { deliveredAt: new Date(this.now()) } : {}),
        })
        .where(and(eq(notifyOutbox.id, row.id), eq(notifyOutbox.status, "pending")));
    });
    if (outcome === "delivered") this.o.onDelivered?.(row, result);
  }
}

/** Rows of channels no longer configured would wait forever: mark them failed, saying why. */
export async function failOrphans(db: Db, channels: readonly string[]): Promise<void> {
  const list = channels.length
    ? sql`and channel not in (${sql.join(
        channels.map((c) => sql`${c}`),
        sql`, `,
      )})`
    : sql``;
  await db.execute(
    sql`update notify_outbox set status = 'failed', last_response = 'the channel is no longer configured' where status in ('pending', 'held') ${list}`,
  );
}
