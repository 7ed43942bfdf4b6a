"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/errors";
import { utcClock } from "@/lib/core/time";

export type AcknowledgeAction = (findingId: string) => Promise<ActionResult<{ by: string; at: number }>>;

/**
 * Acknowledge (responder and up) or who already did. `refresh` re-reads the server page after a
 * success, for pages that are not fed by the live board.
 */
export function AcknowledgeControl({
  findingId,
  onset,
  ack,
  acknowledge,
  refresh = false,
}: {
  findingId: string;
  /** When the current occurrence began: an acknowledgement made here holds for it only. */
  onset: number;
  ack?: { by: string; at: number } | undefined;
  acknowledge?: AcknowledgeAction | undefined;
  refresh?: boolean;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<{ by: string; at: number; onset: number }>();
  const shown = ack ?? (done?.onset === onset ? done : undefined);
  if (shown)
    return (
      <span className="text-xs text-ok">
        ✓ Acknowledged by {shown.by} at {utcClock(shown.at)}
      </span>
    );
  if (!acknowledge) return <span className="text-xs text-muted">Not acknowledged</span>;
  return (
    <>
      <button
        type="button"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await acknowledge(findingId);
            if (r.ok) {
              setError(undefined);
              setDone({ ...r.data, onset });
              if (refresh) router.refresh();
            } else setError(r.message);
          })
        }
        className="min-h-10 rounded-md border border-line px-3 text-sm font-medium hover:bg-surface-2"
      >
        {pending ? "Acknowledging…" : "Acknowledge"}
      </button>
      {error ? (
        <p role="alert" className="basis-full text-xs text-sev1">
          {error}
        </p>
      ) : null}
    </>
  );
}

/**
 * The way to the incident for a finding: a link to the open incident that already covers it, or
 * "Open incident" when none does — never both, so nobody opens a second one for the same problem.
 */
export function IncidentLinkOrOpen({
  findingId,
  incident,
  cleared = false,
}: {
  findingId: string;
  incident?: { id: string; title: string } | undefined;
  cleared?: boolean;
}) {
  if (incident) {
    return (
      <Link
        href={`/incidents/${incident.id}`}
        data-incident-link={incident.id}
        className="min-h-10 content-center rounded-md px-2 text-sm font-medium text-accent hover:underline"
      >
        Incident open: <span className="break-words">{incident.title}</span>
      </Link>
    );
  }
  if (cleared) return null;
  return (
    <Link
      href={`/incidents?finding=${encodeURIComponent(findingId)}`}
      className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
    >
      Open incident
    </Link>
  );
}
