// Measures replay on the embedded database: rebuilding the board at a moment 7 days back, with a
// week of finding history modelled on the simulator's scenarios cycling (one scenario every 15
// minutes in catalogue order, each raising three findings on its system that warn, turn critical,
// escalate to SEV1, are acknowledged and clear within 12 minutes; each run also errors one
// source for a minute), in a PGlite database on disk. Prints the p50 and p95 of the rebuild and
// the storage the week's history takes per day. A measurement, not a test: the findings are
// modelled on the scenarios, not produced by running them for a week.
// Run: npx tsx --conditions=react-server scripts/measure-replay-7d.ts [--runs N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { openDatabase, rowsOf } from "../lib/db/client";
import { findingTransitions, findings, sourceFreshnessChanges } from "../lib/db/schema";
import { listScenarios } from "../lib/sim/scenarios";
import { replayBoard, type ReplayTarget } from "../lib/replay/board-at";

const arg = (name: string) => process.argv.indexOf(name);
const RUNS = arg("--runs") > 0 ? Number(process.argv[arg("--runs") + 1]) : 40;
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`--runs needs a whole number of runs (1 or more), got ${process.argv[arg("--runs") + 1]}`);

const MIN = 60_000;
const D = 24 * 60 * MIN;
const NOW = Date.parse("2026-12-05T00:00:00Z");
const START = NOW - 7 * D - 2 * 60 * MIN;
const SYSTEMS: Record<string, string[]> = {
  "trading-bot": ["alpha-bot", "beta-bot"],
  "futures-bot": ["kraken-futures"],
  "spot-exchange": ["spot-exchange"],
};
const targets: ReplayTarget[] = Object.entries(SYSTEMS).flatMap(([kind, names]) =>
  names.map((name) => ({ name, label: name, kind: kind as ReplayTarget["kind"], simulated: true, intervalMs: 2000 })),
);

function finding(id: string, system: string, kind: string, state: string, severity: string, since: number, t: number) {
  return {
    id,
    ruleId: id.split("|")[0],
    system,
    kind,
    entity: id.split("|")[2],
    state,
    severity,
    title: `Modelled finding ${id.split("|")[0]}`,
    summary: `${state} since ${new Date(since).toISOString()}: value 123.4 over threshold 100 for 3 cycles`,
    since,
    lastEvaluated: t,
    runbook: "capital-invariant-violation",
    evidence: {
      values: Array.from({ length: 6 }, (_, i) => ({ label: `evidence value ${i}`, value: 100 + i * 7.25, at: t })),
      window: "15 min",
    },
  };
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-replay-"));
  const h = await openDatabase({ dataDir: dir });
  try {
    const scenarios = listScenarios();
    const rows: (typeof findingTransitions.$inferInsert)[] = [];
    const sources: (typeof sourceFreshnessChanges.$inferInsert)[] = [];
    const latest = new Map<string, typeof findings.$inferInsert>();
    let run = 0;
    for (let t0 = START; t0 < NOW; t0 += 15 * MIN, run++) {
      const sc = scenarios[run % scenarios.length]!;
      const names = SYSTEMS[sc.kind]!;
      const system = names[run % names.length]!;
      for (let j = 0; j < 3; j++) {
        const id = `${sc.name.replace(/-/g, "_")}_${j}|${system}|${j === 0 ? "*" : `entity-${j}`}`;
        const steps: [number, string | null, string, string, string][] = [
          [t0, "ok", "warning", "SEV2", "state"],
          [t0 + 3 * MIN, "warning", "critical", "SEV2", "state"],
          [t0 + 6 * MIN, "critical", "critical", "SEV1", "state"],
          [t0 + 7 * MIN, "critical", "critical", "SEV1", "ack"],
          [t0 + 12 * MIN, "critical", "ok", "SEV1", "state"],
        ];
        for (const [at, from, to, severity, kind] of steps) {
          const since = to === "critical" && severity === "SEV1" ? t0 + 3 * MIN : at;
          const f = finding(id, system, sc.kind, to, severity, since, at);
          rows.push({
            findingId: id,
            kind: kind as "state" | "ack",
            fromState: from,
            toState: to,
            severity,
            summary: f.summary,
            at: new Date(at),
            finding: f,
            ...(kind === "ack" ? { actorName: "Ray Responder" } : {}),
          });
          latest.set(id, {
            id,
            ruleId: f.ruleId!,
            system,
            entity: f.entity!,
            state: to,
            severity,
            finding: f,
            since: new Date(since),
            updatedAt: new Date(at),
          });
        }
      }
      sources.push(
        {
          system,
          at: new Date(t0 + MIN),
          freshness: "error",
          lastSuccessAt: new Date(t0),
          lastError: "timeout: modelled",
        },
        { system, at: new Date(t0 + 2 * MIN), freshness: "ok", lastSuccessAt: new Date(t0 + 2 * MIN) },
      );
    }
    for (let i = 0; i < rows.length; i += 500) await h.db.insert(findingTransitions).values(rows.slice(i, i + 500));
    for (let i = 0; i < sources.length; i += 500)
      await h.db.insert(sourceFreshnessChanges).values(sources.slice(i, i + 500));
    await h.db.insert(findings).values([...latest.values()]);
    await h.exec("vacuum analyze");

    const times: number[] = [];
    let open = 0;
    for (let i = 0; i < RUNS; i++) {
      const at = NOW - 7 * D + Math.floor((((i * 7919) % 1000) / 1000) * D);
      const started = performance.now();
      const b = await replayBoard(h.db, { at, targets });
      times.push(performance.now() - started);
      open += b.findings.length;
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
    const size = rowsOf<{ t: string; s: string }>(
      await h.db.execute(sql`
        select pg_total_relation_size('finding_transitions')::text as t,
               pg_total_relation_size('source_freshness_changes')::text as s`),
    )[0]!;
    const bytes = Number(size.t) + Number(size.s);
    console.log(
      [
        `history: ${rows.length} finding transitions and ${sources.length} source changes over 7 days (${run} scenario runs)`,
        `board at a moment 7 days back, ${RUNS} rebuilds: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms (${(open / RUNS).toFixed(1)} open findings on average)`,
        `storage: ${(bytes / 7 / 1024 / 1024).toFixed(2)} MiB a day (finding_transitions ${(Number(size.t) / 1024 / 1024).toFixed(1)} MiB, source_freshness_changes ${(Number(size.s) / 1024 / 1024).toFixed(2)} MiB for the week, indexes included)`,
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
      ].join("\n"),
    );
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
