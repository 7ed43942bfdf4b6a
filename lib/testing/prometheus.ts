// Test harness: a throwaway real Prometheus 2.x server (Debian package `prometheus`) with its own
// generated config and TSDB in a temporary directory, listening on a free loopback port.
// Used by the Prometheus API adapter's integration test; the rule-file and Alertmanager options
// are there for benchmarks that need alerts evaluated by a real server.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./postgres";
import { startDaemon } from "./daemon";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || "/usr/bin/prometheus";
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN || "/usr/bin/promtool";

export interface ScrapeTarget {
  job: string;
  /** host:port pairs, e.g. "127.0.0.1:4101". */
  targets: string[];
  scrapeIntervalSeconds: number;
  /** Default "/metrics". */
  metricsPath?: string;
  /** Default: the scrape interval (Prometheus refuses a timeout longer than the interval). */
  scrapeTimeoutSeconds?: number;
  /** Extra target labels added to every series of this job. */
  labels?: Record<string, string>;
  /** Bearer token sent with each scrape. */
  bearerToken?: string;
}

/** A rule file: the path of an existing file, or a name and YAML content written into the temp dir. */
export type RuleFile = string | { name: string; content: string };

export interface StartTestPrometheusOptions {
  scrapeTargets: ScrapeTarget[];
  /** Alerting / recording rule files (Prometheus rule-file YAML). */
  ruleFiles?: RuleFile[];
  /** Where firing alerts are sent, e.g. "http://127.0.0.1:9093". */
  alertmanagerUrl?: string;
  /** How often rules are evaluated; default 1 s so tests and benchmarks see alerts quickly. */
  evaluationIntervalSeconds?: number;
  /** How long `/-/ready` may take; default 20 s. */
  readyTimeoutMs?: number;
  /** Default "1h": tests never need more, and a small head block keeps start-up quick. */
  retention?: string;
  /** Listen on this loopback port instead of a free one the harness picks. */
  port?: number;
  /** Run `promtool check config` on the generated files first and refuse to start if it fails. */
  checkConfig?: boolean;
}

export interface TestPrometheus {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  url: string;
  port: number;
  dir: string;
  configPath: string;
  /** What `promtool check config` printed, when `checkConfig` was set. */
  checkOutput?: string;
  /** Everything Prometheus wrote to stdout/stderr so far (for failure messages). */
  log(): string;
  /** Polls /api/v1/targets until every active target reports health "up". */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** POST /-/reload (needs --web.enable-lifecycle, which the harness always sets). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** The prometheus.yml the harness writes. JSON is valid YAML, which spares us quoting rules. */
export function buildPrometheusConfig(
  opts: StartTestPrometheusOptions,
  ruleFilePaths: string[] = [],
): Record<string, unknown> {
  const evaluation = opts.evaluationIntervalSeconds ?? 1;
  const config: Record<string, unknown> = {
    global: { scrape_interval: "15s", evaluation_interval: `${evaluation}s` },
    scrape_configs: opts.scrapeTargets.map((t) => {
      const job: Record<string, unknown> = {
        job_name: t.job,
        scrape_interval: `${t.scrapeIntervalSeconds}s`,
        scrape_timeout: `${t.scrapeTimeoutSeconds ?? t.scrapeIntervalSeconds}s`,
        metrics_path: t.metricsPath ?? "/metrics",
        static_configs: [{ targets: t.targets, ...(t.labels ? { labels: t.labels } : {}) }],
      };
      if (t.bearerToken) job.authorization = { type: "Bearer", credentials: t.bearerToken };
      return job;
    }),
  };
  if (ruleFilePaths.length) config.rule_files = ruleFilePaths;
  if (opts.alertmanagerUrl) {
    const am = new URL(opts.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [
        {
          scheme: am.protocol.replace(/:$/, ""),
          path_prefix: am.pathname === "/" ? undefined : am.pathname,
          api_version: "v2",
          static_configs: [{ targets: [am.host] }],
        },
      ],
    };
  }
  return config;
}

/** `promtool check config` on a prometheus.yml (which also checks the rule files it names). */
export function checkPrometheusConfig(configPath: string): { ok: boolean; output: string } {
  if (!existsSync(PROMTOOL_BIN))
    throw new Error(
      `promtool not found at ${PROMTOOL_BIN}: install the Debian package "prometheus", or set PROMTOOL_BIN.`,
    );
  const r = spawnSync(PROMTOOL_BIN, ["check", "config", configPath], { encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

export async function startTestPrometheus(opts: StartTestPrometheusOptions): Promise<TestPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `Prometheus server binary not found at ${PROMETHEUS_BIN}: install the Debian package "prometheus" (apt-get install prometheus), or set PROMETHEUS_BIN.`,
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-prom-"));
  const ruleFilePaths = (opts.ruleFiles ?? []).map((r, i) => {
    if (typeof r === "string") return path.resolve(r);
    const file = path.join(dir, `${String(i).padStart(2, "0")}-${path.basename(r.name)}`);
    writeFileSync(file, r.content);
    return file;
  });
  const configPath = path.join(dir, "prometheus.yml");
  writeFileSync(configPath, JSON.stringify(buildPrometheusConfig(opts, ruleFilePaths), null, 2));

  let checkOutput: string | undefined;
  if (opts.checkConfig) {
    const r = checkPrometheusConfig(configPath);
    if (!r.ok) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`promtool check config refused the generated configuration:\n${r.output}`);
    }
    checkOutput = r.output;
  }

  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logPath = path.join(dir, "prometheus.log");
  const { log, stop } = await startDaemon({
    name: "prometheus",
    bin: PROMETHEUS_BIN,
    args: [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--storage.tsdb.retention.time=${opts.retention ?? "1h"}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
    ],
    logPath,
    dir,
    url,
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });

  return {
    url,
    port,
    dir,
    configPath,
    checkOutput,
    log,
    stop,
    async reload() {
      const res = await fetch(`${url}/-/reload`, { method: "POST" });
      const text = await res.text();
      if (!res.ok) throw new Error(`prometheus reload failed: HTTP ${res.status} ${text}`);
    },
    async waitForTargetsUp(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      for (;;) {
        try {
          const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(1_000) });
          const body = (await res.json()) as {
            data?: { activeTargets?: { health: string; scrapeUrl: string; lastError: string }[] };
          };
          const targets = body.data?.activeTargets ?? [];
          last = targets.map((t) => `${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ");
          if (targets.length > 0 && targets.every((t) => t.health === "up")) return;
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
        }
        if (Date.now() > deadline) throw new Error(`scrape targets not up within ${timeoutMs} ms: ${last}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
