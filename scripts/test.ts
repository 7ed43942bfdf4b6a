// `npm test`: system packages, then lint, format, typecheck, unit, build, integration and e2e — in
// that order, stopping at the first failure. Lint and typecheck are single-threaded and independent,
// so they run side by side (their output is printed whole, one after the other); so do the unit
// tests and the production build, which neither reads nor writes what the other does (the build
// is only needed by e2e). Integration and e2e run alone: both start servers and wait on real time.
import { spawn, spawnSync } from "node:child_process";
import { ensureSystemDeps } from "./system-deps";

type Step = [name: string, cmd: string, args: string[]];

const stages: Step[][] = [
  [
    ["lint", "npx", ["eslint", "--max-warnings=0", "."]],
    // The module graph (forbidden arrows, no cycles in lib/): .dependency-cruiser.cjs.
    [
      "lint:graph",
      "npx",
      ["depcruise", "app", "components", "lib", "--config", ".dependency-cruiser.cjs", "--output-type", "err-long"],
    ],
    ["typecheck", "npx", ["tsc", "--noEmit", "-p", "."]],
    // One format (prettier, .prettierrc.json; `npm run format` applies it).
    ["format", "npx", ["prettier", "--check", "--log-level", "warn", "."]],
  ],
  [
    ["unit", "npx", ["vitest", "run", "--project", "unit"]],
    ["build", "npx", ["next", "build"]],
  ],
  [["integration", "npx", ["vitest", "run", "--project", "integration"]]],
  [["e2e", "npx", ["playwright", "test"]]],
];

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

function fail(name: string, t0: number, code: number | string | null): never {
  console.error(`\n=== ${name} FAILED after ${seconds(t0)}s (exit ${code})`);
  process.exit(1);
}

/** Runs steps side by side with their output captured, then prints each in order. */
async function runTogether(steps: Step[]): Promise<void> {
  const t0 = Date.now();
  console.log(`\n=== ${steps.map(([n]) => n).join(" + ")} (side by side)`);
  const results = await Promise.all(
    steps.map(
      ([name, cmd, args]) =>
        new Promise<{ name: string; code: number | null; out: string; secs: string }>((resolve) => {
          const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          child.stdout.on("data", (d: Buffer) => (out += d.toString()));
          child.stderr.on("data", (d: Buffer) => (out += d.toString()));
          child.on("close", (code) => resolve({ name, code, out, secs: seconds(t0) }));
        }),
    ),
  );
  for (const r of results) {
    console.log(
      `\n=== ${r.name}: ${steps
        .find(([n]) => n === r.name)!
        .slice(1)
        .flat()
        .join(" ")}`,
    );
    if (r.out.trim()) process.stdout.write(r.out.endsWith("\n") ? r.out : `${r.out}\n`);
    if (r.code !== 0) fail(r.name, t0, r.code);
    console.log(`=== ${r.name} passed in ${r.secs}s`);
  }
}

async function main() {
  const only = process.argv.slice(2);
  const started = Date.now();
  if (!ensureSystemDeps()) process.exit(1);
  for (const stage of stages) {
    const steps = stage.filter(([name]) => !only.length || only.includes(name));
    if (!steps.length) continue;
    if (steps.length > 1) {
      await runTogether(steps);
      continue;
    }
    const [name, cmd, args] = steps[0]!;
    const t0 = Date.now();
    console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
    const r = spawnSync(cmd, args, { stdio: "inherit", env });
    if (r.status !== 0) fail(name, t0, r.status ?? r.signal);
    console.log(`=== ${name} passed in ${seconds(t0)}s`);
  }
  console.log(`\nAll steps passed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
}

void main();
