// Runs once when a server instance starts: validates the environment and fleet config, opens the
// database and applies migrations; any failure stops the process with a message naming the cause.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return; // Next's own switch: the edge runtime opens no database
  const { bootOrExit } = await import("./lib/boot");
  await bootOrExit();
}
