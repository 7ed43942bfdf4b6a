// `npm test`: system packages, then lint, typecheck, unit, integration and e2e — in that order,
// stopping at the first failure.
import { spawnSync } from "node:child_process";
import { ensureSystemDeps } from "./system-deps";

const steps: Array<[string, string, string[]]> = [
  ["lint", "npx", ["eslint", "--max-warnings=0", "."]],
  ["typecheck", "npx", ["tsc", "--noEmit", "-p", "."]],
  ["unit", "npx", ["vitest", "run", "--project", "unit"]],
  ["integration", "npx", ["vitest", "run", "--project", "integration"]],
  ["build", "npx", ["next", "build"]],
  ["e2e", "npx", ["playwright", "test"]],
];

const only = process.argv.slice(2);
const started = Date.now();
if (!ensureSystemDeps()) process.exit(1);
for (const [name, cmd, args] of steps) {
  if (only.length && !only.includes(name)) continue;
  const t0 = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n=== ${name} FAILED after ${secs}s (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  console.log(`=== ${name} passed in ${secs}s`);
}
console.log(`\nAll steps passed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
