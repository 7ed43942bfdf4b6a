import "server-only";

// Fan-out of server-sent events to every open viewer. Each payload is serialised once and written
// to all clients; a client that falls behind (its stream's queue keeps growing) is dropped instead
// of being buffered without bound, and reconnects on its own.

export interface LiveClient {
  id: number;
  /** Writes one SSE chunk; returns false when the client is too far behind and must be dropped. */
  write(chunk: string): boolean;
  close(): void;
}

export function sseEvent(event: string, data: string, id?: string | number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${data.replace(/\n/g, "\ndata: ")}\n\n`;
}

export class LiveHub {
  private readonly clients = new Map<number, LiveClient>();
  private nextId = 1;
  dropped = 0;

  add(make: (id: number) => LiveClient): LiveClient {
    const client = make(this.nextId++);
    this.clients.set(client.id, client);
    return client;
  }

  remove(id: number): void {
    this.clients.delete(id);
  }

  get size(): number {
    return this.clients.size;
  }

  broadcast(chunk: string): void {
    for (const c of this.clients.values()) {
      let ok = false;
      try {
        ok = c.write(chunk);
      } catch {
        ok = false;
      }
      if (!ok) {
        this.dropped++;
        this.clients.delete(c.id);
        try {
          c.close();
        } catch {
          /* already closed */
        }
      }
    }
  }
}
