// Lighthouse (mobile: its default form factor, simulated throttling) on the board as a signed-in
// viewer and on the shared status view, with the system Chromium. Each run is a Lighthouse CLI
// process of its own, so its trace processing does not share this process's event loop (which
// serves the simulated fleet). Figures are the median of the runs, metric by metric.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHROMIUM_PATH } from "./latency";

export const LIGHTHOUSE_CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu";

export interface LighthouseRun {
  performance: number;
  accessibility: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  siMs: number;
  /** Accessibility audits that failed, by id. */
  a11yFailures: string[];
  warnings: string[];
  error?: string;
}

export interface LighthousePage {
  page: string;
  url: string;
  runs: LighthouseRun[];
  /** Median of the runs that completed, metric by metric. */
  median: Omit<LighthouseRun, "a11yFailures" | "warnings" | "error"> & { a11yFailures: string[] };
  seconds: number;
}

export interface LighthouseResult {
  version: string;
  chrome: string;
  chromeFlags: string;
  runsPerPage: number;
  pages: LighthousePage[];
}

interface Lhr {
  lighthouseVersion: string;
  runtimeError?: { code: string; message: string };
  runWarnings?: string[];
  categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
  audits: Record<string, { score: number | null; numericValue?: number; scoreDisplayMode?: string }>;
}

function median(v: number[]): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

function runOnce(
  root: string,
  url: string,
  dir: string,
  name: string,
  headers?: Record<string, string>,
): Promise<{ run: LighthouseRun; version: string }> {
  // A name of its own per run: a run that fails must never be read back as another's report.
  const out = path.join(dir, `${name}.json`);
  const args = [
    path.join(root, "node_modules/lighthouse/cli/index.js"),
    url,
    "--output=json",
    `--output-path=${out}`,
    "--only-categories=performance,accessibility",
    `--chrome-flags=${LIGHTHOUSE_CHROME_FLAGS}`,
    "--quiet",
  ];
  if (headers) {
    const file = path.join(dir, "headers.json");
    writeFileSync(file, JSON.stringify(headers));
    args.push(`--extra-headers=${file}`);
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, CHROME_PATH: CHROMIUM_PATH }, timeout: 300_000, maxBuffer: 16 * 2 ** 20 },
      (err, _stdout, stderr) => {
        let lhr: Lhr;
        try {
          if (err) throw err;
          lhr = JSON.parse(readFileSync(out, "utf8")) as Lhr;
        } catch {
          const why = err ? `${err.message.split("\n")[0]} ${stderr.slice(-300)}` : "no report written";
          resolve({
            version: "",
            run: {
              performance: NaN,
              accessibility: NaN,
              fcpMs: NaN,
              lcpMs: NaN,
              tbtMs: NaN,
              siMs: NaN,
              a11yFailures: [],
              warnings: [],
              error: why,
            },
          });
          return;
        }
        const score = (c: string) =>
          lhr.categories[c]?.score == null ? NaN : Math.round(lhr.categories[c]!.score! * 100);
        const ms = (a: string) =>
          lhr.audits[a]?.numericValue === undefined ? NaN : Math.round(lhr.audits[a]!.numericValue!);
        const a11yFailures = (lhr.categories.accessibility?.auditRefs ?? [])
          .filter((r) => r.weight > 0)
          .map((r) => r.id)
          .filter((id) => {
            const a = lhr.audits[id];
            return a && a.score !== null && a.score < 1;
          });
        resolve({
          version: lhr.lighthouseVersion,
          run: {
            performance: score("performance"),
            accessibility: score("accessibility"),
            fcpMs: ms("first-contentful-paint"),
            lcpMs: ms("largest-contentful-paint"),
            tbtMs: ms("total-blocking-time"),
            siMs: ms("speed-index"),
            a11yFailures,
            warnings: lhr.runWarnings ?? [],
            error: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : undefined,
          },
        });
      },
    );
  });
}

export async function measureLighthouse(o: {
  root: string;
  pages: { page: string; url: string; cookie?: string }[];
  runs: number;
  deadline: number;
  progress?: (line: string) => void;
}): Promise<LighthouseResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-lighthouse-"));
  let version = "";
  const pages: LighthousePage[] = [];
  try {
    for (const p of o.pages) {
      const t0 = Date.now();
      const runs: LighthouseRun[] = [];
      for (let i = 0; i < o.runs; i++) {
        if (Date.now() + 90_000 > o.deadline) break;
        const r = await runOnce(
          o.root,
          p.url,
          dir,
          `${pages.length}-${i}`,
          p.cookie ? { Cookie: p.cookie } : undefined,
        );
        version ||= r.version;
        runs.push(r.run);
        o.progress?.(
          `  ${p.page} run ${i + 1}/${o.runs}: ${r.run.error ? `error ${r.run.error}` : `performance ${r.run.performance}, accessibility ${r.run.accessibility}, FCP ${r.run.fcpMs} ms, LCP ${r.run.lcpMs} ms, TBT ${r.run.tbtMs} ms, SI ${r.run.siMs} ms`}`,
        );
      }
      const ok = runs.filter((r) => !r.error && !Number.isNaN(r.performance));
      const m = (k: "performance" | "accessibility" | "fcpMs" | "lcpMs" | "tbtMs" | "siMs") =>
        median(ok.map((r) => r[k]));
      pages.push({
        page: p.page,
        url: p.url.replace(/\/status\/[^/?#]+/, "/status/<token>"),
        runs,
        median: {
          performance: m("performance"),
          accessibility: m("accessibility"),
          fcpMs: m("fcpMs"),
          lcpMs: m("lcpMs"),
          tbtMs: m("tbtMs"),
          siMs: m("siMs"),
          a11yFailures: [...new Set(ok.flatMap((r) => r.a11yFailures))],
        },
        seconds: Math.round((Date.now() - t0) / 1000),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { version, chrome: CHROMIUM_PATH, chromeFlags: LIGHTHOUSE_CHROME_FLAGS, runsPerPage: o.runs, pages };
}
