import Link from "next/link";
import type { PanelFinding, PanelSystem } from "@/lib/panels/context";
import { Badge } from "../ui/badge";
import { FreshnessBadge } from "../ui/freshness-badge";
import { Ago } from "../ui/clock";

// Panel frame and shared pieces: a section with its heading, the system's freshness and, when the
// data is not fresh, a notice that says so — a panel never looks healthy on old data.

export function Panel({
  id,
  title,
  children,
  actions,
  className = "",
}: {
  id: string;
  title: React.ReactNode;
  children: React.ReactNode;
  actions?: React.ReactNode;
  className?: string;
}) {
  return (
    <section
      aria-labelledby={`${id}-h`}
      className={`min-w-0 rounded-xl border border-line bg-surface/40 p-4 ${className}`}
      data-panel={id}
    >
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-h`} className="text-lg font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function SystemBadges({ system, now }: { system: PanelSystem; now: number }) {
  return (
    <span className="flex flex-wrap items-center gap-2 text-xs text-muted">
      <FreshnessBadge freshness={system.freshness} />
      {system.simulated ? <Badge title="A system of the built-in simulator">simulated</Badge> : null}
      <span>
        last poll <Ago at={system.lastSuccessAt} now={now} withUtc />
      </span>
    </span>
  );
}

/** Shown above a panel whose source is not fresh. */
export function FreshnessNotice({ system, now }: { system: PanelSystem; now: number }) {
  if (system.freshness === "ok") return null;
  const text =
    system.freshness === "no_data"
      ? `No data has been received from ${system.label} yet. Nothing here can be read as healthy.`
      : system.freshness === "error"
        ? `${system.label} is failing to answer${system.lastError ? ` (${system.lastError})` : ""}. The values below are the last known ones, not the current state.`
        : `${system.label}'s data is stale. The values below are the last known ones, not the current state.`;
  return (
    <p
      role="status"
      className={`mb-3 rounded-md border px-3 py-2 text-sm ${system.freshness === "error" ? "border-sev1 text-sev1" : "border-sev2 text-sev2"}`}
      data-freshness-notice={system.freshness}
    >
      <span aria-hidden="true">{system.freshness === "error" ? "✕ " : "◐ "}</span>
      {text}{" "}
      {system.lastSuccessAt ? (
        <span className="text-muted">
          Last good poll <Ago at={system.lastSuccessAt} now={now} withUtc />.
        </span>
      ) : null}
    </p>
  );
}

export function PanelError({ what, message }: { what: string; message: string }) {
  return (
    <p role="alert" className="rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
      <span aria-hidden="true">✕ </span>Could not load {what}: {message}. Nothing here can be read as healthy; the page
      retries on its next refresh.
    </p>
  );
}

const STATE_LOOK: Record<string, { tone: "sev1" | "sev2" | "unknown" | "ok"; icon: string }> = {
  critical: { tone: "sev1", icon: "▲" },
  warning: { tone: "sev2", icon: "◆" },
  unknown: { tone: "unknown", icon: "?" },
  ok: { tone: "ok", icon: "✓" },
};

export function FindingBadge({ f }: { f: Pick<PanelFinding, "state" | "severity"> }) {
  const look = STATE_LOOK[f.state] ?? STATE_LOOK.unknown!;
  return (
    <Badge tone={look.tone} title={`Finding state: ${f.state}`}>
      <span aria-hidden="true">{look.icon}</span> {f.severity} {f.state}
    </Badge>
  );
}

/** Open findings as links to their detail page. */
export function FindingLinks({
  findings,
  empty = "No open findings.",
  label = "Open findings",
}: {
  findings: PanelFinding[];
  empty?: string;
  label?: string;
}) {
  if (findings.length === 0)
    return (
      <p className="text-sm text-muted" data-findings="none">
        {empty}
      </p>
    );
  return (
    <ul className="space-y-1.5" aria-label={label}>
      {findings.map((f) => (
        <li key={f.id} className="flex flex-wrap items-baseline gap-2 text-sm" data-finding={f.id}>
          <FindingBadge f={f} />
          <Link href={f.href} className="font-medium underline decoration-line underline-offset-2 hover:decoration-fg">
            {f.title}
          </Link>
          <span className="text-muted">{f.summary}</span>
        </li>
      ))}
    </ul>
  );
}

export function RangeTabs({
  current,
  base,
  extra = {},
}: {
  current: string;
  base: string;
  extra?: Record<string, string>;
}) {
  const ranges = ["1h", "6h", "24h", "7d"];
  return (
    <nav aria-label="Time range" className="flex gap-1">
      {ranges.map((r) => {
        const q = new URLSearchParams({ ...extra, range: r });
        return (
          <Link
            key={r}
            href={`${base}?${q}`}
            aria-current={r === current ? "page" : undefined}
            scroll={false}
            className={`min-h-10 min-w-12 rounded-md border px-3 py-2 text-center text-sm ${r === current ? "border-accent bg-accent font-semibold text-accent-fg" : "border-line"}`}
          >
            {r}
          </Link>
        );
      })}
    </nav>
  );
}

export function Stat({
  label,
  value,
  tone,
  hint,
}: {
  label: string;
  value: React.ReactNode;
  tone?: "bad" | "warn" | "ok" | "unknown";
  hint?: React.ReactNode;
}) {
  const cls =
    tone === "bad"
      ? "border-sev1"
      : tone === "warn"
        ? "border-sev2"
        : tone === "unknown"
          ? "border-unknown"
          : "border-line";
  return (
    <div className={`min-w-0 rounded-lg border bg-surface p-3 ${cls}`}>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="mt-1 font-mono text-lg break-words">{value}</dd>
      {hint ? <dd className="mt-1 text-xs text-muted">{hint}</dd> : null}
    </div>
  );
}
