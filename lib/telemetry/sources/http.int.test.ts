import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchLimited } from "./http";

// Connection reuse between polls, against a node:http server that keeps idle connections open
// and, like nginx by default, sends no `Keep-Alive: timeout=…` hint: polls 4.5 s apart (longer
// than the 4 s after which the fetch built into Node drops an idle connection it has no hint for)
// go over one TCP connection. A server that closes idle connections is reconnected to without an
// error.

let server: http.Server;
let url = "";
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end("ok\n");
  });
  server.keepAliveTimeout = 0; // no idle timeout, and no Keep-Alive header in the answers
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("polling over HTTP", () => {
  it("keeps one connection to a target across polls further apart than Node's default idle timeout", async () => {
    for (let i = 0; i < 3; i++) {
      if (i) await sleep(4_500);
      const r = await fetchLimited(url, { timeoutMs: 2_000, maxBytes: 1024 });
      expect(r.ok).toBe(true);
    }
    expect(connections).toBe(1);
  });

  it("reconnects without an error when the target closed the idle connection", async () => {
    const before = connections;
    server.closeIdleConnections();
    await sleep(50);
    const r = await fetchLimited(url, { timeoutMs: 2_000, maxBytes: 1024 });
    expect(r.ok).toBe(true);
    expect(connections).toBe(before + 1);
  });

  // The race a kept connection has with a server that drops idle ones without a hint: the server
  // closes the connection just as the next request arrives on it. Here deterministically: a raw
  // HTTP/1.1 server answers the first request on a connection and closes it at the second.
  it("sends a GET once more on a new connection when the kept one is closed under it", async () => {
    let conns = 0;
    const open = new Set<net.Socket>();
    const racy = net.createServer((sock) => {
      conns++;
      open.add(sock);
      sock.on("close", () => open.delete(sock));
      let requests = 0;
      sock.on("data", () => {
        requests++;
        if (requests === 1) sock.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n");
        else sock.destroy();
      });
    });
    await new Promise<void>((r) => racy.listen(0, "127.0.0.1", r));
    const racyUrl = `http://127.0.0.1:${(racy.address() as AddressInfo).port}/metrics`;
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetchLimited(racyUrl, { timeoutMs: 2_000, maxBytes: 1024 });
        expect(r.ok, JSON.stringify(r)).toBe(true);
      }
      // Each later poll found its connection closed and opened a new one.
      expect(conns).toBe(3);
      // A POST is not sent twice: the closed connection is an error.
      const post = await fetchLimited(racyUrl, { timeoutMs: 2_000, maxBytes: 1024, method: "POST", body: "x" });
      expect(post.ok).toBe(false);
    } finally {
      for (const sock of open) sock.destroy();
      await new Promise((r) => racy.close(r));
    }
  });
});
