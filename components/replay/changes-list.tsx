import Link from "next/link";
import type { Change } from "@/lib/replay/changes";
import { utcDateTime } from "@/lib/core/time";
import { Badge } from "../ui/badge";

// "What changed before it went red": the changes in the window before an onset, oldest first, each
// with its evidence and the board as it was at that moment.

const KIND_LABEL: Record<Change["kind"], string> = {
  control: "control",
  source: "source",
  "symbol-mode": "symbol mode",
  flag: "flag",
  silence: "silence",
  finding: "finding opened",
};

export const boardAtHref = (at: number) => `/?at=${encodeURIComponent(new Date(at).toISOString())}`;

export function ChangesList({
  changes,
  onset,
  windowMinutes,
  title = "Changes before onset",
  headingLevel = 2,
}: {
  changes: Change[];
  onset: number;
  windowMinutes: number;
  title?: string;
  headingLevel?: 2 | 3;
}) {
  const H = headingLevel === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby="changes-before-h" className="mt-6" data-changes-before="">
      <H id="changes-before-h" className="text-lg font-semibold">
        {title}
      </H>
      <p className="mb-2 text-xs text-muted">
        The {windowMinutes} minutes before {utcDateTime(onset)}: controls, sources that went stale or errored,
        symbol-mode and flag changes the targets reported, silences and other findings that opened.
      </p>
      {changes.length === 0 ? (
        <p className="rounded-lg border border-dashed border-line p-3 text-sm text-muted">
          Nothing the console records changed in that window.
        </p>
      ) : (
        <ol className="space-y-2 text-sm">
          {changes.map((c, i) => (
            <li
              key={`${c.at}-${i}`}
              className="rounded-md border border-line bg-surface px-3 py-2"
              data-change-kind={c.kind}
            >
              <span className="font-mono text-xs text-muted">{utcDateTime(c.at)}</span>{" "}
              <Badge tone={c.kind === "control" ? "accent" : c.kind === "finding" ? "sev2" : "neutral"}>
                {KIND_LABEL[c.kind]}
              </Badge>{" "}
              <span className="break-words">{c.text}</span>
              <span className="mt-1 flex flex-wrap gap-3 text-xs">
                <Link className="text-accent underline" href={c.href}>
                  Evidence: {c.evidence}
                </Link>
                <Link className="text-accent underline" href={boardAtHref(c.at)}>
                  Board at {utcDateTime(c.at).slice(11)}
                </Link>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
