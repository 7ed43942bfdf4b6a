// Status answers kept in memory for a moment. A status link sent to a whole company is polled by
// every reader; within STATUS_CACHE_MS the token's row, the incidents and the controls in progress
// are read once per instance, not once per reader. An answer is reused only while the board it was
// built from is still the current one, never past the link's own expiry, and only a valid link's
// answer is kept (an unknown token costs its lookup every time, and fills nothing). A revocation on
// this instance empties the cache at once; on another instance sharing the database it takes effect
// within STATUS_CACHE_MS.

export const STATUS_CACHE_MS = 1000;
const MAX_ENTRIES = 1000;

interface Entry<R> {
  result: R;
  until: number;
  board: number;
}

export class StatusCache<R> {
  private readonly entries = new Map<string, Entry<R>>();
  /** Bumped by clear(): an answer computed before a revocation is not kept after it. */
  private generation = 0;

  constructor(
    private readonly ttlMs = STATUS_CACHE_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  /**
   * The answer for `token`: from memory when still current, else computed. `keepUntil` says until
   * when an answer may be kept (a valid link's expiry), or null for an answer that is not kept.
   */
  async get(
    token: string,
    now: number,
    board: () => number,
    compute: () => Promise<R>,
    keepUntil: (r: R) => number | null,
  ): Promise<R> {
    const before = board();
    const generation = this.generation;
    const hit = this.entries.get(token);
    if (hit && now < hit.until && hit.board === before) return hit.result;
    const result = await compute();
    const until = keepUntil(result);
    // Built while the board changed, or begun before a revocation: not kept (the next request builds it again).
    if (until === null || board() !== before || generation !== this.generation) this.entries.delete(token);
    else {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(token, { result, until: Math.min(now + this.ttlMs, until), board: before });
    }
    return result;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
