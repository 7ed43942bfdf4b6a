// Checks the system packages the test suite needs (Chromium, PostgreSQL 15, Prometheus, Alertmanager,
// syslog-ng, and rsyslog unpacked beside it) and
// installs the missing ones with apt when running as root on Debian; otherwise says exactly what
// to install. Exit code 1 when something is still missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { RSYSLOG_BIN, RSYSLOG_MODULES, RSYSLOG_ROOT } from "../lib/testing/shippers";

export interface SystemDep {
  name: string;
  aptPackage: string;
  present: () => boolean;
  why: string;
  /** Installed another way than apt-get install (after the apt packages). */
  install?: () => void;
}

const has = (file: string) => () => existsSync(file);

/** syslog-ng's http() module, under its versioned module directory. */
const syslogNgHttp = () =>
  existsSync("/usr/lib/syslog-ng") &&
  readdirSync("/usr/lib/syslog-ng").some((v) => existsSync(path.join("/usr/lib/syslog-ng", v, "libhttp.so")));

/**
 * Debian's rsyslog conflicts with syslog-ng (both are the system log daemon), so it is not
 * installed: its package and rsyslog-elasticsearch are downloaded and unpacked into a cache
 * directory, and tests run that rsyslogd with its own module directory.
 */
function unpackRsyslog(): void {
  const debs = path.join(RSYSLOG_ROOT, "..", "debs");
  mkdirSync(debs, { recursive: true });
  execFileSync("apt-get", ["download", "-qq", "rsyslog", "rsyslog-elasticsearch"], { cwd: debs, stdio: "inherit" });
  for (const f of readdirSync(debs).filter((f) => f.endsWith(".deb")))
    execFileSync("dpkg-deb", ["-x", path.join(debs, f), RSYSLOG_ROOT], { stdio: "inherit" });
}

export const SYSTEM_DEPS: SystemDep[] = [
  {
    name: "Chromium",
    aptPackage: "chromium",
    present: has(process.env.CHROMIUM_PATH || "/usr/bin/chromium"),
    why: "end-to-end tests",
  },
  {
    name: "PostgreSQL 15",
    aptPackage: "postgresql",
    present: has("/usr/lib/postgresql/15/bin/pg_ctl"),
    why: "integration tests on a real PostgreSQL",
  },
  {
    name: "Prometheus (promtool)",
    aptPackage: "prometheus",
    present: has("/usr/bin/promtool"),
    why: "metrics format checks and the Prometheus adapter tests",
  },
  {
    name: "node_exporter",
    aptPackage: "prometheus-node-exporter",
    present: has("/usr/bin/prometheus-node-exporter"),
    why: "the generic exporter tests and the demo's host target (run as a child process, not the service)",
  },
  {
    name: "Alertmanager",
    aptPackage: "prometheus-alertmanager",
    present: has("/usr/bin/prometheus-alertmanager"),
    why: "the alerting comparison's integration test and benchmark",
  },
  {
    name: "syslog-ng",
    aptPackage: "syslog-ng-core",
    present: has("/usr/sbin/syslog-ng"),
    why: "the real-shipper tests (syslog-ng tailing a log file)",
  },
  {
    name: "syslog-ng http() module",
    aptPackage: "syslog-ng-mod-http",
    present: syslogNgHttp,
    why: "the real-shipper tests (syslog-ng posting to the console)",
  },
  {
    name: "rsyslog's libraries",
    aptPackage: "libestr0 libfastjson4 liblognorm5",
    present: () =>
      ["libestr.so.0", "libfastjson.so.4", "liblognorm.so.5"].every((l) =>
        existsSync(`/usr/lib/x86_64-linux-gnu/${l}`),
      ),
    why: "the unpacked rsyslog below",
  },
  {
    name: "rsyslog with omelasticsearch (unpacked, not installed)",
    aptPackage: "",
    present: () => existsSync(RSYSLOG_BIN) && existsSync(path.join(RSYSLOG_MODULES, "omelasticsearch.so")),
    why: "the real-shipper tests (rsyslog posting to the Elasticsearch-compatible endpoint)",
    install: unpackRsyslog,
  },
];

function isRootOnDebian(): boolean {
  return (
    typeof process.getuid === "function" &&
    process.getuid() === 0 &&
    existsSync("/usr/bin/apt-get") &&
    existsSync("/etc/debian_version")
  );
}

export function ensureSystemDeps(): boolean {
  let missing = SYSTEM_DEPS.filter((d) => !d.present());
  if (missing.length === 0) return true;
  const pkgs = missing.filter((d) => !d.install).flatMap((d) => d.aptPackage.split(" "));
  if (isRootOnDebian()) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    if (pkgs.length) {
      console.log(`[deps] installing with apt: ${pkgs.join(" ")}`);
      const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], {
        stdio: "inherit",
        env,
      });
      if (r.status !== 0) console.error(`[deps] apt-get install exited with ${r.status}`);
    }
    for (const d of missing.filter((d) => d.install)) {
      console.log(`[deps] ${d.name}`);
      try {
        d.install!();
      } catch (e) {
        console.error(`[deps] ${d.name}: ${(e as Error).message}`);
      }
    }
    missing = SYSTEM_DEPS.filter((d) => !d.present());
  }
  if (missing.length > 0) {
    console.error("[deps] missing system packages:");
    for (const d of missing)
      console.error(
        `  - ${d.name}${d.install ? ` (apt-get download rsyslog rsyslog-elasticsearch, then dpkg-deb -x each into ${RSYSLOG_ROOT})` : ` (Debian/Ubuntu package "${d.aptPackage}")`} for ${d.why}`,
      );
    const apt = missing.filter((d) => !d.install).map((d) => d.aptPackage);
    if (apt.length) console.error(`[deps] install them with: sudo apt-get install -y ${apt.join(" ")}`);
    return false;
  }
  return true;
}

if (process.argv[1] && /system-deps\.ts$/.test(process.argv[1])) {
  const ok = ensureSystemDeps();
  if (ok) console.log("[deps] all system packages present");
  process.exit(ok ? 0 : 1);
}
