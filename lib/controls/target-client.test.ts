import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TargetConfig } from "../config/fleet";
import type { Fleet, SimSystemInfo } from "../sim";
import { startTestFleet } from "../sim/testing";
import { pollerFor } from "../telemetry/sources/pollers";
import { targetUrl } from "../telemetry/sources/http";
import { callControl, readTargetState } from "./target-client";

// A target published behind a path prefix (a reverse proxy serving the exchange at /venues/spot/)
// is polled and controlled at the same address: the collector's reads and the control call and
// its state reads all go through the prefix. The proxy is a real HTTP server in front of the
// simulated exchange and answers 404 for anything outside the prefix, as a real one would.

const PREFIX = "/venues/spot";

describe("targetUrl", () => {
  it("keeps a base-URL path prefix, with or without a trailing slash", () => {
    expect(targetUrl("http://h:1/bot", "/internal/health")).toBe("http://h:1/bot/internal/health");
    expect(targetUrl("http://h:1/bot/", "internal/health")).toBe("http://h:1/bot/internal/health");
    expect(targetUrl("http://h:1", "/metrics")).toBe("http://h:1/metrics");
    expect(targetUrl("http://h:1/a/b/", "/control/symbol-mode")).toBe("http://h:1/a/b/control/symbol-mode");
  });
  it("names a base URL that cannot be one", () => {
    expect(() => targetUrl("not a url", "/status")).toThrow(/Invalid URL/);
  });
});

describe("a target behind a path prefix", () => {
  let fleet: Fleet;
  let proxy: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    fleet = await startTestFleet({ kinds: ["spot-exchange"] });
    const upstream = new URL(fleet.systems[0]!.url);
    proxy = createServer((req, res) => {
      const url = req.url ?? "/";
      seen.push(`${req.method} ${url}`);
      if (!url.startsWith(`${PREFIX}/`)) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not behind this proxy");
        return;
      }
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: url.slice(PREFIX.length),
          headers: { ...req.headers, host: upstream.host },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", () => res.writeHead(502).end());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${PREFIX}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await fleet?.stop();
  });

  it("is polled and controlled at the prefixed address", async () => {
    const sys = fleet.systems[0] as SimSystemInfo;
    const target: TargetConfig = {
      name: sys.name,
      kind: sys.kind,
      baseUrl: base,
      simulated: true,
      credentials: {},
      thresholds: {},
    };
    const access = { target, token: sys.credential, timeoutMs: 3000 };

    const polled = await pollerFor("spot-exchange")({
      target,
      token: sys.credential,
      timeoutMs: 3000,
      maxBytes: 4 * 1024 * 1024,
      now: Date.now(),
    });
    for (const e of polled.endpoints) expect(e, `${e.path}: ${e.error?.detail}`).toMatchObject({ ok: true });

    const before = await readTargetState(access);
    expect(before).toMatchObject({ ok: true, state: { kind: "spot-exchange", conflation: false } });
    const callsBefore = fleet.controlCalls(sys.name).length;
    const out = await callControl(access, "conflation", {
      reason: "prefix test",
      ticketId: "OPS-1",
      actor: "tester",
      idempotencyKey: `prefix-${process.pid}`,
      params: { on: true },
    });
    expect(out).toMatchObject({ kind: "answer", status: 200 });
    expect(
      fleet
        .controlCalls(sys.name)
        .slice(callsBefore)
        .map((c) => [c.control, c.executed]),
    ).toEqual([["conflation", true]]);
    expect(await readTargetState(access)).toMatchObject({ ok: true, state: { conflation: true } });

    // Every request, polled or controlled, went to the prefixed address; none missed it.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => !s.split(" ")[1]!.startsWith(`${PREFIX}/`))).toEqual([]);
    expect(seen).toContain(`POST ${PREFIX}/control/conflation`);
    expect(seen).toContain(`GET ${PREFIX}/admin/state`);
  });
});
