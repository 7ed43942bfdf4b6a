// @ts-check
// The production server (`npm start`, and what the demo, the e2e lanes and the bench run): Node's
// HTTP server with Next's request handler behind the live edge. The edge (lib/live/edge.ts,
// registered by the server's start-up in instrumentation.ts) answers the board stream, the board
// API and the status API itself; every other request goes to Next unchanged.
//
// Usage: node server.mjs [-p|--port <port>] [-H|--hostname <host>]   (defaults: $PORT or 3000, every interface)
import http from "node:http";

process.env.NODE_ENV = "production";

/** @param {string[]} argv */
function parseArgs(argv) {
  let port = Number(process.env.PORT || 3000);
  /** @type {string | undefined} */
  let hostname;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = argv[i + 1];
    if ((a === "-p" || a === "--port") && value !== undefined) {
      port = Number(value);
      i++;
    } else if ((a === "-H" || a === "--hostname") && value !== undefined) {
      hostname = value;
      i++;
    } else {
      console.error(`server.mjs: unknown argument "${a}" (expected -p <port> or -H <host>)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`server.mjs: the port must be a whole number between 0 and 65535, got "${port}"`);
    process.exit(2);
  }
  return { port, hostname };
}

const { port, hostname } = parseArgs(process.argv.slice(2));
const { default: next } = await import("next");
const app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? "localhost", port });
const handle = app.getRequestHandler();
const EDGE = Symbol.for("watchfloor.live-edge");

/**
 * The live edge, once start-up has registered it (lib/live/edge.ts, LiveEdge).
 * @returns {{ handle(req: http.IncomingMessage, res: http.ServerResponse): boolean; closeStreams(): void } | undefined}
 */
const liveEdge = () => /** @type {any} */ (globalThis)[EDGE];

/** A path fit for a log: no query, and a status link's token (its credential) left out. @param {string | undefined} url */
const loggedPath = (url) => (url ?? "").split("?")[0].replace(/\/status\/[^/]+/, "/status/<token>");

const server = http.createServer((req, res) => {
  if (liveEdge()?.handle(req, res)) return;
  handle(req, res).catch((/** @type {unknown} */ err) => {
    console.error(`[server] ${req.method} ${loggedPath(req.url)} failed:`, err);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end("Internal Server Error");
    } else res.destroy();
  });
});

// Start-up (instrumentation.ts: configuration, database, pipeline, the edge) runs before the port opens.
await app.prepare();
server.listen(port, hostname, () => {
  const addr = server.address();
  const shown = typeof addr === "object" && addr ? `${hostname ?? "localhost"}:${addr.port}` : String(addr);
  console.log(`[server] Watchfloor ready on http://${shown}`);
});
server.on("error", (err) => {
  console.error(`[server] cannot listen on ${hostname ?? "*"}:${port}: ${err.message}`);
  process.exit(1);
});

/** Ends open requests for this long after a signal before cutting the rest off. */
const SHUTDOWN_GRACE_MS = 10_000;
let stopping = false;
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    const code = signal === "SIGINT" ? 130 : 143;
    const exit = () => {
      void Promise.race([app.close(), new Promise((r) => setTimeout(r, 2000))]).finally(() => process.exit(code));
    };
    // No new connections; the board streams end (their browsers reconnect, to another instance or
    // to this one restarted); requests in flight (an acknowledgement, a control) may finish.
    server.close(exit);
    liveEdge()?.closeStreams();
    server.closeIdleConnections();
    setTimeout(() => {
      console.warn(`[server] requests still open after ${SHUTDOWN_GRACE_MS / 1000} s: closing them`);
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
  });
}
