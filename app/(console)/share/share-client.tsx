"use client";

import { useActionState, useState } from "react";
import { CopyButton } from "@/components/runbooks/copy-button";
import { createShareLinkAction, revokeShareLinkAction } from "./actions";

const inputCls = "w-full rounded-md border border-line bg-bg px-3 py-2 text-sm";

export function CreateShareLinkForm({
  incidents,
  defaultHours,
  maxHours,
  preselect,
  presetAt,
}: {
  incidents: Array<{ id: string; title: string; severity: string; status: string }>;
  defaultHours: number;
  maxHours: number;
  preselect?: string;
  /** A moment to share (from the replayed board's "Share this moment"). */
  presetAt?: string;
}) {
  const [result, submit, pending] = useActionState(createShareLinkAction, null);
  const [scope, setScope] = useState(preselect ? "incident" : "board");
  const err = (k: string) => (result && !result.ok ? result.fieldErrors?.[k]?.[0] : undefined);
  const errorText = (k: string) =>
    err(k) ? (
      <p id={`share-${k}-err`} className="mt-1 text-xs text-sev1">
        {err(k)}
      </p>
    ) : null;
  return (
    <form
      action={submit}
      className="grid gap-3 rounded-xl border border-line bg-surface p-4 sm:grid-cols-2"
      aria-label="Create a share link"
    >
      <fieldset className="sm:col-span-2">
        <legend className="text-xs text-muted">What to share</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex min-h-10 items-center gap-2">
            <input
              type="radio"
              name="scope"
              value="board"
              checked={scope === "board"}
              onChange={() => setScope("board")}
            />{" "}
            The whole board
          </label>
          <label className="flex min-h-10 items-center gap-2">
            <input
              type="radio"
              name="scope"
              value="incident"
              checked={scope === "incident"}
              onChange={() => setScope("incident")}
              disabled={incidents.length === 0}
            />{" "}
            One incident
            {incidents.length === 0 ? <span className="text-xs text-muted">(no incidents yet)</span> : null}
          </label>
        </div>
      </fieldset>
      {scope === "incident" ? (
        <div className="sm:col-span-2">
          <label htmlFor="share-incident" className="block text-xs text-muted">
            Incident
          </label>
          <select
            id="share-incident"
            name="incidentId"
            defaultValue={preselect}
            className={inputCls}
            aria-invalid={Boolean(err("incidentId"))}
            aria-describedby={err("incidentId") ? "share-incidentId-err" : undefined}
          >
            {incidents.map((i) => (
              <option key={i.id} value={i.id}>
                {i.severity} · {i.title} ({i.status})
              </option>
            ))}
          </select>
          {errorText("incidentId")}
        </div>
      ) : null}
      <div>
        <label htmlFor="share-label" className="block text-xs text-muted">
          Label (optional, shown as the page title)
        </label>
        <input
          id="share-label"
          name="label"
          maxLength={80}
          className={inputCls}
          aria-invalid={Boolean(err("label"))}
          aria-describedby={err("label") ? "share-label-err" : undefined}
        />
        {errorText("label")}
      </div>
      <div className="sm:col-span-2">
        <label htmlFor="share-at" className="block text-xs text-muted">
          Fixed moment (optional, UTC ISO 8601, e.g. 2026-12-05T03:12:00Z): the link shows the board as it was then,
          marked as a replay. Empty: live.
        </label>
        <input
          id="share-at"
          name="at"
          defaultValue={presetAt}
          className={`${inputCls} font-mono`}
          aria-invalid={Boolean(err("at"))}
          aria-describedby={err("at") ? "share-at-err" : undefined}
        />
        {errorText("at")}
      </div>
      <div>
        <label htmlFor="share-hours" className="block text-xs text-muted">
          Expires after (hours, at most {maxHours})
        </label>
        <input
          id="share-hours"
          name="hours"
          type="number"
          min={1}
          max={maxHours}
          defaultValue={defaultHours}
          className={inputCls}
          aria-invalid={Boolean(err("hours"))}
          aria-describedby={err("hours") ? "share-hours-err" : undefined}
        />
        {errorText("hours")}
      </div>
      <div className="flex items-center gap-3 sm:col-span-2">
        <button disabled={pending} className="h-11 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg">
          Create link
        </button>
        {result && !result.ok && !result.fieldErrors ? (
          <p role="alert" className="text-sm text-sev1">
            {result.message}
          </p>
        ) : null}
      </div>
      {result?.ok ? (
        <div
          className="rounded-md border border-ok p-3 text-sm sm:col-span-2"
          role="status"
          data-new-share-url={result.data.url}
        >
          <p className="font-semibold">Link created. Copy it now: it is shown only once.</p>
          <p className="mt-1 flex flex-wrap items-center gap-2">
            <code className="break-all font-mono text-xs">{result.data.url}</code>
            <CopyButton text={result.data.url} label="Copy share link" />
          </p>
        </div>
      ) : null}
    </form>
  );
}

export function RevokeButton({ linkId, label }: { linkId: string; label: string }) {
  const [result, submit, pending] = useActionState(revokeShareLinkAction, null);
  return (
    <form action={submit} className="inline">
      <input type="hidden" name="linkId" value={linkId} />
      <button
        disabled={pending}
        className="min-h-10 rounded-md border border-sev1 px-3 text-sm font-semibold text-sev1"
        aria-label={`Revoke ${label}`}
      >
        Revoke
      </button>
      {result && !result.ok ? (
        <span role="alert" className="ml-2 text-xs text-sev1">
          {result.message}
        </span>
      ) : null}
    </form>
  );
}
