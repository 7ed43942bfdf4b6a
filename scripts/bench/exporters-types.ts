// The exporters bench phase's result (scripts/bench/exporters.ts), shared with the report.
export interface ExportersResult {
  targets: number;
  intervalMs: number;
  seriesPerTarget: number;
  simulatedTargets: number;
  simulatedIntervalMs: number;
  pollingOnly: { windowSeconds: number; polls: number; expectedPolls: number; cpuPercentOfOneCore: number };
  runtime: {
    windowSeconds: number;
    polls: number;
    expectedPolls: number;
    cpuPercentOfOneCore: number;
    rssMiB: number;
    totalSeries: number;
  };
  rules: {
    userRules: number;
    /** User rules applying to each target (one group of ten targets per rule). */
    userRulesPerTarget: number;
    catalogRules: number;
    targets: number;
    series: number;
    findings: number;
    runs: number;
    p50Ms: number;
    maxMs: number;
  };
}
