import { ticketHref } from "../controls/catalog";
import { templateSeverity } from "./comms";
import { duration, isoSeconds, utcMinute } from "../core/time";
import { formatParams, formatValue, looksLikeEpochMs, roundValue, tidyText } from "./format";
import type { ChecklistStepRun, ControlRun, EvidenceItem, IncidentSummary, TimelineEntry } from "./types";
import type { BoardSummary } from "../replay/moments";

// The postmortem bundle (what the exchange runbook calls a forensic bundle): the timeline, the
// checklist as it was run, controls with their audit references, and the evidence — as Markdown
// for people and JSON for tools. Pure: the caller gathers the data.

export interface PostmortemInput {
  incident: IncidentSummary;
  timeline: TimelineEntry[];
  checklist: ChecklistStepRun[];
  warnings: string[];
  controls: ControlRun[];
  evidence: EvidenceItem[];
  communications: Array<{ at: number; by?: string; text: string }>;
  audit: { verified: boolean; upToSeq: number | null; checkedAt: number };
  generatedAt: number;
  /** The fleet config's `controls.ticketUrlTemplate`: ticket IDs become links. */
  ticketUrlTemplate?: string | null;
  /** The board as it was at the incident's onset, peak and resolution (lib/replay). */
  boards?: Array<{ moment: "onset" | "peak" | "resolution"; board: BoardSummary }>;
}

export interface PostmortemBundle {
  markdown: string;
  json: string;
  filename: string;
}

const iso = isoSeconds;

function mdEscape(s: string): string {
  return tidyText(s).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function buildPostmortem(p: PostmortemInput): PostmortemBundle {
  const ticketCell = (id: string | undefined) => {
    const href = ticketHref(p.ticketUrlTemplate, id);
    return href ? `[${mdEscape(id!)}](${href})` : (id ?? "");
  };
  const i = p.incident;
  const end = i.resolvedAt ?? p.generatedAt;
  const done = p.checklist.filter((s) => s.done).length;
  const lines: string[] = [];
  lines.push(`# Postmortem bundle: ${i.title}`, "");
  lines.push(`Generated ${iso(p.generatedAt)} by Watchfloor. Times are UTC.`, "");
  lines.push("## Summary", "");
  lines.push("| | |", "|---|---|");
  lines.push(`| Severity | ${templateSeverity(i.severity)} |`);
  lines.push(`| Status | ${i.status} |`);
  lines.push(`| Opened | ${iso(i.openedAt)} by ${mdEscape(i.openedBy.name)} |`);
  lines.push(
    `| ${i.resolvedAt ? "Resolved" : "Still open at export"} | ${iso(end)} (${duration(end - i.openedAt)} after opening) |`,
  );
  lines.push(`| Incident commander | ${i.commander ? mdEscape(i.commander.name) : "not assigned"} |`);
  lines.push(
    `| Responders | ${i.responders.length ? i.responders.map((r) => mdEscape(r.name)).join(", ") : "none recorded"} |`,
  );
  lines.push(
    `| Affected | ${i.affected.length ? i.affected.map((a) => `${a.system}${a.entity === "*" ? "" : ` · ${a.entity}`}`).join(", ") : "none recorded"} |`,
  );
  lines.push(`| Runbook | ${i.runbook ?? "none"} |`);
  lines.push(`| Checklist | ${done} of ${p.checklist.length} steps done |`);
  lines.push(
    `| Audit chain | ${p.audit.verified ? `verified up to row ${p.audit.upToSeq ?? 0} at ${iso(p.audit.checkedAt)}` : "NOT verified — see the audit screen"} |`,
  );
  lines.push("");
  lines.push("## Timeline", "");
  if (p.timeline.length === 0) lines.push("No events recorded.");
  for (const e of [...p.timeline].sort((a, b) => a.at - b.at)) {
    lines.push(
      `- **${iso(e.at)}** — ${e.kind}${e.actor ? ` (${mdEscape(e.actor)})` : ""}: ${mdEscape(e.text)}${e.auditSeq !== undefined ? ` [audit #${e.auditSeq}]` : ""}`,
    );
  }
  lines.push("", "## Checklist as run", "");
  if (p.checklist.length === 0) lines.push("No checklist was attached.");
  for (const s of p.checklist) {
    const who =
      s.how === "live check"
        ? "ticked itself (live check)"
        : s.how === "control"
          ? `ticked when its control succeeded (${mdEscape(s.doneBy ?? "unknown")})`
          : `by ${mdEscape(s.doneBy ?? "unknown")}`;
    lines.push(
      `- [${s.done ? "x" : " "}] ${mdEscape(s.text)}${s.done ? ` — ${who}${s.doneAt ? ` at ${iso(s.doneAt)}` : ""}` : " — not done"}`,
    );
  }
  if (p.warnings.length) {
    lines.push("", "### Standing warnings during the incident", "");
    for (const w of p.warnings) lines.push(`- ${mdEscape(w)}`);
  }
  lines.push("", "## Controls", "");
  if (p.controls.length === 0) lines.push("No emergency controls were run.");
  else {
    lines.push(
      "| Time | Control | Target | Parameters | Ticket | Requested by | Approved by | Outcome | Verification | Audit |",
      "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const c of p.controls) {
      const decision = c.approvedBy
        ? `${mdEscape(c.approvedBy)}${c.decidedAt ? ` at ${iso(c.decidedAt)}` : ""}`
        : c.rejectedBy
          ? `rejected by ${mdEscape(c.rejectedBy)}${c.decidedAt ? ` at ${iso(c.decidedAt)}` : ""}`
          : "not needed";
      const from = c.source === "controls page" ? " (from the Controls page)" : "";
      lines.push(
        `| ${iso(c.at)} | ${mdEscape(c.label)}${from} | ${mdEscape(c.target)} | ${mdEscape(formatParams(c.params ?? {}))} | ${ticketCell(c.ticketId)} | ${mdEscape(c.requestedBy ?? "")} | ${decision} | ${c.outcome} | ${mdEscape(c.verification ?? "")} | ${c.auditSeq !== undefined ? `#${c.auditSeq}` : ""} |`,
      );
    }
  }
  lines.push("", "## Communication updates", "");
  if (p.communications.length === 0) lines.push("None were posted.");
  for (const c of p.communications) {
    lines.push(`Posted ${utcMinute(c.at)}${c.by ? ` by ${mdEscape(c.by)}` : ""}:`, "", "```", c.text, "```", "");
  }
  if (p.boards?.length) {
    lines.push("", "## The board at onset, peak and resolution", "");
    lines.push("Rebuilt from the finding history as it was at each moment (a replay, not a live reading).", "");
    for (const m of p.boards) {
      const b = m.board;
      lines.push(`### ${m.moment[0]!.toUpperCase()}${m.moment.slice(1)} — ${iso(b.at)}`, "");
      lines.push(
        `Sources: ${b.systems.length ? b.systems.map((s) => `${mdEscape(s.name)} ${s.freshness.replace(/_/g, " ")}`).join(", ") : "none configured"}.`,
        "",
      );
      if (b.findings.length === 0) lines.push("Nothing open.");
      for (const f of b.findings)
        lines.push(
          `- ${f.severity} ${f.state}: ${mdEscape(f.title)} — ${mdEscape(f.system)}${f.entity === "*" ? "" : ` · ${mdEscape(f.entity)}`}, for ${duration(b.at - f.since)}${f.acknowledgedBy ? `, acknowledged by ${mdEscape(f.acknowledgedBy)}` : ""}`,
        );
      lines.push("");
    }
  }
  lines.push("", "## Evidence", "");
  if (p.evidence.length === 0) lines.push("No findings were linked.");
  for (const f of p.evidence) {
    lines.push(
      `### ${mdEscape(f.title)} (${f.severity}, ${f.state})`,
      "",
      `${mdEscape(f.summary)} Since ${iso(f.since)}.`,
      "",
    );
    for (const v of f.values)
      lines.push(`- ${mdEscape(v.label)}: \`${formatValue(v.value)}\`${v.at ? ` at ${iso(v.at)}` : ""}`);
    lines.push("");
  }
  const markdown = lines.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
  const json = JSON.stringify(jsonBundle(p), null, 2);
  const slug =
    i.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 50) || "incident";
  return { markdown, json, filename: `postmortem-${new Date(i.openedAt).toISOString().slice(0, 10)}-${slug}` };
}

const isoOpt = (t: number | undefined) => (t === undefined ? undefined : iso(t));

/** A value for the JSON twin: numbers rounded, epoch milliseconds as UTC times, text as is. */
function jsonValue(v: unknown): unknown {
  if (typeof v === "number") return looksLikeEpochMs(v) ? iso(v) : roundValue(v);
  return v;
}

function jsonParams(params: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, jsonValue(v)]));
}

/**
 * The JSON twin of the Markdown: the same facts, times as UTC ISO strings (not epoch
 * milliseconds) and values rounded as the Markdown writes them. Format 2: times became strings.
 */
function jsonBundle(p: PostmortemInput): unknown {
  const i = p.incident;
  return {
    format: "watchfloor-postmortem/2",
    incident: { ...i, openedAt: iso(i.openedAt), resolvedAt: isoOpt(i.resolvedAt) },
    timeline: [...p.timeline].sort((a, b) => a.at - b.at).map((e) => ({ ...e, at: iso(e.at), text: tidyText(e.text) })),
    checklist: p.checklist.map((s) => ({ ...s, doneAt: isoOpt(s.doneAt) })),
    warnings: p.warnings,
    controls: p.controls.map((c) => ({
      ...c,
      at: iso(c.at),
      decidedAt: isoOpt(c.decidedAt),
      params: jsonParams(c.params),
    })),
    evidence: p.evidence.map((f) => ({
      ...f,
      summary: tidyText(f.summary),
      since: iso(f.since),
      values: f.values.map((v) => ({ label: v.label, value: jsonValue(v.value), at: isoOpt(v.at) })),
    })),
    communications: p.communications.map((c) => ({ ...c, at: iso(c.at) })),
    audit: { ...p.audit, checkedAt: iso(p.audit.checkedAt) },
    generatedAt: iso(p.generatedAt),
    boards: (p.boards ?? []).map((m) => ({
      moment: m.moment,
      at: iso(m.board.at),
      systems: m.board.systems,
      findings: m.board.findings.map((f) => ({ ...f, since: iso(f.since) })),
    })),
  };
}
