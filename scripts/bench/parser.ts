// Metrics parser throughput: a 50,000-line exposition shaped like a busy exporter (HELP and TYPE
// per family, labelled samples with timestamps), parsed in Prometheus 0.0.4 mode and in
// OpenMetrics mode, in MB/s of UTF-8 input per second of CPU time. Runs in the bench process
// before the server starts.
import { parsePrometheusText } from "../../lib/telemetry/prom";

export interface ParserModeResult {
  mode: "prometheus" | "openmetrics";
  lines: number;
  bytes: number;
  runs: number;
  /** Median throughput over the runs. */
  mbPerSecond: number;
  /** Best run. */
  bestMbPerSecond: number;
  medianMs: number;
}

export interface ParserResult {
  modes: ParserModeResult[];
}

/** The 0.0.4 budget line: at least this many MB/s for a 50,000-line exposition. */
export const PARSER_BUDGET_MB_S = 40;

/** An exposition of exactly `lines` lines (families of 2 metadata + 10 samples lines). */
export function benchExposition(lines: number, format: "prometheus" | "openmetrics"): string {
  const om = format === "openmetrics";
  const out: string[] = [];
  let f = 0;
  const budget = om ? lines - 1 : lines;
  while (out.length < budget) {
    const name = `trading_engine_metric_${f}`;
    out.push(`# HELP ${name} Metric number ${f} of the trading engine, per profile and symbol.`);
    out.push(om ? `# TYPE ${name} gauge` : `# TYPE ${name} gauge`);
    for (let i = 0; i < 10 && out.length < budget; i++) {
      const ts = om ? "1712345678.123" : "1712345678123";
      out.push(
        `${name}{profile_id="profile-${i}",symbol="SYM${f % 50}USDT",venue="binance"} ${(f * 1.5 + i).toFixed(3)} ${ts}`,
      );
    }
    f++;
  }
  if (om) out.push("# EOF");
  return `${out.slice(0, lines).join("\n")}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export function measureParser(o: { lines?: number; runs?: number } = {}): ParserResult {
  const lines = o.lines ?? 50_000;
  const runs = o.runs ?? 15;
  const modes: ParserModeResult[] = [];
  for (const mode of ["prometheus", "openmetrics"] as const) {
    const text = benchExposition(lines, mode);
    const bytes = Buffer.byteLength(text, "utf8");
    // Warm up the JIT; check the input parses whole (a failed parse would be a meaningless figure).
    for (let i = 0; i < 3; i++) {
      const r = parsePrometheusText(text, { format: mode });
      if (!r.ok || r.issues)
        throw new Error(
          `bench exposition does not parse in ${mode} mode: ${r.ok ? r.issues?.[0]?.message : r.error.message}`,
        );
    }
    // CPU time of this process, not wall time: on a shared machine the wall clock also counts
    // the time other processes held the CPU, which says nothing about the parser.
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.cpuUsage();
      parsePrometheusText(text, { format: mode });
      const d = process.cpuUsage(t0);
      times.push((d.user + d.system) / 1000);
    }
    const mb = bytes / 1e6;
    const med = median(times);
    modes.push({
      mode,
      lines,
      bytes,
      runs,
      medianMs: Math.round(med * 10) / 10,
      mbPerSecond: Math.round((mb / (med / 1000)) * 10) / 10,
      bestMbPerSecond: Math.round((mb / (Math.min(...times) / 1000)) * 10) / 10,
    });
  }
  return { modes };
}

// `npx tsx scripts/bench/parser.ts` runs this phase alone.
if (process.argv[1]?.endsWith("parser.ts")) {
  const r = measureParser();
  for (const m of r.modes)
    console.log(
      `${m.mode.padEnd(12)} ${m.lines} lines, ${(m.bytes / 1e6).toFixed(2)} MB: ${m.mbPerSecond} MB/s median (best ${m.bestMbPerSecond}), ${m.medianMs} ms`,
    );
}
