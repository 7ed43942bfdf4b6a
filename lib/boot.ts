import "server-only";
import { EnvError, env } from "./env";
import { ConfigError } from "./config/fleet";
import { RulesFileError } from "./rules/user/schema";
import { loadStartupConfig } from "./config/current";

// Server start-up and the start-up error text shared with the CLI scripts: a bad environment
// variable or fleet config stops the process with a message that names the field. It starts the
// services (the live pipeline is wired in pipeline.ts); nothing in lib imports it (services read
// the config through config/current.ts).

/** Formats a start-up failure for a human, or rethrows what is not a known start-up problem. */
export function describeStartupError(err: unknown): string {
  if (err instanceof EnvError || err instanceof ConfigError || err instanceof RulesFileError) return err.message;
  if (err instanceof Error && err.name === "DatabaseInUseError") return err.message;
  return `Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** Server start-up: validate, open and migrate, start the collector; on failure print the reason and exit. */
export async function bootOrExit(): Promise<void> {
  const { getDatabase } = await import("./db");
  try {
    loadStartupConfig();
    await getDatabase();
    // Before anything else can start a call: requests a previous process left mid-call.
    const { startControlRecovery } = await import("./controls/api");
    await startControlRecovery();
    // Every instance runs the live pipeline's bus and board feed; with the collector off it never
    // polls or evaluates, and serves what the leader stores.
    const { startPipeline } = await import("./pipeline");
    await startPipeline({ collect: env().WATCHFLOOR_COLLECTOR !== "off" });
    // Under `npm start` (server.mjs) the live edge answers the stream, board and status APIs.
    const { registerLiveEdge } = await import("./live/edge");
    registerLiveEdge();
  } catch (err) {
    console.error(`\n[watchfloor] ${describeStartupError(err)}\n`);
    process.exit(1);
  }
}
