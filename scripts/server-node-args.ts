// Node options for the production server that `npm run demo`, the bench and the soak start.
//
// WATCHFLOOR_MAX_HEAP_MB caps V8's old-generation heap (--max-old-space-size). It is not set by
// default: without a cap V8 sizes its heap from the machine's memory and, under steady load, lets
// garbage grow to several times the live set before a full collection (in a 30-minute soak about
// 130 MiB live with RSS past 900 MiB). A cap keeps the footprint down but must leave room for the
// live set at peak: at 384 MiB the server ran out of heap with 5,000 live viewers in the bench.
// Set it to what the host can give, with headroom over the largest viewer count expected.

export function serverNodeArgs(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env.WATCHFLOOR_MAX_HEAP_MB;
  if (raw === undefined || raw === "") return [];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 128 || n > 65_536) {
    throw new Error(`WATCHFLOOR_MAX_HEAP_MB: expected a whole number of MiB between 128 and 65536, got "${raw}"`);
  }
  return [`--max-old-space-size=${n}`];
}
