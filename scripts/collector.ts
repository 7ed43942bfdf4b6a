// `npm run collector`: the telemetry collector alone, for deployments that run it apart from the
// web servers. Needs DATABASE_URL (PostgreSQL): several may run; exactly one leads at a time.
import { env } from "../lib/env";
import { describeStartupError } from "../lib/boot";
import { loadStartupConfig } from "../lib/config/current";

async function main() {
  const e = env();
  if (!e.DATABASE_URL) {
    console.error(
      "npm run collector needs DATABASE_URL (PostgreSQL). With the embedded database the console server runs the collector itself.",
    );
    process.exit(1);
  }
  loadStartupConfig();
  const { startPipeline } = await import("../lib/pipeline");
  // No board feed here: this process serves no viewers.
  const rt = await startPipeline({ collect: true, feed: null });
  console.log(`[collector] instance ${rt.instanceId} started; waiting for the collector lock`);
  rt.onRole((role, reason) =>
    console.log(`[collector] ${rt.instanceId} is now ${role}${reason ? ` (${reason})` : ""}`),
  );
  const stop = async () => {
    await rt.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(describeStartupError(err));
  process.exit(1);
});
