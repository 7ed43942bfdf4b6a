// Supabase ledger adapter tests. No PostgREST server can run in this environment, so the
// requests supabase-js makes are answered through its own `global.fetch` option from recorded
// PostgREST responses in ./fixtures/postgrest (status, headers and body as PostgREST sends them).
// Each test checks both the request the client really made (path, select, apikey and
// Authorization) and what the adapter made of the answer.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Sample } from "../model";
import {
  createSupabaseLedgerSource,
  ledgerRowsToSamples,
  parseLedgerRows,
  readSupabaseLedger,
  type SupabaseLedgerOptions,
} from "./supabase-ledger";

const FIXTURES = fileURLToPath(new URL("./fixtures/postgrest/", import.meta.url));
const PROJECT = "https://abcdefghijklmnop.supabase.co";
const KEY = "test-service-role-key.not-a-real-jwt";
const NOW = 1_767_571_200_000;

interface Fixture {
  description: string;
  request: { method: string; path: string; select: string };
  response: { status: number; headers: Record<string, string>; json?: unknown; text?: string };
}

interface Call {
  url: URL;
  method: string;
  headers: Headers;
}

function recorded(name: string): { fixture: Fixture; fetch: typeof fetch; calls: Call[] } {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}${name}.json`, "utf8")) as Fixture;
  const calls: Call[] = [];
  const replay: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    calls.push({ url, method: init?.method ?? "GET", headers: new Headers(init?.headers) });
    const body = fixture.response.text ?? JSON.stringify(fixture.response.json);
    return new Response(body, { status: fixture.response.status, headers: fixture.response.headers });
  };
  return { fixture, fetch: replay, calls };
}

function options(over: Partial<SupabaseLedgerOptions> = {}): SupabaseLedgerOptions {
  return { url: PROJECT, key: KEY, system: "beta-bot", timeoutMs: 2_000, maxBytes: 256 * 1024, ...over };
}

/** The request matches the recording: path, select, ordering, cap, and the key in both headers. */
function expectRecordedRequest(calls: Call[], fixture: Fixture, limit = 1000): void {
  expect(calls).toHaveLength(1);
  const [call] = calls;
  expect(call!.method).toBe(fixture.request.method);
  expect(call!.url.origin).toBe(PROJECT);
  expect(call!.url.pathname).toBe(fixture.request.path);
  expect(call!.url.searchParams.get("select")).toBe(fixture.request.select);
  expect(call!.url.searchParams.get("order")).toBe("profile_id.asc");
  expect(call!.url.searchParams.get("limit")).toBe(String(limit));
  expect(call!.headers.get("apikey")).toBe(KEY);
  expect(call!.headers.get("authorization")).toBe(`Bearer ${KEY}`);
  expect(call!.headers.get("accept-profile")).toBe("public");
}

function find(samples: Sample[], entity: string, metric: string): Sample | undefined {
  return samples.find((s) => s.entity === entity && s.metric === metric);
}

describe("reading the ledger", () => {
  it("asks for the seed's ledger columns and maps every field, numbers and numeric strings alike", async () => {
    const { fixture, fetch, calls } = recorded("capital-ledger-ok");
    const r = await readSupabaseLedger(options({ fetch, statusColumn: "status" }), NOW);
    expectRecordedRequest(calls, fixture);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const { samples } = r.value;
    expect(r.value.truncated).toBe(false);
    expect(r.value.rows.map((row) => row.profileId)).toEqual([
      "avax-breakout",
      "btc-trend",
      "eth-trend",
      "link-meanrev",
      "sol-grid",
    ]);
    for (const s of samples) {
      expect(s.system).toBe("beta-bot");
      expect(s.observedAt).toBe(NOW);
    }
    expect(find(samples, "avax-breakout", "allocated")).toEqual({
      system: "beta-bot",
      entity: "avax-breakout",
      metric: "allocated",
      labels: {},
      value: 7000,
      observedAt: NOW,
    });
    expect(find(samples, "avax-breakout", "realized_pnl")?.value).toBe(-12.25);
    expect(find(samples, "avax-breakout", "available_capital")?.value).toBe(7000 - 350.5 - 1400 - 12.25);
    // btc-trend's numeric columns came as strings.
    expect(find(samples, "btc-trend", "allocated")?.value).toBe(30000);
    expect(find(samples, "btc-trend", "reserved_for_orders")?.value).toBe(1250.125);
    expect(find(samples, "btc-trend", "realized_pnl")?.value).toBe(412.8);
    expect(find(samples, "btc-trend", "available_capital")?.value).toBeCloseTo(30000 - 1250.125 - 6000 + 412.8, 9);
    // eth-trend breaks the invariant; the adapter reports it as it is.
    expect(find(samples, "eth-trend", "available_capital")?.value).toBe(-1100);
    // The extra updated_at column is ignored.
    expect(samples.some((s) => s.metric === "updated_at")).toBe(false);
  });

  it("never turns a NULL into 0: no sample for the field and no derived available capital", async () => {
    const { fetch } = recorded("capital-ledger-ok");
    const r = await readSupabaseLedger(options({ fetch, statusColumn: "status" }), NOW);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const solGrid = r.value.samples.filter((s) => s.entity === "sol-grid").map((s) => [s.metric, s.value]);
    expect(solGrid).toEqual([
      ["allocated", 9000],
      ["reserved_for_orders", 450],
      ["reserved_for_positions", 900],
    ]);
    expect(r.value.rows.find((row) => row.profileId === "sol-grid")).toMatchObject({
      realized_pnl: null,
      status: null,
    });
  });

  it("reads the status column as profile_active, case-insensitively", async () => {
    const { fetch } = recorded("capital-ledger-ok");
    const r = await readSupabaseLedger(options({ fetch, statusColumn: "status" }), NOW);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const active = r.value.samples
      .filter((s) => s.metric === "profile_active")
      .map((s) => [s.entity, s.value, s.labels.status]);
    expect(active).toEqual([
      ["avax-breakout", 1, "active"],
      ["btc-trend", 1, "active"],
      ["eth-trend", 1, "ACTIVE"],
      ["link-meanrev", 0, "inactive"],
    ]);
  });

  it("leaves the status column out of the select unless configured", async () => {
    const { fixture, fetch, calls } = recorded("capital-ledger-empty");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expectRecordedRequest(calls, fixture);
    expect(r).toMatchObject({ ok: true, value: { samples: [], rows: [], truncated: false } });
  });

  it("uses the configured table, schema and row cap", async () => {
    const { fetch, calls } = recorded("capital-ledger-ok");
    const r = await readSupabaseLedger(options({ fetch, table: "profile_ledger", schema: "trading", maxRows: 5 }), NOW);
    expect(calls[0]!.url.pathname).toBe("/rest/v1/profile_ledger");
    expect(calls[0]!.url.searchParams.get("limit")).toBe("5");
    expect(calls[0]!.headers.get("accept-profile")).toBe("trading");
    // Five rows at a cap of five: there may be more.
    expect(r).toMatchObject({ ok: true, value: { truncated: true } });
  });

  it("reuses one client across reads", async () => {
    const { fetch, calls } = recorded("capital-ledger-empty");
    const source = createSupabaseLedgerSource(options({ fetch }));
    const [a, b] = await Promise.all([source.read(NOW), source.read(NOW + 1)]);
    expect(a.ok && b.ok).toBe(true);
    expect(calls).toHaveLength(2);
  });
});

describe("errors", () => {
  it("reports PostgREST's 401 JWT error with its code and message", async () => {
    const { fixture, fetch, calls } = recorded("capital-ledger-jwt-expired");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expectRecordedRequest(calls, fixture);
    expect(r).toEqual({ ok: false, error: { kind: "http", detail: "HTTP 401 PGRST301: JWT expired" } });
  });

  it("reports the gateway's invalid-key answer with its hint, and never echoes the key", async () => {
    const { fetch } = recorded("capital-ledger-invalid-api-key");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expect(r).toEqual({
      ok: false,
      error: {
        kind: "http",
        detail: "HTTP 401: Invalid API key (hint: Double check your Supabase `anon` or `service_role` API key.)",
      },
    });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it("reports a missing table (42P01) as http 404", async () => {
    const { fetch } = recorded("capital-ledger-relation-missing");
    expect(await readSupabaseLedger(options({ fetch }), NOW)).toEqual({
      ok: false,
      error: { kind: "http", detail: 'HTTP 404 42P01: relation "public.capital_ledger" does not exist' },
    });
  });

  it("reports a missing status column (42703) with PostgREST's hint", async () => {
    const { fixture, fetch, calls } = recorded("capital-ledger-column-missing");
    const r = await readSupabaseLedger(options({ fetch, statusColumn: "status" }), NOW);
    expectRecordedRequest(calls, fixture);
    expect(r).toEqual({
      ok: false,
      error: {
        kind: "http",
        detail:
          'HTTP 400 42703: column capital_ledger.status does not exist (hint: Perhaps you meant to reference the column "capital_ledger.state".)',
      },
    });
  });

  it("does not retry a 503 inside one read (the collector polls again)", async () => {
    const { fetch, calls } = recorded("capital-ledger-schema-cache-503");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expect(calls).toHaveLength(1);
    expect(r).toMatchObject({
      ok: false,
      error: {
        kind: "http",
        detail: "HTTP 503 PGRST002: Could not query the database for the schema cache. Retrying.",
      },
    });
  });

  it("reports an HTML error page from the gateway as http", async () => {
    const { fetch } = recorded("capital-ledger-gateway-html");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expect(r).toMatchObject({
      ok: false,
      error: { kind: "http", detail: expect.stringMatching(/^HTTP 502: <html> <head><title>502 Bad Gateway/) },
    });
  });

  it("names the row and field of a value that is not a number", async () => {
    const { fetch } = recorded("capital-ledger-bad-row");
    expect(await readSupabaseLedger(options({ fetch }), NOW)).toEqual({
      ok: false,
      error: {
        kind: "schema",
        detail: 'row 1 (profile_id "eth-trend"), field reserved_for_orders: not a number: "n/a"',
      },
    });
  });

  it("reports a truncated body as parse", async () => {
    const { fetch } = recorded("capital-ledger-malformed");
    const r = await readSupabaseLedger(options({ fetch }), NOW);
    expect(r).toMatchObject({
      ok: false,
      error: { kind: "parse", detail: expect.stringContaining('response is not JSON: [{"profile_id":"btc-trend"') },
    });
  });

  it("refuses a body over the size cap", async () => {
    const { fetch } = recorded("capital-ledger-ok");
    const r = await readSupabaseLedger(options({ fetch, maxBytes: 300 }), NOW);
    expect(r).toEqual({ ok: false, error: { kind: "http", detail: "response exceeds the 300-byte cap" } });
  });

  it("refuses a declared content-length over the cap without reading", async () => {
    const big: typeof fetch = async () =>
      new Response("[]", {
        status: 200,
        headers: { "content-type": "application/json", "content-length": "99999999" },
      });
    expect(await readSupabaseLedger(options({ fetch: big }), NOW)).toEqual({
      ok: false,
      error: { kind: "http", detail: "response of 99999999 bytes exceeds the 262144-byte cap" },
    });
  });

  it("times out when no answer comes", async () => {
    let calls = 0;
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        calls++;
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      });
    const r = await readSupabaseLedger(options({ fetch: hanging, timeoutMs: 150 }), NOW);
    expect(r).toEqual({ ok: false, error: { kind: "timeout", detail: "no complete answer within 150 ms" } });
    expect(calls).toBe(1);
  });

  it("times out when the body stalls", async () => {
    const stalling: typeof fetch = async (_input, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('[{"profile_id":'));
          init?.signal?.addEventListener("abort", () => controller.error(init.signal!.reason));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    };
    expect(await readSupabaseLedger(options({ fetch: stalling, timeoutMs: 150 }), NOW)).toMatchObject({
      ok: false,
      error: { kind: "timeout" },
    });
  });

  it("reports a refused connection as network, with the cause's code", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:54321"), { code: "ECONNREFUSED" }),
      });
    };
    const r = await readSupabaseLedger(options({ fetch: refused }), NOW);
    expect(r).toEqual({ ok: false, error: { kind: "network", detail: "ECONNREFUSED: TypeError: fetch failed" } });
  });

  it("does not throw on a project URL supabase-js rejects", async () => {
    const r = await readSupabaseLedger(options({ url: "not a url" }), NOW);
    expect(r.ok).toBe(false);
  });
});

describe("parseLedgerRows", () => {
  const row = { profile_id: "p", allocated: 1, reserved_for_orders: 0, reserved_for_positions: 0, realized_pnl: 0 };

  it("accepts NaN and infinities spelled as PostgreSQL does", () => {
    const r = parseLedgerRows([
      {
        ...row,
        allocated: "NaN",
        reserved_for_orders: "Infinity",
        reserved_for_positions: "-Infinity",
        realized_pnl: " 1e3 ",
      },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]!.allocated).toBeNaN();
    expect(r.value[0]).toMatchObject({
      reserved_for_orders: Infinity,
      reserved_for_positions: -Infinity,
      realized_pnl: 1000,
    });
  });

  it("accepts an integer profile id", () => {
    expect(parseLedgerRows([{ ...row, profile_id: 42 }])).toMatchObject({ ok: true, value: [{ profileId: "42" }] });
  });

  it.each([
    ["not an array", { rows: [] }, "expected an array of ledger rows, got object"],
    ["a row that is not an object", [row, 7], "row 1: expected an object"],
    [
      "a missing column",
      [row, { profile_id: "q", allocated: 1, reserved_for_orders: 0, realized_pnl: 0 }],
      'row 1 (profile_id "q"), field reserved_for_positions: missing',
    ],
    ["a missing profile id", [{ ...row, profile_id: undefined }], "row 0, field profile_id: missing"],
    ["an empty profile id", [{ ...row, profile_id: "" }], 'row 0 (profile_id ""), field profile_id: empty profile_id'],
    ["a duplicate profile", [row, { ...row }], 'row 1: duplicate profile_id "p" (first at row 0)'],
    [
      "a boolean amount",
      [{ ...row, realized_pnl: true }],
      'row 0 (profile_id "p"), field realized_pnl: expected a number, a numeric string or null, got boolean',
    ],
    [
      "a fractional profile id",
      [{ ...row, profile_id: 1.5 }],
      "row 0, field profile_id: expected a non-empty string or an integer, got number",
    ],
    [
      "an empty string amount",
      [{ ...row, allocated: "" }],
      'row 0 (profile_id "p"), field allocated: not a number: ""',
    ],
  ])("rejects %s", (_name, data, detail) => {
    const r = parseLedgerRows(JSON.parse(JSON.stringify(data)));
    expect(r).toMatchObject({ ok: false, error: { kind: "schema" } });
    if (!r.ok) expect(r.error.detail.slice(0, detail.length)).toBe(detail);
  });

  it("rejects a status that is neither text nor boolean", () => {
    expect(parseLedgerRows([{ ...row, state: 3 }], { statusColumn: "state" })).toEqual({
      ok: false,
      error: { kind: "schema", detail: 'row 0 (profile_id "p"), field state: expected a string, boolean or null' },
    });
  });
});

describe("ledgerRowsToSamples", () => {
  it("maps a boolean status directly and honours custom active values", () => {
    const base = { allocated: null, reserved_for_orders: null, reserved_for_positions: null, realized_pnl: null };
    const samples = ledgerRowsToSamples(
      [
        { profileId: "a", ...base, status: true },
        { profileId: "b", ...base, status: false },
        { profileId: "c", ...base, status: "Running" },
      ],
      "alpha-bot",
      NOW,
      { activeStatuses: ["running"] },
    );
    expect(samples.map((s) => [s.entity, s.metric, s.value])).toEqual([
      ["a", "profile_active", 1],
      ["b", "profile_active", 0],
      ["c", "profile_active", 1],
    ]);
  });
});
