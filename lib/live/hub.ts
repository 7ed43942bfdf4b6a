import "server-only";

// Fan-out of server-sent events to every open viewer. Each payload is serialised once and written
// to all clients; a client that falls behind (its stream's queue keeps growing) is dropped instead
// of being buffered without bound, and reconnects on its own. One heartbeat for all clients: a
// named `ping` event every few seconds (so a client can tell a live but quiet stream from a dead
// one), which also ends the streams whose session has expired.

/** Why the hub ends a stream: a viewer that fell behind may not be reading at all (free it now). */
export type CloseReason = "behind" | "expired" | "shutdown";

export interface LiveClient {
  id: number;
  /** Writes one SSE chunk; returns false when the client is too far behind and must be dropped. */
  write(chunk: string): boolean;
  close(reason: CloseReason): void;
  /** When the viewer's session ends (ms since the epoch): the stream is told and closed then. */
  expiresAt?: number;
}

export function sseEvent(event: string, data: string, id?: string | number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${data.replace(/\n/g, "\ndata: ")}\n\n`;
}

/** How often every stream gets a ping (the browser's watchdog allows 12 s of silence). */
export const HEARTBEAT_MS = 5_000;

export class LiveHub {
  private readonly clients = new Map<number, LiveClient>();
  private nextId = 1;
  private heartbeat?: NodeJS.Timeout;
  dropped = 0;

  add(make: (id: number) => LiveClient): LiveClient {
    const client = make(this.nextId++);
    this.clients.set(client.id, client);
    this.startHeartbeat();
    return client;
  }

  remove(id: number): void {
    this.clients.delete(id);
  }

  get size(): number {
    return this.clients.size;
  }

  broadcast(chunk: string): void {
    for (const c of this.clients.values()) if (!this.send(c, chunk)) this.drop(c);
  }

  /** Pings every client and ends the streams of expired sessions (the heartbeat calls this). */
  beat(now = Date.now()): void {
    const ping = sseEvent("ping", String(now));
    const expired = sseEvent("expired", JSON.stringify({ reason: "session expired" }));
    for (const c of this.clients.values()) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) {
        this.send(c, expired);
        this.end(c, "expired");
      } else if (!this.send(c, ping)) this.drop(c);
    }
  }

  /** Closes every client (the server is shutting down). */
  closeAll(): void {
    for (const c of [...this.clients.values()]) this.end(c, "shutdown");
  }

  private startHeartbeat() {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref?.();
  }

  private send(c: LiveClient, chunk: string): boolean {
    try {
      return c.write(chunk);
    } catch {
      return false;
    }
  }

  private drop(c: LiveClient) {
    this.dropped++;
    this.end(c, "behind");
  }

  private end(c: LiveClient, reason: CloseReason) {
    this.clients.delete(c.id);
    try {
      c.close(reason);
    } catch {
      /* already closed */
    }
  }
}
