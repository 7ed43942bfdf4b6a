// Real log shippers for tests: syslog-ng (Debian's syslog-ng-core + syslog-ng-mod-http) and
// rsyslog (Debian's rsyslog + rsyslog-elasticsearch, unpacked into a cache directory because its
// package conflicts with syslog-ng's as the system log daemon). Each runs as a child process of
// the test with its own config, state and pid files in a temp directory — never the system
// service — tailing one log file and posting to the console. stop() ends it and removes the
// directory. scripts/system-deps.ts installs both.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const SYSLOG_NG_BIN = "/usr/sbin/syslog-ng";
/** Where scripts/system-deps.ts unpacks rsyslog (dpkg-deb -x of rsyslog and rsyslog-elasticsearch). */
export const RSYSLOG_ROOT = process.env.WATCHFLOOR_RSYSLOG_ROOT || "/var/cache/watchfloor-shippers/root";
export const RSYSLOG_BIN = path.join(RSYSLOG_ROOT, "usr/sbin/rsyslogd");
export const RSYSLOG_MODULES = path.join(RSYSLOG_ROOT, "usr/lib/x86_64-linux-gnu/rsyslog");

export interface Shipper {
  name: string;
  child: ChildProcess;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

async function run(
  name: string,
  bin: string,
  args: string[],
  dir: string,
  ready: () => boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Shipper> {
  const logPath = path.join(dir, `${name}.out`);
  const fd = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ["ignore", fd, fd], env });
  } finally {
    closeSync(fd);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once("error", () => resolve());
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", killOnExit);
    if (!exited) {
      child.kill("SIGTERM");
      await Promise.race([exit, new Promise<void>((r) => setTimeout(r, 5_000).unref())]);
      if (!exited) {
        child.kill("SIGKILL");
        await exit;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!ready()) {
    if (exited) {
      const text = log();
      await stop();
      throw new Error(`${name} exited during start-up (${JSON.stringify(exited)}):\n${text.slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`${name} did not start within 20 s:\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, child, dir, log, stop };
}

export interface ShipperOptions {
  /** The log file to tail (need not exist yet). */
  file: string;
  /** The ingest token; sent as the basic-auth password. */
  token: string;
  /** How long the shipper waits before reconnecting after a failed send (seconds). */
  reopenSeconds?: number;
}

/**
 * syslog-ng tailing `file` (each line one message, unparsed) and posting JSON lines
 * (`{"message": "<line>"}`) to `url` (the console's /api/ingest) with its http() destination.
 */
export async function startSyslogNg(o: ShipperOptions & { url: string }): Promise<Shipper> {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-syslog-ng-"));
  const conf = path.join(dir, "syslog-ng.conf");
  writeFileSync(conf, syslogNgConfig({ ...o, url: o.url }));
  const ctl = path.join(dir, "syslog-ng.ctl");
  return run(
    "syslog-ng",
    SYSLOG_NG_BIN,
    [
      "-F",
      "--no-caps",
      "-f",
      conf,
      "-R",
      path.join(dir, "syslog-ng.persist"),
      "-p",
      path.join(dir, "syslog-ng.pid"),
      "-c",
      ctl,
      "--stderr",
    ],
    dir,
    () => existsSync(ctl),
  );
}

/** The syslog-ng config the README shows, with this test's file, URL and token. */
export function syslogNgConfig(o: ShipperOptions & { url: string }): string {
  return `@version: 3.38
options { stats-freq(0); time-reopen(${o.reopenSeconds ?? 1}); };
source s_bot { file("${o.file}" flags(no-parse) follow-freq(0.2)); };
destination d_watchfloor {
  http(
    url("${o.url}")
    method("POST")
    user("syslog-ng")
    password("${o.token}")
    headers("Content-Type: application/x-ndjson")
    body("$(format-json --scope none message=$MESSAGE)")
    delimiter("\\n")
    batch-lines(200)
    batch-timeout(250)
    retries(1000)
  );
};
log { source(s_bot); destination(d_watchfloor); };
`;
}

/**
 * rsyslog tailing `file` with imfile and posting to `esBase` (the console's /es/ base) with
 * omelasticsearch in bulk mode; the document is `{"message": "<line>"}`.
 */
export async function startRsyslog(o: ShipperOptions & { esBase: string }): Promise<Shipper> {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-rsyslog-"));
  const work = path.join(dir, "work");
  const conf = path.join(dir, "rsyslog.conf");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(work);
  writeFileSync(conf, rsyslogConfig({ ...o, workDirectory: work }));
  const pid = path.join(dir, "rsyslogd.pid");
  return run("rsyslog", RSYSLOG_BIN, ["-n", "-f", conf, "-i", pid, "-M", RSYSLOG_MODULES], dir, () => existsSync(pid));
}

/** The rsyslog config the README shows, with this test's file, URL and token. */
export function rsyslogConfig(o: ShipperOptions & { esBase: string; workDirectory: string }): string {
  const u = new URL(o.esBase);
  return `global(workDirectory="${o.workDirectory}")
module(load="imfile" mode="polling" PollingInterval="1")
module(load="omelasticsearch")
input(type="imfile" File="${o.file}" Tag="trading-bot" ruleset="watchfloor")
template(name="watchfloor-doc" type="list" option.jsonf="on") {
  property(outname="message" name="msg" format="jsonf")
}
ruleset(name="watchfloor" queue.type="LinkedList") {
  action(type="omelasticsearch"
         server="${u.protocol}//${u.host}${u.pathname}"
         uid="rsyslog" pwd="${o.token}"
         searchIndex="trading-bot" template="watchfloor-doc"
         bulkmode="on" maxbytes="1m"
         action.resumeRetryCount="-1" action.resumeInterval="${o.reopenSeconds ?? 1}")
}
`;
}
