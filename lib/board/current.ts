import "server-only";
import { and, eq, gt, ne, or } from "drizzle-orm";
import { getDb } from "../db";
import type { Db } from "../db/client";
import { findings as findingsTable } from "../db/schema";
import type { Finding } from "../rules/types";

// The one answer to "what is the current state of a finding", for the board, the finding page,
// acknowledgements, confirmations, incidents and paging. On the collector leader it is the
// evaluator's own set (newer than the table by one write); everywhere else it is the table the
// leader writes. Readers never look at the evaluator themselves.

/** What the evaluator on this instance shares with readers (lib/board/engine.ts BoardEngine). */
export interface LocalFindings {
  readonly findings: ReadonlyMap<string, Finding>;
  /** Findings that cleared in the last 15 minutes, by id, with when. */
  readonly cleared: ReadonlyMap<string, number>;
}

/** How long a cleared finding stays on the board. */
export const CLEARED_WINDOW_MS = 15 * 60_000;

const KEY = Symbol.for("watchfloor.local-findings");
type Holder = { [KEY]?: LocalFindings };

/** Set by the composition root (lib/pipeline.ts) while this instance's evaluator runs. */
export function setLocalFindings(local: LocalFindings | undefined) {
  (globalThis as Holder)[KEY] = local;
}

function local(): LocalFindings | undefined {
  return (globalThis as Holder)[KEY];
}

/**
 * One finding as it stands now, or undefined if there is none with that id. `db` is the database
 * to read when this instance does not evaluate (the process's by default; services under test
 * pass their own).
 */
export async function currentFinding(id: string, db?: Db): Promise<Finding | undefined> {
  const live = local()?.findings.get(id);
  if (live) return live;
  const [row] = await (db ?? (await getDb())).select().from(findingsTable).where(eq(findingsTable.id, id));
  return row?.finding as Finding | undefined;
}

/** The findings that are not ok, and those that cleared within the last 15 minutes. */
export async function openAndCleared(now = Date.now()): Promise<{ open: Finding[]; cleared: Finding[] }> {
  const l = local();
  if (l) {
    const all = [...l.findings.values()];
    return {
      open: all.filter((f) => f.state !== "ok"),
      cleared: all.filter((f) => f.state === "ok" && l.cleared.has(f.id)),
    };
  }
  // The leader stores a finding only once it has been non-ok, so an ok row is one that cleared.
  const rows = await (
    await getDb()
  )
    .select({ finding: findingsTable.finding, state: findingsTable.state })
    .from(findingsTable)
    .where(
      or(
        ne(findingsTable.state, "ok"),
        and(eq(findingsTable.state, "ok"), gt(findingsTable.since, new Date(now - CLEARED_WINDOW_MS))),
      ),
    );
  return {
    open: rows.filter((r) => r.state !== "ok").map((r) => r.finding as Finding),
    cleared: rows.filter((r) => r.state === "ok").map((r) => r.finding as Finding),
  };
}

/** Every finding known, whatever its state (incident scoping reads ok ones too). */
export async function allFindings(): Promise<Finding[]> {
  const l = local();
  const rows = await (await getDb()).select().from(findingsTable);
  const byId = new Map<string, Finding>(rows.map((r) => [r.id, r.finding as Finding]));
  if (l) for (const [id, f] of l.findings) byId.set(id, f);
  return [...byId.values()];
}

/** The findings that are not ok now. */
export async function openFindings(): Promise<Finding[]> {
  const l = local();
  if (l) return [...l.findings.values()].filter((f) => f.state !== "ok");
  return (await openAndCleared()).open;
}
