"use client";

import { useActionState } from "react";
import { endSilenceAction, extendSilenceAction, silenceFormAction } from "./actions";

const inputCls = "w-full rounded-md border border-line bg-bg px-3 py-2 text-sm";

export function SilenceForm({
  systems,
  ticketPattern,
  maxHours,
  sev1CommanderHours,
}: {
  systems: string[];
  ticketPattern: string;
  maxHours: number;
  sev1CommanderHours: number;
}) {
  const [state, submit, pending] = useActionState(silenceFormAction, null);
  const err = (k: string) => (state && !state.ok ? state.fieldErrors?.[k]?.[0] : undefined);
  const errorText = (k: string) =>
    err(k) ? (
      <p id={`sil-${k}-err`} className="mt-1 text-xs text-sev1">
        {err(k)}
      </p>
    ) : null;
  const described = (k: string) => (err(k) ? { "aria-invalid": true, "aria-describedby": `sil-${k}-err` } : {});
  return (
    <form
      action={submit}
      className="grid gap-3 rounded-xl border border-line bg-surface p-4 sm:grid-cols-2"
      aria-label="New silence"
    >
      <fieldset className="sm:col-span-2">
        <legend className="text-xs text-muted">Kind</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex min-h-10 items-center gap-2">
            <input type="radio" name="kind" value="silence" defaultChecked /> Silence
          </label>
          <label className="flex min-h-10 items-center gap-2">
            <input type="radio" name="kind" value="maintenance" /> Maintenance window (whole systems, can be scheduled
            ahead)
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend className="text-xs text-muted">Systems (none ticked = every system)</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 text-sm">
          {systems.map((s) => (
            <label key={s} className="flex min-h-10 items-center gap-2">
              <input type="checkbox" name="system" value={s} /> {s}
            </label>
          ))}
        </div>
        {errorText("matchers.system")}
      </fieldset>
      <fieldset>
        <legend className="text-xs text-muted">Severities (none ticked = all)</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 text-sm">
          {["SEV1", "SEV2", "SEV3"].map((s) => (
            <label key={s} className="flex min-h-10 items-center gap-2">
              <input type="checkbox" name="severity" value={s} /> {s}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor="sil-entity" className="block text-xs text-muted">
          Entities (comma-separated, optional)
        </label>
        <input id="sil-entity" name="entity" placeholder="eth-grid, BTC-USDT" className={inputCls} />
      </div>
      <div>
        <label htmlFor="sil-rule" className="block text-xs text-muted">
          Rules (comma-separated ids, optional)
        </label>
        <input id="sil-rule" name="rule" placeholder="settlement_lag" className={inputCls} />
      </div>
      <div>
        <label htmlFor="sil-start" className="block text-xs text-muted">
          Starts (UTC; empty = now)
        </label>
        <input id="sil-start" name="startsAt" type="datetime-local" className={inputCls} {...described("startsAt")} />
        {errorText("startsAt")}
      </div>
      <div>
        <label htmlFor="sil-duration" className="block text-xs text-muted">
          Duration (hours; at most {maxHours}; SEV1 beyond {sev1CommanderHours} h needs a commander)
        </label>
        <input
          id="sil-duration"
          name="durationHours"
          type="number"
          step="0.25"
          min="0.25"
          defaultValue="1"
          className={inputCls}
          {...described("durationHours")}
        />
        {errorText("durationHours")}
      </div>
      <div>
        <label htmlFor="sil-ticket" className="block text-xs text-muted">
          Ticket ID
        </label>
        <input
          id="sil-ticket"
          name="ticketId"
          placeholder="OPS-123"
          pattern={ticketPattern}
          className={inputCls}
          {...described("ticketId")}
        />
        {errorText("ticketId")}
      </div>
      <div>
        <label htmlFor="sil-reason" className="block text-xs text-muted">
          Reason
        </label>
        <input id="sil-reason" name="reason" className={inputCls} {...described("reason")} />
        {errorText("reason")}
      </div>
      <div className="flex flex-wrap items-center gap-2 sm:col-span-2">
        <button
          name="intent"
          value="preview"
          disabled={pending}
          formNoValidate
          className="min-h-10 rounded-md border border-line px-3 text-sm font-medium"
        >
          Preview matching findings
        </button>
        <button
          name="intent"
          value="create"
          disabled={pending}
          className="min-h-10 rounded-md bg-accent px-3 text-sm font-medium text-accent-fg"
        >
          Create
        </button>
        {state && !state.ok ? (
          <p role="alert" className="text-sm text-sev1">
            {state.message}
          </p>
        ) : null}
        {state?.ok && state.intent === "create" ? (
          <p role="status" className="text-sm text-ok">
            Created.{state.data.warnings.length ? ` ${state.data.warnings.join(" ")}` : ""}
          </p>
        ) : null}
      </div>
      {state?.ok && state.intent === "preview" ? (
        <div role="status" className="sm:col-span-2 text-sm" aria-label="Preview">
          {state.data.warnings.map((w) => (
            <p key={w} className="text-sev2">
              ⚠ {w}
            </p>
          ))}
          {state.data.matching.length ? (
            <>
              <p className="font-medium">
                Would mute {state.data.matching.length} current finding{state.data.matching.length === 1 ? "" : "s"}:
              </p>
              <ul className="mt-1 list-disc pl-5">
                {state.data.matching.map((f) => (
                  <li key={f.id}>
                    {f.severity} {f.state} · {f.system}
                    {f.entity !== "*" ? ` · ${f.entity}` : ""} — {f.summary}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

export function SilenceControls({ id, endsAt }: { id: string; endsAt: number }) {
  const [extendState, extend, extending] = useActionState(extendSilenceAction, null);
  const [endState, end, ending] = useActionState(endSilenceAction, null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <form action={extend} className="flex items-center gap-1">
        <input type="hidden" name="id" value={id} />
        <input type="hidden" name="currentEnd" value={endsAt} />
        <label htmlFor={`ext-${id}`} className="sr-only">
          Extend by hours
        </label>
        <input
          id={`ext-${id}`}
          name="hours"
          type="number"
          min="0.25"
          step="0.25"
          defaultValue="1"
          className="w-20 rounded-md border border-line bg-bg px-2 py-1.5 text-sm"
        />
        <button disabled={extending} className="min-h-10 rounded-md border border-line px-2 text-xs">
          Extend
        </button>
      </form>
      <form action={end}>
        <input type="hidden" name="id" value={id} />
        <button disabled={ending} className="min-h-10 rounded-md border border-line px-2 text-xs">
          End now
        </button>
      </form>
      {extendState && !extendState.ok ? (
        <span role="alert" className="text-xs text-sev1">
          {extendState.message}
        </span>
      ) : null}
      {endState && !endState.ok ? (
        <span role="alert" className="text-xs text-sev1">
          {endState.message}
        </span>
      ) : null}
    </div>
  );
}
