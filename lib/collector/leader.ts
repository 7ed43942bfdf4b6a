import "server-only";

// Leader election among console instances sharing one PostgreSQL: the instance holding a session
// advisory lock runs the collector. The lock lives on a dedicated connection, so it is released
// the moment that instance dies or loses its connection, and another takes over on its next try.

export const COLLECTOR_LOCK_KEY = 7_243_100;

export interface LeaderCallbacks {
  onLead(): void;
  onLose(reason: string): void;
}

export class PostgresLeaderLock {
  private sql: import("postgres").Sql | null = null;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly cb: LeaderCallbacks,
    private readonly retryMs = 2000,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.attempt();
  }

  private async connect() {
    const { default: postgres } = await import("postgres");
    const sql = postgres(this.url, { max: 1, idle_timeout: 0, onnotice: () => {}, connect_timeout: 5 });
    this.sql = sql;
    return sql;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      const sql = this.sql ?? (await this.connect());
      if (!this.leading) {
        const [row] = await sql<{ got: boolean }[]>`select pg_try_advisory_lock(${COLLECTOR_LOCK_KEY}) as got`;
        if (row?.got) {
          this.leading = true;
          this.cb.onLead();
        }
      } else {
        // The client reconnects on its own after a dropped connection (a database restart, a
        // network cut), and the new session does not hold the lock: ask PostgreSQL whether this
        // session holds it rather than whether a query still works. (A bigint key shows as
        // classid = high half, objid = low half, objsubid = 1.)
        const [row] = await sql<{ held: boolean }[]>`
          select exists (
            select 1 from pg_locks
            where locktype = 'advisory' and granted and pid = pg_backend_pid() and objsubid = 1
              and classid::bigint * 4294967296 + objid::bigint = ${COLLECTOR_LOCK_KEY}
          ) as held`;
        if (!row?.held)
          throw new Error("the session holding it ended (the connection was re-established without the lock)");
      }
    } catch (err) {
      if (this.leading) {
        this.leading = false;
        this.cb.onLose(`lost the database connection holding the collector lock: ${(err as Error).message}`);
      }
      const old = this.sql;
      this.sql = null;
      void old?.end({ timeout: 1 }).catch(() => {});
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.attempt(), this.retryMs);
      this.timer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) this.cb.onLose("stopping");
    this.leading = false;
    await this.sql?.end({ timeout: 2 }).catch(() => {});
    this.sql = null;
  }
}

// ---------------------------------------------------------------- this instance's part

/**
 * What this instance does in the live pipeline: `leader` polls and evaluates, `follower` is ready
 * to take over, `serve-only` (WATCHFLOOR_COLLECTOR=off) only serves what the leader stores, and
 * `not running` means no pipeline (a CLI script).
 */
export type InstanceRole = "leader" | "follower" | "serve-only" | "not running";

const ROLE_KEY = Symbol.for("watchfloor.instance-role");
type RoleHolder = { [ROLE_KEY]?: { role: InstanceRole; instanceId: string } };

/** Set by the composition root (lib/pipeline.ts). */
export function setInstanceRole(r: { role: InstanceRole; instanceId: string } | undefined) {
  (globalThis as RoleHolder)[ROLE_KEY] = r;
}

export function getInstanceRole(): { role: InstanceRole; instanceId?: string } {
  return (globalThis as RoleHolder)[ROLE_KEY] ?? { role: "not running" };
}
