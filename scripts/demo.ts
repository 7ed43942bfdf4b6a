// `npm run demo`: validate config, seed users on first start, build if needed, start the
// simulated fleet and the production server on http://localhost:3000 with the embedded database.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { serverNodeArgs } from "./server-node-args";
import { nodeExporterInstalled, startNodeExporter } from "../lib/testing/node-exporter";

const { values: flags } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT || "3000" },
    rebuild: { type: "boolean", default: false },
    "no-sim": { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    speed: { type: "string", default: "1" },
    scenario: { type: "string", multiple: true },
  },
});

const root = process.cwd();
const port = Number(flags.port);
/** Where config/fleet.yaml's host-node target is scraped. */
const DEMO_NODE_EXPORTER_PORT = 4105;

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(tsx?|css|js|mjs|json)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  const id = path.join(root, ".next/BUILD_ID");
  if (flags.rebuild || !existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  const sources = Math.max(
    ...["app", "components", "lib", "public"].map((d) => newestMtime(path.join(root, d))),
    statSync(path.join(root, "next.config.ts")).mtimeMs,
  );
  return sources > built;
}

async function main() {
  // Environment for the server and this script: the embedded database, a persistent auth secret,
  // and the simulated fleet's credentials (the shipped fleet config refers to them by name).
  const dataDir = path.resolve(process.env.WATCHFLOOR_DATA_DIR || "./data");
  mkdirSync(dataDir, { recursive: true });
  const secretFile = path.join(dataDir, ".nextauth-secret");
  if (!process.env.NEXTAUTH_SECRET) {
    if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString("base64url"), { mode: 0o600 });
    process.env.NEXTAUTH_SECRET = readFileSync(secretFile, "utf8").trim();
  }
  process.env.WATCHFLOOR_DATA_DIR = dataDir;
  process.env.NEXTAUTH_URL ||= `http://localhost:${port}`;
  (process.env as Record<string, string>).NODE_ENV = "production";

  const sim = flags["no-sim"] ? null : await import("./demo-fleet").then((m) => m.prepareDemoFleet(process.env));
  // The shipped config's notification channels point at a local receiver on port 4180 that stands
  // in for Slack, PagerDuty and a webhook (README "Paging and notifications").
  const notify = await import("./demo-notify").then((m) => m.prepareDemoNotify(process.env));

  const { describeStartupError } = await import("../lib/boot");
  const { loadStartupConfig } = await import("../lib/config/current");
  try {
    loadStartupConfig();
  } catch (err) {
    console.error(`\n${describeStartupError(err)}\n`);
    process.exit(1);
  }

  {
    // Seed on first start, on either database. The server opens the database itself afterwards.
    const { openDatabase } = await import("../lib/db/client");
    const { seedDemoUsers } = await import("../lib/users/seed");
    let h;
    try {
      h = await openDatabase({ url: process.env.DATABASE_URL, dataDir });
    } catch (err) {
      console.error(`\n${describeStartupError(err)}\n`);
      process.exit(1);
    }
    const seeded = await seedDemoUsers(h.db);
    await h.close();
    if (seeded.length) {
      console.log("\nFirst start: one user per role was created. These passwords are shown only now:\n");
      for (const u of seeded)
        console.log(`  ${u.role.padEnd(10)} username: ${u.username.padEnd(10)} password: ${u.password}`);
      console.log("\nManage users later with `npm run users -- list|add|set-role|disable`.\n");
    }
  }

  if (needsBuild()) {
    console.log("Building the production server (next build)…");
    const r = spawnSync("npx", ["next", "build"], {
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }

  const receiver = await notify.start();
  // The demo's host target (config/fleet.yaml host-node): a real node_exporter as a child process on
  // loopback, when the package is installed. Without it the target shows as down, not faked.
  const host = nodeExporterInstalled()
    ? await startNodeExporter({ port: DEMO_NODE_EXPORTER_PORT }).catch((err: Error) => {
        console.warn(`[demo] node_exporter did not start (${err.message.split("\n")[0]}); host-node will show as down`);
        return undefined;
      })
    : (console.warn(
        "[demo] prometheus-node-exporter is not installed: host-node will show as down (npm run deps:system)",
      ),
      undefined);
  if (host) console.log(`  node_exporter (host-node)  ${host.url}/metrics`);
  const fleet = sim
    ? await sim.start({
        seed: Number(flags.seed),
        speed: Number(flags.speed),
        scenarios: flags.scenario ?? [],
        consoleUrl: `http://127.0.0.1:${port}`,
      })
    : null;

  // Node runs the production server (server.mjs, what `npm start` runs) as this script's direct
  // child, so a signal sent to the script reaches it.
  const server = spawn(process.execPath, [...serverNodeArgs(), "server.mjs", "-p", String(port)], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  console.log(
    `\nWatchfloor: http://localhost:${port}${fleet ? ` · simulated fleet admin API: ${fleet.adminUrl}` : ""}${receiver ? ` · notifications received: ${receiver.url}` : ""}\n`,
  );
  const shutdown = (signal: NodeJS.Signals) => {
    server.kill(signal);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  server.on("exit", async (code) => {
    await fleet?.stop();
    await receiver?.stop();
    await host?.stop();
    process.exit(code ?? 0);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
