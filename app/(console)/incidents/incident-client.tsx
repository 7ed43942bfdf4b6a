"use client";

import { startTransition, useActionState, useState } from "react";
import type { ActionResult } from "@/lib/errors";
import { CopyButton } from "@/components/runbooks/copy-button";
import {
  addNoteAction,
  addResponderAction,
  checkInAction,
  openIncidentAction,
  postCommsAction,
  setCommanderAction,
  setSeverityAction,
  setStatusAction,
  tickStepAction,
} from "./actions";

// The incident forms: each posts to one thin server action and shows its answer in words.

type Action = (prev: ActionResult<unknown> | null, form: FormData) => Promise<ActionResult<unknown>>;

export const inputCls = "mt-1 block min-h-11 w-full rounded-md border border-line bg-bg px-3 py-2 text-base sm:text-sm";
const buttonCls = "min-h-11 rounded-md bg-accent px-4 font-medium text-accent-fg disabled:opacity-60";
const secondaryCls =
  "min-h-11 rounded-md border border-line bg-surface px-4 font-medium hover:bg-surface-2 disabled:opacity-60";

function Answer({ result, okText }: { result: ActionResult<unknown> | null; okText?: string }) {
  if (!result) return null;
  if (result.ok)
    return okText ? (
      <p role="status" className="text-sm text-ok">
        {okText}
      </p>
    ) : null;
  return (
    <p role="alert" className="text-sm text-sev1">
      {result.message}
    </p>
  );
}

function fieldError(result: ActionResult<unknown> | null, k: string): string | undefined {
  return result && !result.ok ? result.fieldErrors?.[k]?.[0] : undefined;
}

export interface OpenPrefill {
  findingId?: string;
  title?: string;
  severity?: string;
  affected?: string;
  runbook?: string;
  findingSummary?: string;
}

export function OpenIncidentForm({
  prefill,
  runbooks,
}: {
  prefill: OpenPrefill;
  runbooks: Array<{ slug: string; title: string }>;
}) {
  const [result, submit, pending] = useActionState(openIncidentAction as Action, null);
  const err = (k: string) => fieldError(result, k);
  return (
    <form action={submit} className="grid gap-3 sm:grid-cols-2" aria-label="Open incident">
      {prefill.findingId ? (
        <p
          className="rounded-md border border-accent p-3 text-sm sm:col-span-2"
          data-prefill-finding={prefill.findingId}
        >
          From finding <span className="font-mono break-all">{prefill.findingId}</span>
          {prefill.findingSummary ? `: ${prefill.findingSummary}` : ""}
          <input type="hidden" name="findingId" value={prefill.findingId} />
        </p>
      ) : null}
      <div className="sm:col-span-2">
        <label htmlFor="open-title" className="block text-sm text-muted">
          Title
        </label>
        <input
          id="open-title"
          name="title"
          defaultValue={prefill.title ?? ""}
          className={inputCls}
          aria-invalid={Boolean(err("title"))}
          aria-describedby={err("title") ? "open-title-err" : undefined}
        />
        {err("title") ? (
          <p id="open-title-err" className="mt-1 text-xs text-sev1">
            {err("title")}
          </p>
        ) : null}
      </div>
      <div>
        <label htmlFor="open-severity" className="block text-sm text-muted">
          Severity
        </label>
        <select
          id="open-severity"
          name="severity"
          defaultValue={prefill.severity ?? ""}
          className={inputCls}
          aria-invalid={Boolean(err("severity"))}
          aria-describedby={err("severity") ? "open-severity-err" : undefined}
        >
          <option value="">Choose…</option>
          <option value="SEV1">SEV1 — money or exposure at risk</option>
          <option value="SEV2">SEV2 — trading degraded, controls active</option>
          <option value="SEV3">SEV3 — observability or configuration</option>
        </select>
        {err("severity") ? (
          <p id="open-severity-err" className="mt-1 text-xs text-sev1">
            {err("severity")}
          </p>
        ) : null}
      </div>
      <div>
        <label htmlFor="open-runbook" className="block text-sm text-muted">
          Runbook
        </label>
        <select
          id="open-runbook"
          name="runbook"
          defaultValue={prefill.runbook ?? ""}
          className={inputCls}
          aria-invalid={Boolean(err("runbook"))}
        >
          <option value="">None</option>
          {runbooks.map((r) => (
            <option key={r.slug} value={r.slug}>
              {r.title}
            </option>
          ))}
        </select>
        {err("runbook") ? <p className="mt-1 text-xs text-sev1">{err("runbook")}</p> : null}
      </div>
      <div className="sm:col-span-2">
        <label htmlFor="open-affected" className="block text-sm text-muted">
          Affected systems and entities (system or system/entity, comma-separated)
        </label>
        <input
          id="open-affected"
          name="affected"
          defaultValue={prefill.affected ?? ""}
          placeholder="alpha-bot/eth-grid, spot-exchange/BTC-USD"
          className={inputCls}
          aria-invalid={Boolean(err("affected"))}
          aria-describedby={err("affected") ? "open-affected-err" : undefined}
        />
        {err("affected") ? (
          <p id="open-affected-err" className="mt-1 text-xs text-sev1">
            {err("affected")}
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
        <button type="submit" className={buttonCls} disabled={pending}>
          {pending ? "Opening…" : "Open incident"}
        </button>
        <span className="text-sm text-muted">You become the incident commander.</span>
        <Answer result={result} />
      </div>
    </form>
  );
}

export function StepToggle({
  incidentId,
  stepId,
  index,
  done,
  disabled,
}: {
  incidentId: string;
  stepId: string;
  index: number;
  done: boolean;
  disabled?: boolean;
}) {
  const [result, submit, pending] = useActionState(tickStepAction as Action, null);
  return (
    <form action={submit} className="shrink-0">
      <input type="hidden" name="id" value={incidentId} />
      <input type="hidden" name="step" value={stepId} />
      <input type="hidden" name="done" value={String(done)} />
      <button
        type="submit"
        disabled={disabled || pending}
        aria-pressed={done}
        aria-label={`${done ? "Untick" : "Tick"} step ${index}`}
        className={`grid size-11 place-items-center rounded-md border-2 text-lg font-bold ${done ? "border-ok bg-ok/15 text-ok" : "border-muted"} disabled:opacity-60`}
      >
        <span aria-hidden="true">{done ? "✓" : ""}</span>
      </button>
      {result && !result.ok ? (
        <p role="alert" className="mt-1 max-w-40 text-xs text-sev1">
          {result.message}
        </p>
      ) : null}
    </form>
  );
}

function SimpleForm({
  action,
  incidentId,
  label,
  okText,
  className = secondaryCls,
  children,
}: {
  action: Action;
  incidentId: string;
  label: string;
  okText?: string;
  className?: string;
  children?: React.ReactNode;
}) {
  const [result, submit, pending] = useActionState(action, null);
  return (
    <form action={submit} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name="id" value={incidentId} />
      {children}
      <button type="submit" className={className} disabled={pending}>
        {label}
      </button>
      <Answer result={result} okText={okText} />
    </form>
  );
}

export function CheckInButton({ incidentId, already }: { incidentId: string; already: boolean }) {
  return (
    <SimpleForm
      action={checkInAction as Action}
      incidentId={incidentId}
      label={already ? "Check in again" : "I'm on it"}
      okText="Checked in"
      className={buttonCls}
    />
  );
}

/** One labelled select inside a SimpleForm. */
function Choice({
  id,
  name,
  label,
  options,
  defaultValue,
}: {
  id: string;
  name: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  defaultValue?: string;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-xs text-muted">
        {label}
      </label>
      <select id={id} name={name} className={inputCls} defaultValue={defaultValue}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

const same = (values: string[]) => values.map((v) => ({ value: v, label: v }));

/**
 * Status moves. Resolving while steps are open or findings still fire shows what is open and
 * needs "Resolve anyway" ticked; the service refuses without it, naming the same things.
 */
export function StatusForm({
  incidentId,
  moves,
  blockers,
}: {
  incidentId: string;
  moves: string[];
  blockers: string[];
}) {
  const [to, setTo] = useState(moves[0] ?? "");
  const [result, submit, pending] = useActionState(setStatusAction as Action, null);
  const asking = to === "resolved" && blockers.length > 0;
  const refusal = fieldError(result, "confirm");
  // Submitted by hand rather than through `action`, so React does not reset the form after a
  // refusal: the chosen status and the confirmation stay as the commander left them.
  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    startTransition(() => submit(form));
  };
  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-2" aria-label="Change status">
      <input type="hidden" name="id" value={incidentId} />
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor="status-to" className="block text-xs text-muted">
            New status
          </label>
          <select id="status-to" name="status" className={inputCls} value={to} onChange={(e) => setTo(e.target.value)}>
            {moves.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={secondaryCls} disabled={pending}>
          Change status
        </button>
      </div>
      {asking ? (
        <div className="rounded-md border border-sev2 p-3 text-sm" data-resolve-blockers={blockers.length}>
          <p className="font-semibold">Still open — resolving now leaves these behind:</p>
          <ul className="mt-1 list-disc space-y-1 pl-5">
            {blockers.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
          <label className="mt-2 flex min-h-11 items-center gap-2">
            <input type="checkbox" name="confirm" value="resolve" className="size-5" />
            Resolve anyway — I have read what is still open
          </label>
        </div>
      ) : null}
      {refusal ? (
        <p role="alert" className="text-sm text-sev1">
          {refusal}
        </p>
      ) : result && !result.ok ? (
        <p role="alert" className="text-sm text-sev1">
          {result.message}
        </p>
      ) : null}
    </form>
  );
}

export function SeverityForm({ incidentId, current }: { incidentId: string; current: string }) {
  const others = ["SEV1", "SEV2", "SEV3"].filter((s) => s !== current);
  return (
    <SimpleForm action={setSeverityAction as Action} incidentId={incidentId} label="Change severity">
      <Choice id="severity-to" name="severity" label="New severity" options={same(others)} defaultValue={others[0]} />
    </SimpleForm>
  );
}

export function CommanderForm({
  incidentId,
  people,
}: {
  incidentId: string;
  people: Array<{ id: string; name: string }>;
}) {
  if (!people.length) return null;
  return (
    <SimpleForm action={setCommanderAction as Action} incidentId={incidentId} label="Hand over command">
      <Choice
        id="commander-to"
        name="personId"
        label="Incident commander"
        options={people.map((p) => ({ value: p.id, label: p.name }))}
      />
    </SimpleForm>
  );
}

export function AddResponderForm({ incidentId }: { incidentId: string }) {
  return (
    <SimpleForm action={addResponderAction as Action} incidentId={incidentId} label="Add responder" okText="Added">
      <div>
        <label htmlFor="responder-username" className="block text-xs text-muted">
          Username
        </label>
        <input id="responder-username" name="username" className={inputCls} autoComplete="off" />
      </div>
    </SimpleForm>
  );
}

export function NoteForm({ incidentId }: { incidentId: string }) {
  const [text, setText] = useState("");
  const [result, submit, pending] = useActionState(async (prev: ActionResult<unknown> | null, form: FormData) => {
    const r = await (addNoteAction as Action)(prev, form);
    if (r.ok) setText("");
    return r;
  }, null);
  return (
    <form action={submit} className="space-y-2" aria-label="Add a note">
      <input type="hidden" name="id" value={incidentId} />
      <label htmlFor="note-text" className="block text-sm text-muted">
        Note
      </label>
      <textarea
        id="note-text"
        name="text"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        className={inputCls}
      />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={buttonCls} disabled={pending}>
          Add note
        </button>
        <Answer result={result} okText="Note added" />
      </div>
    </form>
  );
}

export function CommsForm({
  incidentId,
  generated,
  canPost,
}: {
  incidentId: string;
  generated: string;
  canPost: boolean;
}) {
  const [text, setText] = useState(generated);
  const [result, submit, pending] = useActionState(postCommsAction as Action, null);
  return (
    <form action={submit} className="space-y-2" aria-label="Communication update">
      <input type="hidden" name="id" value={incidentId} />
      <label htmlFor="comms-text" className="block text-sm text-muted">
        Update for the incident channel (edit before posting)
      </label>
      <textarea
        id="comms-text"
        name="text"
        rows={6}
        value={text}
        onChange={(e) => setText(e.target.value)}
        className={`${inputCls} font-mono`}
      />
      <div className="flex flex-wrap items-center gap-2">
        <CopyButton text={text} label="Copy the update" />
        <button type="button" className={secondaryCls} onClick={() => setText(generated)}>
          Regenerate from current state
        </button>
        {canPost ? (
          <button type="submit" className={buttonCls} disabled={pending}>
            Post (record on the timeline)
          </button>
        ) : (
          <span className="text-sm text-muted">Commanders post updates.</span>
        )}
        <Answer result={result} okText="Recorded on the timeline" />
      </div>
    </form>
  );
}
