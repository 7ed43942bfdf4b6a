import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Collector } from "@/lib/collector/collector";
import { FleetConfig } from "@/lib/config/fleet";
import { RULES, evaluateRules } from "@/lib/rules";
import type { Fleet } from "@/lib/sim";
import { simSupabaseKey } from "@/lib/sim/systems/postgrest";
import { http, startTestFleet } from "@/lib/sim/testing";
import { pollerFor } from "./pollers";
import { createSupabaseLedgerSource } from "./supabase-ledger";

// The Supabase ledger end to end over HTTP: supabase-js (the real client) against the simulated
// trading bot's PostgREST-compatible /rest/v1, then through the collector and the rules. The
// expected values come from the bot's own /internal/health document, not from the adapter.

const LIMITS = { timeoutMs: 3000, maxBytes: 1024 * 1024 };

interface HealthProfile {
  profile_id: string;
  allocated: number;
  reserved_for_orders: number;
  reserved_for_positions: number;
  realized_pnl: number;
  status: string;
}

let fleet: Fleet;
let url: string;
let key: string;
let token: string;

beforeAll(async () => {
  fleet = await startTestFleet({ kinds: ["trading-bot"] });
  fleet.advance(60_000);
  const sys = fleet.systems[0]!;
  url = sys.url;
  token = sys.credential;
  key = simSupabaseKey(sys.credential);
});
afterAll(async () => {
  await fleet?.stop();
});

async function healthProfiles(): Promise<HealthProfile[]> {
  const r = await http<{ profiles: HealthProfile[] }>(`${url}/internal/health`, { token });
  return r.body.profiles;
}

describe("the simulator's PostgREST endpoint, read with supabase-js", () => {
  it("gives every profile's ledger, the same numbers the bot's health document shows", async () => {
    const r = await createSupabaseLedgerSource({
      url,
      key,
      system: "alpha-bot",
      statusColumn: "status",
      ...LIMITS,
    }).read(1_000);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const expected = (await healthProfiles()).map((p) => ({
      profileId: p.profile_id,
      allocated: p.allocated,
      reserved_for_orders: p.reserved_for_orders,
      reserved_for_positions: p.reserved_for_positions,
      realized_pnl: p.realized_pnl,
      status: p.status,
    }));
    expect(r.value.rows).toEqual(expected.sort((a, b) => a.profileId.localeCompare(b.profileId)));
    expect(r.value.truncated).toBe(false);
  });

  it("answers as PostgREST does: Content-Range, select, order, limit, and the error bodies", async () => {
    const headers = { apikey: key, authorization: `Bearer ${key}` };
    const page = await http<Record<string, unknown>[]>(
      `${url}/rest/v1/capital_ledger?select=profile_id,allocated&order=profile_id.desc&limit=2&offset=1`,
      { headers: { ...headers, prefer: "count=exact" } },
    );
    expect(page.status).toBe(200);
    expect(page.headers.get("content-range")).toBe("1-2/3");
    expect(page.headers.get("content-profile")).toBe("public");
    expect(page.body.map((r) => Object.keys(r))).toEqual([
      ["profile_id", "allocated"],
      ["profile_id", "allocated"],
    ]);
    expect(page.body.map((r) => r.profile_id)).toEqual(["eth-momentum", "btc-momentum"]);
    const one = await http<Record<string, unknown>[]>(
      `${url}/rest/v1/capital_ledger?select=profile_id&profile_id=eq.sol-breakout`,
      { headers },
    );
    expect(one.body).toEqual([{ profile_id: "sol-breakout" }]);
    expect(one.headers.get("content-range")).toBe("0-0/*");

    const noKey = await http(`${url}/rest/v1/capital_ledger`);
    expect(noKey).toMatchObject({ status: 401, body: { message: "No API key found in request" } });
    const badColumn = await http(`${url}/rest/v1/capital_ledger?select=profile_id,state`, { headers });
    expect(badColumn).toMatchObject({
      status: 400,
      body: { code: "42703", message: "column capital_ledger.state does not exist", details: null, hint: null },
    });
    const noTable = await http(`${url}/rest/v1/ledger`, { headers });
    expect(noTable).toMatchObject({
      status: 404,
      body: { code: "42P01", message: 'relation "public.ledger" does not exist' },
    });
    const otherSchema = await http(`${url}/rest/v1/capital_ledger`, {
      headers: { ...headers, "accept-profile": "private" },
    });
    expect(otherSchema).toMatchObject({ status: 406, body: { code: "PGRST106" } });
    const write = await http(`${url}/rest/v1/capital_ledger`, { method: "PATCH", headers, body: "{}" });
    expect(write).toMatchObject({ status: 403, body: { code: "42501" } });
  });

  it("a wrong key, a missing table and a missing status column come back as http errors with PostgREST's words", async () => {
    const wrongKey = await createSupabaseLedgerSource({
      url,
      key: "not-the-key",
      system: "alpha-bot",
      ...LIMITS,
    }).read();
    expect(wrongKey).toEqual({
      ok: false,
      error: {
        kind: "http",
        detail: "HTTP 401: Invalid API key (hint: Double check your Supabase `anon` or `service_role` API key.)",
      },
    });
    const table = await createSupabaseLedgerSource({
      url,
      key,
      system: "alpha-bot",
      table: "ledger_v2",
      ...LIMITS,
    }).read();
    expect(table).toEqual({
      ok: false,
      error: { kind: "http", detail: 'HTTP 404 42P01: relation "public.ledger_v2" does not exist' },
    });
    const column = await createSupabaseLedgerSource({
      url,
      key,
      system: "alpha-bot",
      statusColumn: "state",
      ...LIMITS,
    }).read();
    expect(column).toEqual({
      ok: false,
      error: { kind: "http", detail: "HTTP 400 42703: column capital_ledger.state does not exist" },
    });
  });
});

describe("a trading bot whose ledger comes from Supabase, through the collector and the rules", () => {
  const configWith = (ledger: Record<string, unknown>) =>
    FleetConfig.parse({
      defaults: { pollIntervalMs: 60_000, timeoutMs: 3000 },
      targets: [
        { name: "alpha-bot", kind: "trading-bot", baseUrl: url, credentials: { bearerTokenEnv: "BOT_TOKEN" }, ledger },
      ],
    });
  const secrets = (overrides: Record<string, string> = {}) => {
    const all: Record<string, string> = {
      BOT_TOKEN: token,
      LEDGER_URL: url,
      LEDGER_KEY: key,
      WRONG_KEY: "sb-wrong",
      ...overrides,
    };
    return (name: string) => all[name];
  };

  function evaluate(collector: Collector, now: number) {
    return evaluateRules(
      {
        now,
        history: collector.store,
        freshness: (s, e) => collector.freshness(s, e),
        sourceProblem: (s, e) => collector.sourceProblem(s, e),
        targets: collector.targetsForRules(),
      },
      RULES,
    );
  }

  it("reads the ledger from /rest/v1/capital_ledger, once: the health document's ledger fields are left out", async () => {
    const collector = new Collector({
      config: configWith({ from: "supabase", urlEnv: "LEDGER_URL", keyEnv: "LEDGER_KEY" }),
      pollerFor,
      secret: secrets(),
    });
    await collector.pollTarget("alpha-bot");
    const st = collector.status()[0]!;
    expect(st.endpoints.find((e) => e.path === "/rest/v1/capital_ledger")).toMatchObject({
      freshness: "ok",
      samples: 15,
    });
    expect(st.parts?.find((p) => p.part === "ledger")).toMatchObject({
      adapter: "supabase",
      endpoint: "/rest/v1/capital_ledger",
      freshness: "ok",
      series: 15,
    });
    expect(st.parts?.find((p) => p.part === "health")).toMatchObject({
      adapter: "health-json",
      endpoint: "/internal/health",
    });
    // One series per profile for each ledger field (3 profiles): nothing doubled from the health document.
    for (const metric of [
      "allocated",
      "reserved_for_orders",
      "reserved_for_positions",
      "realized_pnl",
      "available_capital",
    ]) {
      expect(
        collector.store
          .seriesFor("alpha-bot", metric)
          .map((s) => s.entity)
          .sort(),
        metric,
      ).toEqual(["btc-momentum", "eth-momentum", "sol-breakout"]);
      for (const s of collector.store.seriesFor("alpha-bot", metric)) expect(s.points).toHaveLength(1);
    }
    const health = await healthProfiles();
    for (const p of health) {
      expect(collector.store.latest("alpha-bot", "allocated", p.profile_id)?.v).toBe(p.allocated);
    }
    const invariant = evaluate(collector, Date.now()).filter((f) => f.ruleId === "capital_invariant");
    expect(invariant.map((f) => [f.entity, f.state])).toEqual([
      ["btc-momentum", "ok"],
      ["eth-momentum", "ok"],
      ["sol-breakout", "ok"],
    ]);
  });

  it("a refused key turns the ledger's findings Unknown with the error kind, while the health document stays fresh", async () => {
    const collector = new Collector({
      config: configWith({ from: "supabase", urlEnv: "LEDGER_URL", keyEnv: "WRONG_KEY" }),
      pollerFor,
      secret: secrets(),
    });
    await collector.pollTarget("alpha-bot");
    expect(collector.freshness("alpha-bot", "/internal/health")).toBe("ok");
    expect(collector.freshness("alpha-bot", "ledger")).toBe("error");
    const findings = evaluate(collector, Date.now());
    const ledgerFindings = findings.filter(
      (f) => f.ruleId === "capital_invariant" || f.ruleId === "capital_invariant_profiles",
    );
    expect(ledgerFindings.length).toBeGreaterThan(0);
    for (const f of ledgerFindings) {
      expect(f.state).toBe("unknown");
      expect(f.summary).toContain(
        "the ledger (Supabase /rest/v1/capital_ledger) is failing — http: HTTP 401: Invalid API key",
      );
    }
    // Rules that read only the health document are judged as usual.
    const watchdog = findings.find((f) => f.ruleId === "integrity_watchdog");
    expect(watchdog?.state).toBe("ok");
  });

  it("a missing status column (42703) and an unreachable project are failures too, never OK", async () => {
    const column = new Collector({
      config: configWith({ from: "supabase", urlEnv: "LEDGER_URL", keyEnv: "LEDGER_KEY", statusColumn: "state" }),
      pollerFor,
      secret: secrets(),
    });
    await column.pollTarget("alpha-bot");
    expect(column.status()[0]!.parts?.find((p) => p.part === "ledger")?.lastError).toMatchObject({
      kind: "http",
      detail: "HTTP 400 42703: column capital_ledger.state does not exist",
    });
    expect(
      evaluate(column, Date.now())
        .filter((f) => f.ruleId === "capital_invariant")
        .every((f) => f.state === "unknown"),
    ).toBe(true);

    const down = new Collector({
      config: configWith({ from: "supabase", urlEnv: "LEDGER_URL", keyEnv: "LEDGER_KEY" }),
      pollerFor,
      secret: secrets({ LEDGER_URL: "http://127.0.0.1:9" }),
    });
    await down.pollTarget("alpha-bot");
    const part = down.status()[0]!.parts?.find((p) => p.part === "ledger");
    expect(part?.freshness).toBe("error");
    expect(part?.lastError?.kind).toBe("network");
  });
});
