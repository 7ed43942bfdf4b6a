// Source → screen: flips a simulated bot's integrity watchdog (a direct state change in the
// simulator) and times how long until an open board in headless Chromium shows (or drops) the
// finding. Both clocks are this machine's wall clock; the page records the moment its DOM changed
// with a MutationObserver.
import { chromium, type Browser } from "@playwright/test";
import type { Fleet } from "../../lib/sim";
import { percentile } from "./proc";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || process.env.BENCH_CHROMIUM || "/usr/bin/chromium";

/** The finding the change produces, in the lane it belongs to. */
export const WATCHDOG_SELECTOR = '[data-lane="SEV2"] [data-rule="integrity_watchdog"]';
export const WATCHDOG_BOT = "alpha-bot";

/**
 * Pauses (true) or resumes (false) trading on the bot as its integrity watchdog would. Both the
 * health document's `reconciliationIntegrityWatchdogTriggered` (what Watchfloor's rule reads) and
 * the `reconciliation_integrity_watchdog_triggered` gauge on /metrics (what a Prometheus rule
 * reads) follow this state.
 */
export function setWatchdog(fleet: Fleet, paused: boolean, botName = WATCHDOG_BOT): void {
  const bot = fleet.tradingBot(botName);
  const w = bot.watchdog;
  w.paused = paused;
  w.source = paused ? "parity_watchdog" : null;
  w.since = paused ? fleet.now() : null;
  w.cleanCycleStreak = 0;
}

export interface LatencyResult {
  pollIntervalMs: number;
  changes: number;
  timeouts: number;
  onset: { n: number; p50: number; p95: number; max: number };
  recovery: { n: number; p50: number; p95: number; max: number };
  all: { n: number; p50: number; p95: number; max: number };
  samplesMs: { kind: "onset" | "recovery"; ms: number }[];
}

function summary(v: number[]) {
  return { n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), max: percentile(v, 100) };
}

export async function measureSourceToScreen(o: {
  baseUrl: string;
  cookie: string;
  fleet: Fleet;
  pollIntervalMs: number;
  changes: number;
  deadline: number;
}): Promise<LatencyResult> {
  let browser: Browser | undefined;
  const samples: { kind: "onset" | "recovery"; ms: number }[] = [];
  let timeouts = 0;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [name, ...rest] = o.cookie.split("=");
    await context.addCookies([{ name: name!, value: rest.join("="), url: o.baseUrl }]);
    const page = await context.newPage();
    setWatchdog(o.fleet, false);
    await page.goto(`${o.baseUrl}/`, { waitUntil: "load" });
    await page.waitForSelector('[data-lane="SEV2"]', { timeout: 30_000 });
    // Let the board settle on "no watchdog finding" before the first change.
    await page.waitForFunction((sel) => !document.querySelector(sel), WATCHDOG_SELECTOR, { timeout: 20_000 });
    await page.evaluate((sel) => {
      const w = window as unknown as { __wf: { present: boolean; changedAt: number } };
      w.__wf = { present: !!document.querySelector(sel), changedAt: Date.now() };
      new MutationObserver(() => {
        const present = !!document.querySelector(sel);
        if (present !== w.__wf.present) w.__wf = { present, changedAt: Date.now() };
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    }, WATCHDOG_SELECTOR);
    for (let i = 0; i < o.changes; i++) {
      if (Date.now() > o.deadline) break;
      const paused = i % 2 === 0;
      // Land changes at a random phase of the poll cycle.
      await new Promise((r) => setTimeout(r, Math.random() * o.pollIntervalMs));
      const t0 = Date.now();
      setWatchdog(o.fleet, paused);
      try {
        await page.waitForFunction(
          (want) => (window as unknown as { __wf: { present: boolean } }).__wf.present === want,
          paused,
          { timeout: 15_000, polling: 50 },
        );
        const at = await page.evaluate(() => (window as unknown as { __wf: { changedAt: number } }).__wf.changedAt);
        samples.push({ kind: paused ? "onset" : "recovery", ms: at - t0 });
      } catch {
        timeouts++;
        // Resynchronise: wait for the board to reach the state, then carry on.
        await page
          .waitForFunction(
            (want) => (window as unknown as { __wf: { present: boolean } }).__wf.present === want,
            paused,
            { timeout: 30_000, polling: 200 },
          )
          .catch(() => {});
      }
      if ((i + 1) % 10 === 0) process.stdout.write(`  source→screen: ${i + 1}/${o.changes} changes\n`);
    }
    setWatchdog(o.fleet, false);
  } finally {
    await browser?.close();
  }
  const onset = samples.filter((s) => s.kind === "onset").map((s) => s.ms);
  const recovery = samples.filter((s) => s.kind === "recovery").map((s) => s.ms);
  return {
    pollIntervalMs: o.pollIntervalMs,
    changes: samples.length + timeouts,
    timeouts,
    onset: summary(onset),
    recovery: summary(recovery),
    all: summary(samples.map((s) => s.ms)),
    samplesMs: samples,
  };
}
