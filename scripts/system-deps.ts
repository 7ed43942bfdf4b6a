// Checks the system packages the test suite needs (Chromium, PostgreSQL 15, Prometheus, Alertmanager) and
// installs the missing ones with apt when running as root on Debian; otherwise says exactly what
// to install. Exit code 1 when something is still missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface SystemDep {
  name: string;
  aptPackage: string;
  present: () => boolean;
  why: string;
}

const has = (file: string) => () => existsSync(file);

export const SYSTEM_DEPS: SystemDep[] = [
  { name: "Chromium", aptPackage: "chromium", present: has(process.env.CHROMIUM_PATH || "/usr/bin/chromium"), why: "end-to-end tests" },
  { name: "PostgreSQL 15", aptPackage: "postgresql", present: has("/usr/lib/postgresql/15/bin/pg_ctl"), why: "integration tests on a real PostgreSQL" },
  { name: "Prometheus (promtool)", aptPackage: "prometheus", present: has("/usr/bin/promtool"), why: "metrics format checks and the Prometheus adapter tests" },
  { name: "Alertmanager", aptPackage: "prometheus-alertmanager", present: has("/usr/bin/prometheus-alertmanager"), why: "the alerting comparison's integration test and benchmark" },
];

function isRootOnDebian(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0 && existsSync("/usr/bin/apt-get") && existsSync("/etc/debian_version");
}

export function ensureSystemDeps(): boolean {
  let missing = SYSTEM_DEPS.filter((d) => !d.present());
  if (missing.length === 0) return true;
  const pkgs = missing.map((d) => d.aptPackage);
  if (isRootOnDebian()) {
    console.log(`[deps] installing with apt: ${pkgs.join(" ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
    if (r.status !== 0) console.error(`[deps] apt-get install exited with ${r.status}`);
    missing = SYSTEM_DEPS.filter((d) => !d.present());
  }
  if (missing.length > 0) {
    console.error("[deps] missing system packages:");
    for (const d of missing) console.error(`  - ${d.name} (Debian/Ubuntu package "${d.aptPackage}") for ${d.why}`);
    console.error(`[deps] install them with: sudo apt-get install -y ${missing.map((d) => d.aptPackage).join(" ")}`);
    return false;
  }
  return true;
}

if (process.argv[1] && /system-deps\.ts$/.test(process.argv[1])) {
  const ok = ensureSystemDeps();
  if (ok) console.log("[deps] all system packages present");
  process.exit(ok ? 0 : 1);
}
