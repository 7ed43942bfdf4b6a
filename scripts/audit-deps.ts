// `npm run audit:deps`: known vulnerabilities in what ships (npm audit --omit=dev). Fails on any
// high or critical advisory, and also when the registry could not be asked: an audit that did not
// run is not a clean audit. Needs the network, so it is not part of `npm test`.
import { spawnSync } from "node:child_process";

interface AuditJson {
  error?: { summary?: string; detail?: string };
  message?: string;
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number; total?: number } };
  vulnerabilities?: Record<string, { severity: string; via: unknown[]; fixAvailable: unknown; range?: string }>;
}

const r = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 120_000 });
let report: AuditJson;
try {
  report = JSON.parse(r.stdout || "{}") as AuditJson;
} catch {
  console.error(
    `audit:deps: npm audit printed no JSON (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout).slice(0, 2000)}`,
  );
  process.exit(1);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.message || report.error?.summary || (r.stderr || "no result").trim().split("\n").at(-1);
  console.error(`audit:deps: the audit did not run, so nothing is known about vulnerabilities: ${why}`);
  console.error(
    "  (npm audit POSTs to the registry's advisory endpoint; a registry mirror that only serves package downloads answers 405.)",
  );
  process.exit(1);
}
const { info = 0, low = 0, moderate = 0, high = 0, critical = 0 } = counts;
console.log(
  `npm audit --omit=dev: ${critical} critical, ${high} high, ${moderate} moderate, ${low} low, ${info} info (${report.metadata?.dependencies?.prod ?? "?"} production dependencies)`,
);
for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
  if (v.severity !== "high" && v.severity !== "critical") continue;
  const titles = v.via
    .map((x) => (typeof x === "string" ? `via ${x}` : ((x as { title?: string; url?: string }).title ?? "")))
    .filter(Boolean);
  console.log(
    `  ${v.severity.toUpperCase()} ${name} ${v.range ?? ""}: ${titles.join("; ")}; fix available: ${JSON.stringify(v.fixAvailable)}`,
  );
}
process.exit(high + critical > 0 ? 1 : 0);
