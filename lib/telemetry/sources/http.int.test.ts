import http from "node:http";
import type { AddressInfo } from "node:net";
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
});
