// Unit tests for the Prometheus HTTP API adapter. Hand-written API answers (shaped like the
// Prometheus 2.x documentation's examples) are served by a tiny node:http server on loopback, so
// the adapter's real fetch path — timeout, size cap, status handling — is exercised too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePromApiBody, queryInstant, queryRange, type PromRequestOptions } from "./prometheus-api";

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
let seen: Seen[] = [];

function reply(status: number, body: unknown, contentType = "application/json"): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const s: Seen = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
  handler = reply(500, "no handler");
});

const OPTS: PromRequestOptions = { timeoutMs: 2_000, maxBytes: 64 * 1024, system: "alpha-bot" };

const VECTOR = {
  status: "success",
  data: {
    resultType: "vector",
    result: [
      {
        metric: {
          __name__: "available_capital_gauge",
          job: "alpha-bot",
          instance: "127.0.0.1:4101",
          profile_id: "eth-grid",
        },
        value: [1767571200.5, "9876.25"],
      },
      {
        metric: { __name__: "engine_open_orders", job: "spot-exchange", symbol: "BTC-USD" },
        value: [1767571200.5, "42"],
      },
      { metric: { __name__: "trading_paused", job: "alpha-bot" }, value: [1767571200.5, "0"] },
      { metric: { __name__: "odd", profile_id: "", symbol: "ETH-USD" }, value: [1767571200.5, "1"] },
    ],
  },
};

describe("queryInstant", () => {
  it("maps a vector: system, entity from profile_id then symbol, labels without __name__, ms time", async () => {
    handler = reply(200, VECTOR);
    const r = await queryInstant(base, "up", OPTS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.resultType).toBe("vector");
    expect(r.value.warnings).toEqual([]);
    expect(r.value.samples).toEqual([
      {
        system: "alpha-bot",
        entity: "eth-grid",
        metric: "available_capital_gauge",
        labels: { job: "alpha-bot", instance: "127.0.0.1:4101", profile_id: "eth-grid" },
        value: 9876.25,
        observedAt: 1767571200500,
      },
      {
        system: "alpha-bot",
        entity: "BTC-USD",
        metric: "engine_open_orders",
        labels: { job: "spot-exchange", symbol: "BTC-USD" },
        value: 42,
        observedAt: 1767571200500,
      },
      {
        system: "alpha-bot",
        entity: "*",
        metric: "trading_paused",
        labels: { job: "alpha-bot" },
        value: 0,
        observedAt: 1767571200500,
      },
      // An empty label counts as absent, as in Prometheus.
      {
        system: "alpha-bot",
        entity: "ETH-USD",
        metric: "odd",
        labels: { profile_id: "", symbol: "ETH-USD" },
        value: 1,
        observedAt: 1767571200500,
      },
    ]);
  });

  it("takes the system from a label function and drops series it cannot place", async () => {
    handler = reply(200, VECTOR);
    const r = await queryInstant(base, "up", { ...OPTS, system: (l) => l.job, entityLabels: ["symbol"] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.samples.map((s) => [s.system, s.entity, s.metric])).toEqual([
      ["alpha-bot", "*", "available_capital_gauge"],
      ["spot-exchange", "BTC-USD", "engine_open_orders"],
      ["alpha-bot", "*", "trading_paused"],
    ]);
  });

  it("sends GET /api/v1/query with query, time, server timeout and the caller's headers", async () => {
    handler = reply(200, { status: "success", data: { resultType: "vector", result: [] } });
    const r = await queryInstant(
      `${base}/prom/`,
      'sum by (profile_id) (rate(orders_placed_total{intent="entry"}[5m]))',
      {
        ...OPTS,
        time: new Date("2026-01-05T00:00:01.250Z"),
        headers: { authorization: "Bearer t0ken" },
      },
    );
    expect(r).toMatchObject({ ok: true, value: { samples: [] } });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe("GET");
    expect(req.path).toBe("/prom/api/v1/query");
    expect(req.query.get("query")).toBe('sum by (profile_id) (rate(orders_placed_total{intent="entry"}[5m]))');
    expect(req.query.get("time")).toBe("1767571201.250");
    expect(req.query.get("timeout")).toBe("2000ms");
    expect(req.headers.authorization).toBe("Bearer t0ken");
    expect(req.headers.accept).toBe("application/json");
  });

  it("leaves out time and the server timeout when not wanted", async () => {
    handler = reply(200, { status: "success", data: { resultType: "vector", result: [] } });
    await queryInstant(base, "up", { ...OPTS, serverTimeout: false });
    expect([...seen[0]!.query.keys()]).toEqual(["query"]);
  });

  it("posts a form when asked, and on its own for a long query", async () => {
    handler = reply(200, { status: "success", data: { resultType: "vector", result: [] } });
    await queryInstant(base, "up", { ...OPTS, method: "POST", time: 1_000 });
    const long = `up{${Array.from({ length: 300 }, (_, i) => `job!="j${i}"`).join(",")}}`;
    await queryInstant(base, long, OPTS);
    for (const req of seen) {
      expect(req.method).toBe("POST");
      expect(req.path).toBe("/api/v1/query");
      expect([...req.query.keys()]).toEqual([]);
      expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    }
    expect(new URLSearchParams(seen[0]!.body).get("time")).toBe("1.000");
    expect(new URLSearchParams(seen[1]!.body).get("query")).toBe(long);
  });

  it("maps a scalar under the alias, or under the expression when there is none", async () => {
    handler = reply(200, { status: "success", data: { resultType: "scalar", result: [1767571200, "0.25"] } });
    const named = await queryInstant(base, "scalar(sum(up))", { ...OPTS, metric: "targets_up_ratio" });
    const unnamed = await queryInstant(base, "scalar(sum(up))", OPTS);
    expect(named).toMatchObject({
      ok: true,
      value: {
        resultType: "scalar",
        samples: [
          {
            system: "alpha-bot",
            entity: "*",
            metric: "targets_up_ratio",
            labels: {},
            value: 0.25,
            observedAt: 1767571200000,
          },
        ],
      },
    });
    expect(unnamed).toMatchObject({ ok: true, value: { samples: [{ metric: "scalar(sum(up))" }] } });
  });

  it("uses the alias for unnamed vector series but keeps real names", async () => {
    handler = reply(200, {
      status: "success",
      data: {
        resultType: "vector",
        result: [
          { metric: { profile_id: "btc-trend" }, value: [1, "3"] },
          { metric: { __name__: "up" }, value: [1, "1"] },
        ],
      },
    });
    const r = await queryInstant(base, "x", { ...OPTS, metric: "entries_per_min" });
    expect(r.ok && r.value.samples.map((s) => s.metric)).toEqual(["entries_per_min", "up"]);
  });

  it("returns a string result without samples", async () => {
    handler = reply(200, { status: "success", data: { resultType: "string", result: [1767571200.001, "hello"] } });
    const r = await queryInstant(base, '"hello"', OPTS);
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        resultType: "string",
        samples: [],
        stringValue: { value: "hello", observedAt: 1767571200001 },
      }),
    });
  });

  it("carries NaN, +Inf and -Inf, and exponent forms", async () => {
    handler = reply(200, {
      status: "success",
      data: {
        resultType: "vector",
        result: ["NaN", "+Inf", "-Inf", "1e-05", "-0.5"].map((v, i) => ({
          metric: { __name__: "q", i: String(i) },
          value: [1, v],
        })),
      },
    });
    const r = await queryInstant(base, "q", OPTS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const values = r.value.samples.map((s) => s.value);
    expect(Number.isNaN(values[0])).toBe(true);
    expect(values.slice(1)).toEqual([Infinity, -Infinity, 0.00001, -0.5]);
  });

  it("passes warnings through and counts native-histogram points it cannot map", async () => {
    handler = reply(200, {
      status: "success",
      warnings: ["PromQL info: metric might not be a counter"],
      data: {
        resultType: "vector",
        result: [
          { metric: { __name__: "lat" }, histogram: [1, { count: "3", sum: "1.5", buckets: [[0, "0.5", "1", "3"]] }] },
          { metric: { __name__: "up" }, value: [1, "1"] },
        ],
      },
    });
    const r = await queryInstant(base, "q", OPTS);
    expect(r).toMatchObject({
      ok: true,
      value: { warnings: ["PromQL info: metric might not be a counter"], skippedNativeHistograms: 1 },
    });
    expect(r.ok && r.value.samples.map((s) => s.metric)).toEqual(["up"]);
  });
});

describe("queryRange", () => {
  it("sends start, end and step, and returns one Sample per point", async () => {
    handler = reply(200, {
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          {
            metric: { __name__: "available_capital_gauge", profile_id: "sol-grid" },
            values: [
              [1767571200, "9000"],
              [1767571215, "8750.5"],
              [1767571230, "NaN"],
            ],
          },
          { metric: { __name__: "available_capital_gauge", profile_id: "eth-trend" }, values: [[1767571230, "18000"]] },
        ],
      },
    });
    const r = await queryRange(base, "available_capital_gauge", {
      ...OPTS,
      start: 1767571200000,
      end: new Date(1767571230000),
      stepSeconds: 15,
    });
    const req = seen[0]!;
    expect(req.path).toBe("/api/v1/query_range");
    expect(Object.fromEntries(req.query)).toMatchObject({
      query: "available_capital_gauge",
      start: "1767571200.000",
      end: "1767571230.000",
      step: "15",
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.resultType).toBe("matrix");
    expect(r.value.samples.map((s) => [s.entity, s.observedAt, s.value])).toEqual([
      ["sol-grid", 1767571200000, 9000],
      ["sol-grid", 1767571215000, 8750.5],
      ["sol-grid", 1767571230000, NaN],
      ["eth-trend", 1767571230000, 18000],
    ]);
    // Points of one series do not share a labels object (a consumer may mutate one).
    expect(r.value.samples[0]!.labels).not.toBe(r.value.samples[1]!.labels);
  });
});

describe("errors", () => {
  it("turns a Prometheus error envelope into an http error with errorType and message", async () => {
    handler = reply(400, {
      status: "error",
      errorType: "bad_data",
      error: 'invalid parameter "query": 1:10: parse error: unclosed left parenthesis',
    });
    expect(await queryInstant(base, "sum(rate(x", OPTS)).toEqual({
      ok: false,
      error: {
        kind: "http",
        detail:
          'HTTP 400: Prometheus bad_data error: invalid parameter "query": 1:10: parse error: unclosed left parenthesis',
      },
    });
    handler = reply(422, {
      status: "error",
      errorType: "execution",
      error: "query processing would load too many samples into memory in query execution",
    });
    expect(await queryRange(base, "x", { ...OPTS, start: 0, end: 1e9, stepSeconds: 1 })).toMatchObject({
      ok: false,
      error: { kind: "http", detail: expect.stringMatching(/^HTTP 422: Prometheus execution error: query processing/) },
    });
    handler = reply(503, { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" });
    expect(await queryInstant(base, "x", OPTS)).toMatchObject({
      ok: false,
      error: { kind: "http", detail: "HTTP 503: Prometheus timeout error: query timed out in expression evaluation" },
    });
  });

  it("treats an error envelope on 200 as an http error too", async () => {
    handler = reply(200, { status: "error", errorType: "internal", error: "boom" });
    expect(await queryInstant(base, "x", OPTS)).toMatchObject({
      ok: false,
      error: { kind: "http", detail: "HTTP 200: Prometheus internal error: boom" },
    });
  });

  it("reports a non-JSON error page as http with the status and a snippet", async () => {
    handler = reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
    const r = await queryInstant(base, "x", OPTS);
    expect(r).toMatchObject({
      ok: false,
      error: { kind: "http", detail: expect.stringMatching(/^HTTP 502: <html>.*Bad Gateway/) },
    });
  });

  it("reports malformed JSON on 200 as parse", async () => {
    handler = reply(200, '{"status":"success","data":{"resultType":"vector","result":[{"metric":');
    expect(await queryInstant(base, "x", OPTS)).toMatchObject({
      ok: false,
      error: { kind: "parse", detail: expect.stringContaining("not JSON") },
    });
  });

  it.each([
    ["no status", { data: { resultType: "vector", result: [] } }, /at status/],
    ["unknown resultType", { status: "success", data: { resultType: "histogram", result: [] } }, /at data\.resultType/],
    [
      "value not a number string",
      { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "twelve"] }] } },
      /at data\.result\.0\.value\.1: not a sample value: "twelve"/,
    ],
    [
      "value as a JSON number",
      { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[1, 2]] }] } },
      /at data\.result\.0\.values\.0\.1/,
    ],
    [
      "label value not a string",
      { status: "success", data: { resultType: "vector", result: [{ metric: { le: 1 }, value: [1, "1"] }] } },
      /at data\.result\.0\.metric\.le/,
    ],
    ["error envelope without errorType", { status: "error", error: "x" }, /at errorType/],
  ])("reports an envelope that does not validate as schema: %s", async (_name, body, detail) => {
    handler = reply(200, body);
    const r = await queryInstant(base, "x", OPTS);
    expect(r).toMatchObject({ ok: false, error: { kind: "schema" } });
    if (!r.ok) expect(r.error.detail).toMatch(detail);
  });

  it("times out on a server that never answers", async () => {
    handler = () => {
      /* never respond */
    };
    const r = await queryInstant(base, "x", { ...OPTS, timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, error: { kind: "timeout" } });
  });

  it("times out on a body that stalls half-way", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","data":');
    };
    const r = await queryInstant(base, "x", { ...OPTS, timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, error: { kind: "timeout" } });
  });

  it("refuses a body over the size cap", async () => {
    const big = {
      status: "success",
      data: {
        resultType: "vector",
        result: Array.from({ length: 2_000 }, (_, i) => ({ metric: { __name__: "m", i: String(i) }, value: [1, "1"] })),
      },
    };
    handler = reply(200, big);
    expect(await queryInstant(base, "x", { ...OPTS, maxBytes: 1_024 })).toMatchObject({
      ok: false,
      error: { kind: "http", detail: expect.stringContaining("1024-byte cap") },
    });
  });

  it("reports a refused connection as network", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await queryInstant(`http://127.0.0.1:${port}`, "x", OPTS)).toMatchObject({
      ok: false,
      error: { kind: "network", detail: "ECONNREFUSED" },
    });
  });

  it("does not throw when the system function does", async () => {
    handler = reply(200, VECTOR);
    const r = await queryInstant(base, "x", {
      ...OPTS,
      system: () => {
        throw new Error("mapping bug");
      },
    });
    expect(r).toMatchObject({ ok: false, error: { kind: "parse", detail: expect.stringContaining("mapping bug") } });
  });
});

describe("parsePromApiBody", () => {
  it("validates a body fetched by other means", () => {
    expect(parsePromApiBody(JSON.stringify(VECTOR), 200)).toMatchObject({
      ok: true,
      value: { status: "success", data: { resultType: "vector" } },
    });
    expect(parsePromApiBody("{}", 500)).toMatchObject({ ok: false, error: { kind: "http", detail: "HTTP 500: {}" } });
    expect(parsePromApiBody("", 200)).toMatchObject({ ok: false, error: { kind: "parse" } });
  });
});
