// Runs once when a server instance starts. Validates the environment and fleet config, opens the
// database and applies migrations; any failure stops the process with a message naming the cause.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return; // Next's own switch: the edge runtime opens no database
  const { loadStartupConfig, describeStartupError } = await import("./lib/boot");
  const { getDatabase } = await import("./lib/db");
  try {
    loadStartupConfig();
    await getDatabase();
  } catch (err) {
    console.error(`\n[watchfloor] ${describeStartupError(err)}\n`);
    process.exit(1);
  }
}
