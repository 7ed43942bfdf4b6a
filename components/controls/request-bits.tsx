import { Badge } from "@/components/ui/badge";
import { ticketHref } from "@/lib/controls/catalog";

// Small presentational pieces shared by the Controls screen's server and client parts.

type Tone = "neutral" | "sev1" | "sev2" | "sev3" | "unknown" | "ok" | "accent";

const STATE_TONE: Record<string, Tone> = {
  pending_approval: "sev3",
  approved: "accent",
  executing: "accent",
  succeeded: "ok",
  failed: "sev1",
  outcome_unknown: "sev2",
  expired: "neutral",
  rejected: "neutral",
};

export function RequestStateBadge({ state }: { state: string }) {
  return <Badge tone={STATE_TONE[state] ?? "neutral"}>{state.replace(/_/g, " ")}</Badge>;
}

export function TierBadge({ tier }: { tier: string }) {
  return (
    <Badge tone={tier === "critical" ? "sev1" : tier === "elevated" ? "sev2" : "neutral"} title="Risk tier">
      {tier}
    </Badge>
  );
}

export function VerificationText({ v }: { v: { ok: boolean | null; message: string } | null }) {
  if (!v) return <span className="text-muted">—</span>;
  const mark = v.ok === true ? "✓" : v.ok === false ? "✗" : "?";
  const cls = v.ok === true ? "text-ok" : v.ok === false ? "text-sev1" : "text-muted";
  return (
    <span className={cls}>
      <span aria-hidden="true">{mark} </span>
      <span className="sr-only">
        {v.ok === true ? "Verified: " : v.ok === false ? "Not verified: " : "Unchecked: "}
      </span>
      {v.message}
    </span>
  );
}

export function paramsText(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  return entries.length
    ? entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ")
    : "—";
}

export function utc(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—";
}

/** Why the protection a restore lifts was put on: the original request and its audit row. */
export function ProtectionText({
  p,
}: {
  p: {
    description: string;
    reason: string;
    ticketId: string;
    by: string;
    approvedBy: string | null;
    at: number;
    auditSeq: number | null;
  };
}) {
  return (
    <div className="rounded-md border border-sev2 p-2 text-sm" data-restores>
      <p className="font-medium">This lifts: {p.description}</p>
      <p className="break-words">
        Put on by {p.by}
        {p.approvedBy ? ` (approved by ${p.approvedBy})` : ""} at {utc(p.at)} · ticket{" "}
        <span className="font-mono">{p.ticketId}</span>
        {p.auditSeq !== null ? (
          <>
            {" "}
            ·{" "}
            <a className="text-accent underline" href={`/audit?ticket=${encodeURIComponent(p.ticketId)}`}>
              audit row {p.auditSeq}
            </a>
          </>
        ) : null}
      </p>
      <p className="break-words">Why: {p.reason}</p>
    </div>
  );
}

/** The blast radius, read live from the target. */
export function BlastList({ facts }: { facts: { label: string; value: string }[] }) {
  if (!facts.length) return null;
  return (
    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 text-sm" data-blast>
      {facts.map((f) => (
        <div key={f.label} className="contents" data-fact={f.label}>
          <dt className="text-muted">{f.label}</dt>
          <dd className="font-mono">{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A ticket ID, as a link to the tracker when the fleet config gives a `ticketUrlTemplate`. */
export function TicketId({
  id,
  template,
  className = "font-mono",
}: {
  id: string | null | undefined;
  template: string | null | undefined;
  className?: string;
}) {
  if (!id) return <span className={className}>—</span>;
  const href = ticketHref(template, id);
  return href ? (
    <a
      href={href}
      className={`${className} text-accent underline`}
      target="_blank"
      rel="noopener noreferrer"
      data-ticket-link={id}
    >
      {id}
    </a>
  ) : (
    <span className={className}>{id}</span>
  );
}
