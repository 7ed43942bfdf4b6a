// The npm registry this project's machines reach serves only Linux builds of platform-specific
// packages, so `npm install` leaves other platforms' optional binaries out of package-lock.json and
// `npm ci` then refuses the lock as out of sync. This adds an entry for every optional dependency
// the lock lacks, guarded by the os/cpu its name states, so npm skips it on this platform.
// Run after changing dependencies: `npx tsx scripts/fix-lockfile.ts`.
import { readFileSync, writeFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
}

export function platformOf(name: string): { os?: string; cpu?: string } {
  const n = name.split("/").pop() ?? name;
  const os = [/darwin/, /win32/, /android/, /freebsd/, /openharmony/, /sunos/, /netbsd/, /openbsd/, /aix/]
    .map((re) => re.source)
    .find((o) => n.includes(o));
  const cpu = ["wasm32", "arm64", "loong64", "ppc64", "riscv64", "s390x", "ia32", "x64", "mips64el", "arm"].find((c) =>
    n.includes(c),
  );
  return { os: os ?? (n.includes("wasm32") ? undefined : "linux"), cpu };
}

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, LockEntry> };
let added = 0;
for (const [, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key]) continue;
    const { os, cpu } = platformOf(dep);
    lock.packages[key] = {
      version,
      optional: true,
      ...(entry.dev ? { dev: true } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`fix-lockfile: added ${added} platform-guarded optional entries to ${file}`);
