import type { Severity } from "@/lib/rules/types";
import { Badge } from "@/components/ui/badge";

export function SeverityBadge({ severity, note }: { severity: Severity | null; note?: string }) {
  if (!severity)
    return (
      <Badge tone="unknown" title="This runbook does not state a severity">
        no severity
      </Badge>
    );
  const tone = severity === "SEV1" ? "sev1" : severity === "SEV2" ? "sev2" : "sev3";
  return (
    <Badge tone={tone} title={note ? `${severity} — ${note}` : `Severity ${severity}`}>
      {severity}
    </Badge>
  );
}
