import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cookieLookup, actorFromCookies } from "../auth/verify";
import { securityHeaders } from "../security/headers";
import { boardReply, openViewer, statusReply, STREAM_HEADERS, type Reply } from "./replies";
import { getBoardFeed } from "./board-feed";

// The live edge: the three addresses every viewer holds or polls (GET /api/stream, /api/board,
// /api/status/<token>), answered straight on Node's HTTP server in front of Next (server.mjs
// hands every request here first and the rest to Next's request handler). Each stream costs a
// socket and a hub entry instead of a framework request with a web stream; the session is checked
// once when a stream opens, by the same check as every other route (lib/auth/verify.ts), and the
// replies and security headers are the ones the route handlers send (lib/live/replies.ts,
// lib/security/headers.ts). Any other method or address is Next's.

/** Bytes a stream may have waiting in its socket before the viewer counts as fallen behind and is dropped. */
const MAX_BUFFERED_BYTES = 1 << 20;

type Route = { kind: "board" } | { kind: "stream" } | { kind: "status"; token: string };

export function routeOf(method: string | undefined, url: string | undefined): Route | null {
  if (method !== "GET" || !url) return null;
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (path === "/api/board") return { kind: "board" };
  if (path === "/api/stream") return { kind: "stream" };
  const m = /^\/api\/status\/([^/]+)$/.exec(path);
  if (!m) return null;
  try {
    return { kind: "status", token: decodeURIComponent(m[1]!) };
  } catch {
    return null; // Next answers an address it cannot decode, as before
  }
}

function headersFor(req: IncomingMessage, route: Route, own: Record<string, string>): Record<string, string> {
  return {
    ...securityHeaders({ tls: req.headers["x-forwarded-proto"] === "https", status: route.kind === "status" }),
    ...own,
  };
}

function send(req: IncomingMessage, res: ServerResponse, route: Route, r: Reply) {
  res.writeHead(r.status, headersFor(req, route, r.headers));
  res.end(r.body ?? undefined);
}

async function serve(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  if (route.kind === "status") return send(req, res, route, await statusReply(route.token));
  const actor = await actorFromCookies(cookieLookup(req.headers.cookie));
  if (route.kind === "board") return send(req, res, route, await boardReply(actor, req.headers["if-none-match"]));
  if (!actor) {
    return send(req, res, route, {
      status: 401,
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: "Sign in to watch the board.",
    });
  }
  res.writeHead(200, headersFor(req, route, STREAM_HEADERS));
  const detach = await openViewer(actor, {
    write(chunk) {
      if (res.destroyed || res.writableEnded || res.writableLength > MAX_BUFFERED_BYTES) return false;
      res.write(chunk);
      return true;
    },
    end(reason) {
      // A viewer dropped for falling behind may not be reading at all: free its socket and buffer
      // now rather than wait for it to drain.
      if (reason === "behind") res.destroy();
      else if (!res.writableEnded) res.end();
    },
  });
  res.on("close", () => detach?.());
  if (res.destroyed) detach?.();
}

/** Answers the request if it is one of the edge's; false leaves it to Next. */
export function liveEdge(req: IncomingMessage, res: ServerResponse): boolean {
  const route = routeOf(req.method, req.url);
  if (!route) return false;
  serve(req, res, route).catch((err: unknown) => {
    console.error(`[live-edge] ${req.method} ${loggedPath(req.url)} failed:`, err);
    if (!res.headersSent)
      send(req, res, route, {
        status: 500,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ error: "Internal Server Error" }),
      });
    else res.destroy();
  });
  return true;
}

/** A request path fit for a log: no query, and a status link's token (its credential) left out. */
export function loggedPath(url: string | undefined): string {
  return (url ?? "").split("?")[0]!.replace(/\/status\/[^/]+/, "/status/<token>");
}

export interface LiveEdge {
  /** Answers the request if it is one of the edge's; false leaves it to Next. */
  handle: typeof liveEdge;
  /** Ends every open board stream (the server is shutting down). */
  closeStreams(): void;
}

const KEY = Symbol.for("watchfloor.live-edge");

/** Offers the edge to server.mjs (which looks it up per request; until then Next serves everything). */
export function registerLiveEdge(): void {
  (globalThis as { [KEY]?: LiveEdge })[KEY] = { handle: liveEdge, closeStreams: () => getBoardFeed().hub.closeAll() };
}
