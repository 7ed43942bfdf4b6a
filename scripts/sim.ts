// `npm run sim`: starts the simulated fleet (see docs/simulator.md).
//
//   npm run sim -- [--config config/sim-fleet.yaml] [--seed 42] [--speed 1]
//                  [--scenario <name>[@target]]... [--ingest-url <url> --ingest-token <token>]
//                  [--port-base <n>]

import { parseArgs } from "node:util";
import { listScenarios, loadSimFleetConfig, SimConfigError, startFleet } from "../lib/sim";

function fail(message: string): never {
  console.error(`sim: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: "config/sim-fleet.yaml" },
      seed: { type: "string" },
      speed: { type: "string", default: "1" },
      scenario: { type: "string", multiple: true, default: [] },
      "ingest-url": { type: "string" },
      "ingest-token": { type: "string" },
      "port-base": { type: "string" },
      "list-scenarios": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: npm run sim -- [--config file] [--seed n] [--speed factor] [--scenario name[@target]]... [--ingest-url url --ingest-token token] [--port-base n] [--list-scenarios]",
    );
    return;
  }
  if (values["list-scenarios"]) {
    for (const s of listScenarios()) console.log(`${s.name.padEnd(32)} ${s.kind.padEnd(14)} ${s.playbook}`);
    return;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`--seed must be an integer, got ${values.seed}`);
  const speed = Number(values.speed);
  if (!(speed > 0)) fail(`--speed must be a positive number, got ${values.speed}`);
  const portBase = values["port-base"] === undefined ? undefined : Number(values["port-base"]);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase >= 0))
    fail("--port-base must be a non-negative integer");
  const ingestUrl = values["ingest-url"];
  const ingestToken = values["ingest-token"];
  if (Boolean(ingestUrl) !== Boolean(ingestToken)) fail("--ingest-url and --ingest-token go together");

  let config;
  try {
    config = loadSimFleetConfig(values.config);
  } catch (err) {
    fail(
      err instanceof SimConfigError
        ? err.message
        : `cannot read ${values.config}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  const fleet = await startFleet({
    config,
    seed,
    clock: { speed },
    portBase,
    ingest: ingestUrl && ingestToken ? { url: ingestUrl, token: ingestToken } : undefined,
  });

  console.log(`Watchfloor simulator: seed ${fleet.seed}, ${speed}x real time, admin API ${fleet.adminUrl}`);
  for (const s of fleet.systems)
    console.log(`  ${s.name.padEnd(16)} ${s.kind.padEnd(14)} ${s.url.padEnd(24)} credential ${s.credential}`);
  if (ingestUrl) console.log(`  futures-bot records pushed to ${ingestUrl}`);

  for (const spec of values.scenario) {
    const [name, target] = spec.split("@");
    try {
      const r = fleet.startScenario(name ?? "", target || undefined);
      console.log(`  scenario ${r.name} started on ${r.target}`);
    } catch (err) {
      await fleet.stop();
      fail(err instanceof Error ? err.message : String(err));
    }
  }

  const shutdown = async (signal: string) => {
    console.log(`\nsim: ${signal}, stopping`);
    await fleet.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // The listeners keep the process alive.
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
