import "server-only";
import { requireRole, type Actor } from "./auth/roles";
import { getFleetConfig } from "./config/current";
import { getLocalCollector } from "./collector/runtime";
import { formatDuration } from "./rules/user/schema";
import { ruleKinds, ruleMetrics, unexportedMetricWarnings, userRuleSet, type UserRulesStatus } from "./rules/user";

// The sources screen's "Rules of your own" section: the rules file in force, a bad edit that was
// refused (the last good rules stay in force), and rules whose metrics no target exports.

export interface UserRuleRow {
  id: string;
  type: string;
  severity: string;
  applies: string;
  metrics: string[];
  condition: string;
  runbook: string;
}

export interface UserRulesView {
  status: UserRulesStatus;
  rules: UserRuleRow[];
  warnings: string[];
}

export async function listUserRules(actor: Actor | null): Promise<UserRulesView> {
  requireRole(actor, "viewer");
  const set = userRuleSet();
  set.current();
  const specs = set.specsInForce();
  const store = getLocalCollector()?.store;
  const cfg = getFleetConfig();
  const targets = cfg.targets.map((t) => {
    const series = store?.allSeries(t.name) ?? [];
    // Unknown until the target has answered at least once.
    return { name: t.name, kind: t.kind, metrics: series.length ? new Set(series.map((s) => s.metric)) : undefined };
  });
  return {
    status: set.status(),
    warnings: unexportedMetricWarnings(specs, targets),
    rules: specs.map((s) => ({
      id: s.id,
      type: s.type,
      severity: s.escalation
        ? `${s.severity} → ${s.escalation.severity} after ${formatDuration(s.escalation.after)}`
        : s.severity,
      applies: [
        ...(s.targets?.kinds || !s.targets?.names ? [ruleKinds(s).join(", ")] : []),
        ...(s.targets?.names ? [`named ${s.targets.names.join(", ")}`] : []),
      ].join("; "),
      metrics: s.type === "count" && s.report ? [s.report] : ruleMetrics(s),
      condition:
        s.type === "threshold"
          ? `${s.op} ${s.value}${s.for ? ` for ${formatDuration(s.for)}` : ""}`
          : s.type === "consecutive"
            ? `${s.op} ${s.value} for ${s.cycles} polls`
            : s.type === "rate"
              ? `rate over ${formatDuration(s.window)} ${s.op} ${s.value}/s`
              : s.type === "count"
                ? `count in ${formatDuration(s.window)} ${s.op} ${s.value}`
                : `no value for ${formatDuration(s.for)}`,
      runbook: s.runbook,
    })),
  };
}
