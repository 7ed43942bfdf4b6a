// Node options for the production server that `npm run demo`, the bench and the soak start.
//
// The old-generation heap is capped (WATCHFLOOR_MAX_HEAP_MB, 384 MiB by default). Without a cap
// V8 sizes its heap from the machine's memory (4 GiB here) and, under steady load, lets garbage
// build up to about four times the live set before a full collection: in a 30-minute soak the
// server held about 130 MiB live yet its resident size climbed past 900 MiB. With the cap it
// collects sooner and its footprint stays put. The live set with 2,000 viewers is well under it.

export const DEFAULT_MAX_HEAP_MB = 384;

export function serverNodeArgs(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env.WATCHFLOOR_MAX_HEAP_MB;
  if (raw === undefined || raw === "") return [`--max-old-space-size=${DEFAULT_MAX_HEAP_MB}`];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 128 || n > 65_536) {
    throw new Error(`WATCHFLOOR_MAX_HEAP_MB: expected a whole number of MiB between 128 and 65536, got "${raw}"`);
  }
  return [`--max-old-space-size=${n}`];
}
