import "server-only";
import { desc } from "drizzle-orm";
import { requireRole, type Actor } from "./auth/roles";
import { getFleetConfig } from "./config/current";
import { getDb } from "./db";
import { ingestLines, ingestStats } from "./db/schema";

// What each source's log shippers sent: counts per outcome and the last lines that matched no log
// pattern or were rejected. A misconfigured format then shows as a rising unparsed count with the
// lines beside it, instead of as a silent zero on the board.

export interface IngestLine {
  receiver: string;
  ref: string;
  line: string;
  reason: string;
  at: number;
}

export interface SourceIngest {
  system: string;
  label: string;
  /** Whether the fleet config gives this source an ingest token at all. */
  hasToken: boolean;
  received: number;
  stored: number;
  duplicates: number;
  unparsed: number;
  rejected: number;
  lastReceiver?: string;
  lastAt?: number;
  /** Newest first. */
  lastUnparsed: IngestLine[];
  lastRejected: IngestLine[];
}

export async function listIngestStats(actor: Actor | null): Promise<SourceIngest[]> {
  requireRole(actor, "viewer");
  return readIngestStats();
}

/** Every configured source that can push, or has pushed, with its counts. */
export async function readIngestStats(): Promise<SourceIngest[]> {
  const cfg = getFleetConfig();
  const db = await getDb();
  const rows = new Map((await db.select().from(ingestStats)).map((r) => [r.system, r]));
  const lines = await db.select().from(ingestLines).orderBy(desc(ingestLines.seq));
  const out: SourceIngest[] = [];
  for (const t of cfg.targets) {
    const r = rows.get(t.name);
    const hasToken = Boolean(t.credentials.ingestTokenEnv);
    if (!r && !hasToken) continue;
    const mine = lines.filter((l) => l.system === t.name);
    const view = (l: (typeof lines)[number]): IngestLine => ({
      receiver: l.receiver,
      ref: l.ref,
      line: l.line,
      reason: l.reason,
      at: l.receivedAt.getTime(),
    });
    out.push({
      system: t.name,
      label: t.label ?? t.name,
      hasToken,
      received: r?.received ?? 0,
      stored: r?.stored ?? 0,
      duplicates: r?.duplicates ?? 0,
      unparsed: r?.unparsed ?? 0,
      rejected: r?.rejected ?? 0,
      ...(r?.lastReceiver ? { lastReceiver: r.lastReceiver } : {}),
      ...(r?.lastAt ? { lastAt: r.lastAt.getTime() } : {}),
      lastUnparsed: mine.filter((l) => l.outcome === "unparsed").map(view),
      lastRejected: mine.filter((l) => l.outcome === "rejected").map(view),
    });
  }
  return out;
}
