"use client";

import { useActionState } from "react";
import { markRoutineCheckDoneAction } from "./actions";

/** Mark one routine check done, with an optional note and ticket ID. */
export function MarkDone({ system, check, title }: { system: string; check: string; title: string }) {
  const [state, submit, pending] = useActionState(markRoutineCheckDoneAction, null);
  const id = `rc-${system}-${check}`;
  const err = (k: string) => (state && !state.ok ? state.fieldErrors?.[k]?.[0] : undefined);
  return (
    <form action={submit} className="flex flex-wrap items-end gap-2" aria-label={`Mark ${title} done on ${system}`}>
      <input type="hidden" name="system" value={system} />
      <input type="hidden" name="check" value={check} />
      <div className="min-w-0">
        <label htmlFor={`${id}-note`} className="block text-xs text-muted">
          Note (optional)
        </label>
        <input
          id={`${id}-note`}
          name="note"
          maxLength={1000}
          className="w-48 rounded-md border border-line bg-bg px-2 py-1.5 text-sm"
        />
      </div>
      <div className="min-w-0">
        <label htmlFor={`${id}-ticket`} className="block text-xs text-muted">
          Ticket (optional)
        </label>
        <input
          id={`${id}-ticket`}
          name="ticketId"
          maxLength={80}
          aria-invalid={Boolean(err("ticketId"))}
          className="w-28 rounded-md border border-line bg-bg px-2 py-1.5 text-sm"
        />
      </div>
      <button disabled={pending} className="min-h-10 rounded-md border border-line px-3 text-sm font-medium">
        {pending ? "Recording…" : "Mark done"}
      </button>
      {state && !state.ok ? (
        <p role="alert" className="w-full text-xs text-sev1">
          {err("ticketId") ?? err("note") ?? state.message}
        </p>
      ) : null}
      {state?.ok ? (
        <p role="status" className="w-full text-xs text-ok">
          Recorded.
        </p>
      ) : null}
    </form>
  );
}
