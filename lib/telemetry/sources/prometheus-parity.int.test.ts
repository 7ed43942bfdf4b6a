// Parity: the same scenario, the same rules, metrics read two ways. One collector scrapes each
// simulated target's /metrics itself; the other reads the same targets' metrics from a real
// Prometheus 2.x (Debian package `prometheus`) that scrapes them, through
// `metrics: { from: prometheus, url, selector }`. At every step both must give the same findings:
// rule, entity, state and severity.
//
// The fleet runs on a manual clock. Each step advances it by one poll interval, waits until
// Prometheus has scraped both targets after the advance (its `timestamp(up{job=…})`), then polls
// both collectors at the same virtual time and evaluates the whole rule catalog for each. Two
// scenarios drive rules over metrics: an auth failure spike on the trading bot (a ratio of
// counter increases) and a ledger invariant violation on the exchange (a counter-based SEV1).
//
// Each collector feeds the board's evaluator (BoardEngine) twice, once over the embedded database
// and once over a real PostgreSQL 15: the findings and their transitions as stored must agree
// between the two ways of reading metrics, on both databases, step by step.
import { existsSync } from "node:fs";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoardEngine } from "@/lib/board/engine";
import { Collector } from "@/lib/collector/collector";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { findingTransitions, findings as findingsTable } from "@/lib/db/schema";
import { createDatabase, startTestPostgres, type TestPostgres } from "@/lib/testing/postgres";
import { FleetConfig } from "@/lib/config/fleet";
import { RULES, evaluateRules, type Finding } from "@/lib/rules";
import type { Fleet } from "@/lib/sim";
import { startTestFleet } from "@/lib/sim/testing";
import { PROMETHEUS_BIN, startTestPrometheus, type TestPrometheus } from "@/lib/testing/prometheus";
import { pollerFor } from "./pollers";
import { queryInstant } from "./prometheus-api";

const STEP = 5_000;
const STEPS = 36;

let fleet: Fleet;
let prom: TestPrometheus;
let pg: TestPostgres | undefined;
const handles: DbHandle[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("uses the prometheus binary from the Debian package", () => {
  expect(
    existsSync(PROMETHEUS_BIN),
    `install the Debian package "prometheus" (apt-get install prometheus) for ${PROMETHEUS_BIN}`,
  ).toBe(true);
});

/** Waits until Prometheus' last scrape of every job happened after `afterMs` (wall clock). */
async function scrapedAfter(jobs: string[], afterMs: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await queryInstant(prom.url, `timestamp(up{job=~"${jobs.join("|")}"})`, {
      timeoutMs: 2_000,
      maxBytes: 1 << 20,
      system: (l) => l.job,
    });
    if (r.ok && r.value.samples.length === jobs.length && r.value.samples.every((s) => s.value * 1000 > afterMs))
      return;
    if (Date.now() > deadline)
      throw new Error(
        `Prometheus did not scrape ${jobs.join(", ")} within 15 s: ${JSON.stringify(r).slice(0, 300)}\n${prom.log().slice(-2000)}`,
      );
    await sleep(100);
  }
}

describe("the same scenario scraped directly and read through Prometheus", () => {
  const tokens = new Map<string, string>();
  let direct: Collector;
  let viaProm: Collector;

  beforeAll(async () => {
    fleet = await startTestFleet({ kinds: ["trading-bot", "spot-exchange"] });
    fleet.advance(30_000);
    const target = (name: string) => `127.0.0.1:${fleet.info(name).port}`;
    prom = await startTestPrometheus({
      scrapeTargets: fleet.systems.map((s) => ({ job: s.name, targets: [target(s.name)], scrapeIntervalSeconds: 1 })),
    });
    await prom.waitForTargetsUp(20_000);
    const targets = (viaPrometheus: boolean) =>
      fleet.systems.map((s) => {
        const env = `TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`;
        tokens.set(env, s.credential);
        return {
          name: s.name,
          kind: s.kind,
          baseUrl: s.url,
          credentials: { bearerTokenEnv: env },
          ...(viaPrometheus ? { metrics: { from: "prometheus", url: prom.url, selector: `{job="${s.name}"}` } } : {}),
        };
      });
    const config = (viaPrometheus: boolean) =>
      FleetConfig.parse({ defaults: { pollIntervalMs: STEP, timeoutMs: 3_000 }, targets: targets(viaPrometheus) });
    const opts = { pollerFor, secret: (n: string) => tokens.get(n), now: () => fleet.now() };
    direct = new Collector({ config: config(false), ...opts });
    viaProm = new Collector({ config: config(true), ...opts });
  }, 60_000);

  afterAll(async () => {
    for (const h of handles) await h.close().catch(() => {});
    await pg?.stop();
    await prom?.stop();
    await fleet?.stop();
  });

  it("gives the same findings (rule, entity, state, severity) at every step, as stored on both databases", async () => {
    pg = await startTestPostgres();
    const open = async (db: "PGlite" | "PostgreSQL", way: string) => {
      const h =
        db === "PGlite"
          ? await openDatabase({ dataDir: "memory://" })
          : await openDatabase({ url: await createDatabase(pg!.url, `wf_parity_${way}_${process.pid}`) });
      handles.push(h);
      return h;
    };
    const evaluator = (c: Collector, h: DbHandle) =>
      new BoardEngine({
        inputs: {
          history: c.store,
          targetsForRules: () => c.targetsForRules(),
          freshness: (s, e) => c.freshness(s, e),
          sourceProblem: (s, e) => c.sourceProblem(s, e),
          droppedFamilies: (s) => c.droppedFamilies(s),
        },
        db: h.db,
        onChange: () => {},
        now: () => fleet.now(),
      });
    const ways: Array<{ name: string; collector: Collector; db: "PGlite" | "PostgreSQL" }> = [
      { name: "scraped", collector: direct, db: "PGlite" },
      { name: "prometheus", collector: viaProm, db: "PGlite" },
      { name: "scraped", collector: direct, db: "PostgreSQL" },
      { name: "prometheus", collector: viaProm, db: "PostgreSQL" },
    ];
    const runs = await Promise.all(
      ways.map(async (w) => {
        const h = await open(w.db, w.name);
        return { ...w, h, engine: evaluator(w.collector, h) };
      }),
    );
    const stored = async (h: DbHandle) =>
      new Map(
        (await h.db.select().from(findingsTable)).map((r) => {
          const f = r.finding as Finding;
          return [r.id, `${r.state}/${f.severity}`];
        }),
      );

    const names = fleet.systems.map((s) => s.name);
    fleet.startScenario("auth-failure-spike", "alpha-bot");
    fleet.startScenario("ledger-invariant-violation", "spot-exchange");
    const mismatches: string[] = [];
    const seenOpen = new Set<string>();
    const label = (f: Finding | undefined) => (f ? `${f.state}/${f.severity}` : "none");

    for (let step = 1; step <= STEPS; step++) {
      fleet.advance(STEP);
      await scrapedAfter(names, Date.now());
      for (const n of names) await direct.pollTarget(n);
      for (const n of names) await viaProm.pollTarget(n);
      for (const r of runs) await r.engine.evaluate();
      const [base, ...others] = runs;
      const baseRows = await stored(base!.h);
      for (const r of others) {
        const ids = new Set([...base!.engine.findings.keys(), ...r.engine.findings.keys()]);
        for (const id of ids) {
          const a = base!.engine.findings.get(id);
          const b = r.engine.findings.get(id);
          if (label(a) !== label(b))
            mismatches.push(
              `step ${step}: ${id} scraped/PGlite ${label(a)} (${a?.summary ?? ""}) vs ${r.name}/${r.db} ${label(b)} (${b?.summary ?? ""})`,
            );
        }
        const rows = await stored(r.h);
        for (const id of new Set([...baseRows.keys(), ...rows.keys()]))
          if (baseRows.get(id) !== rows.get(id))
            mismatches.push(
              `step ${step}: ${id} stored ${baseRows.get(id) ?? "none"} (scraped/PGlite) vs ${rows.get(id) ?? "none"} (${r.name}/${r.db})`,
            );
      }
      for (const a of base!.engine.findings.values())
        if (a.state !== "ok") seenOpen.add(`${a.ruleId}:${a.state}/${a.severity}`);
    }

    expect(mismatches).toEqual([]);
    // Every finding's transitions as stored, in order, are the same four times over.
    const history = async (h: DbHandle) =>
      (
        await h.db
          .select()
          .from(findingTransitions)
          .orderBy(asc(findingTransitions.at), asc(findingTransitions.findingId))
      ).map((t) => `${new Date(t.at).toISOString()} ${t.findingId} ${t.fromState ?? "-"}→${t.toState}`);
    const first = await history(runs[0]!.h);
    expect(first.length).toBeGreaterThan(0);
    for (const r of runs.slice(1)) expect(await history(r.h), `${r.name}/${r.db}`).toEqual(first);
    // The scenarios did drive the rules over metrics, so the comparison covered them.
    expect(seenOpen).toContain("auth_failure_spike:critical/SEV2");
    expect(
      [...seenOpen].some((s) => s.startsWith("exchange_ledger_invariant:critical/SEV1")),
      [...seenOpen].join(", "),
    ).toBe(true);
    // …and the second collector really read them from Prometheus.
    for (const n of names) {
      const st = viaProm.status().find((s) => s.name === n)!;
      expect(st.endpoints.map((e) => e.path)).toContain("/api/v1/query");
      expect(st.endpoints.map((e) => e.path)).not.toContain("/metrics");
      expect(st.parts?.find((p) => p.part === "metrics")).toMatchObject({ adapter: "prometheus", freshness: "ok" });
      expect(viaProm.freshness(n, "/metrics")).toBe("ok");
    }
  }, 240_000);

  it("a selector Prometheus refuses, or one no scrape target matches, fails the metrics part with its kind", async () => {
    const bad = new Collector({
      config: FleetConfig.parse({
        defaults: { pollIntervalMs: STEP, timeoutMs: 3_000 },
        targets: [
          // A selector Prometheus refuses (bad regular expression): an error answer.
          {
            name: "alpha-bot",
            kind: "trading-bot",
            baseUrl: fleet.info("alpha-bot").url,
            credentials: { bearerTokenEnv: "TOKEN_ALPHA_BOT" },
            metrics: { from: "prometheus", url: prom.url, selector: '{job=~"alpha-bot("}' },
          },
          // A job Prometheus does not scrape: no up series.
          {
            name: "spot-exchange",
            kind: "spot-exchange",
            baseUrl: fleet.info("spot-exchange").url,
            credentials: { bearerTokenEnv: "TOKEN_SPOT_EXCHANGE" },
            metrics: { from: "prometheus", url: prom.url, selector: '{job="no-such-job"}' },
          },
        ],
      }),
      pollerFor,
      secret: (n) => tokens.get(n),
      now: () => fleet.now(),
    });
    await bad.pollTarget("alpha-bot");
    await bad.pollTarget("spot-exchange");
    const part = (n: string) =>
      bad
        .status()
        .find((s) => s.name === n)!
        .parts!.find((p) => p.part === "metrics")!;
    expect(part("alpha-bot")).toMatchObject({ adapter: "prometheus", freshness: "error", lastError: { kind: "http" } });
    expect(part("alpha-bot").lastError!.detail).toMatch(/^HTTP 400: Prometheus bad_data error/);
    expect(part("spot-exchange")).toMatchObject({ freshness: "error", lastError: { kind: "schema" } });
    expect(part("spot-exchange").lastError!.detail).toContain(
      'no scrape target in Prometheus matches {job="no-such-job"}',
    );
  });

  it("when Prometheus stops answering, the findings over metrics turn Unknown with the error kind; the others are judged as usual", async () => {
    await prom.stop();
    fleet.advance(STEP);
    for (const s of fleet.systems) await viaProm.pollTarget(s.name);
    const findings = evaluateRules(
      {
        now: fleet.now(),
        history: viaProm.store,
        freshness: (s, e) => viaProm.freshness(s, e),
        sourceProblem: (s, e) => viaProm.sourceProblem(s, e),
        targets: viaProm.targetsForRules(),
      },
      RULES,
    );
    for (const rule of ["auth_failure_spike", "exchange_ledger_invariant"]) {
      const f = findings.find((x) => x.ruleId === rule);
      expect(f?.state, rule).toBe("unknown");
      expect(f?.summary).toMatch(
        new RegExp(
          `^Unknown — the metrics \\(Prometheus ${prom.url.replace(/[.]/g, "\\.")} \\{job="[a-z-]+"\\}\\) is failing — network: `,
        ),
      );
    }
    // Rules over the health documents still judge: not everything is Unknown.
    for (const s of fleet.systems)
      expect(
        findings.some((f) => f.system === s.name && f.state !== "unknown"),
        s.name,
      ).toBe(true);
  });
});
