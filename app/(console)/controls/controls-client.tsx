"use client";

import { startTransition, useActionState, useEffect, useId, useMemo, useRef, useState } from "react";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import {
  SYMBOL_MODES,
  coerceParams,
  findControl,
  policyFor,
  type ControlSettings,
  type FieldSpec,
} from "@/lib/controls/catalog";
import type { ControlPreview, ControlRequestView } from "@/lib/controls/api";
import type { ActionResult } from "@/lib/errors";
import {
  BlastList,
  ProtectionText,
  RequestStateBadge,
  TierBadge,
  VerificationText,
  utc,
} from "@/components/controls/request-bits";
import { refreshApprovalsWaiting, useLiveRequest } from "@/components/controls/live";
import {
  approveControlAction,
  executeControlAction,
  previewControlAction,
  rejectControlAction,
  resendControlAction,
} from "./actions";

// The control form. Every value it shows lives in React state, and a submission is built from that
// same state (never read back from the DOM), so what the form shows is what it sends. Selects
// start empty unless a link pre-fills them, and a successful request clears the action's values:
// the next click cannot silently repeat — or undo — what was just done.

function newKey(): string {
  // getRandomValues works outside secure contexts too (crypto.randomUUID does not).
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `wf-${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
}

const inputCls = "w-full min-w-0 rounded-md border border-line bg-bg px-3 py-2 text-sm";

function optionsFor(f: FieldSpec): Array<[string, string]> | null {
  if (f.type === "mode") return SYMBOL_MODES.map((m) => [m, m]);
  if (f.type === "onoff")
    return [
      ["on", "on"],
      ["off", "off"],
    ];
  if (f.type === "planStep")
    return [
      ["plan", "Dry run (plan only)"],
      ["execute", "Execute a plan"],
    ];
  if (f.type === "scope")
    return [
      ["symbol", "One symbol"],
      ["all", "Every symbol (exchange-wide, one call)"],
    ];
  return null;
}
/** The option a link's value means ("true" → "on", "hard_halt" → "HARD_HALT"), or "" when none. */
function optionValue(opts: Array<[string, string]>, v: string): string {
  const t = v.trim();
  const alias: Record<string, string> = { true: "on", false: "off", yes: "on", no: "off" };
  const hit = opts.find(([o]) => o.toLowerCase() === t.toLowerCase());
  if (hit) return hit[0];
  const a = alias[t.toLowerCase()];
  if (a && opts.some(([o]) => o === a)) return a;
  if (t.toLowerCase() === "true" && opts.some(([o]) => o === "execute")) return "execute";
  if (t.toLowerCase() === "false" && opts.some(([o]) => o === "plan")) return "plan";
  return "";
}

/** A select that may start with a value: only the scope (one symbol is the narrow, safe reach). */
const DEFAULTS: Partial<Record<FieldSpec["type"], string>> = { scope: "symbol" };

/** Names a form key for the summary of problems: "params.mode" → "Mode". */
function keyLabel(def: { fields: FieldSpec[] }, k: string): string {
  const f = def.fields.find((x) => `params.${x.name}` === k);
  if (f) return f.label;
  return (
    (
      {
        reason: "Reason",
        ticketId: "Ticket ID",
        confirm: "Confirmation",
        target: "System",
        control: "Control",
        form: "Form",
        conditions: "Runbook conditions",
        override: "Override",
      } as Record<string, string>
    )[k] ?? k.replace(/^params\./, "")
  );
}

export interface ControlFormProps {
  target: { name: string; label: string; kind: string };
  control: { id: string; title: string; summary: string; source: string };
  choices: { symbols: string[]; profiles: string[] };
  prefill: Record<string, string>;
  open: boolean;
  /** Put the cursor in the first field that still needs a value (a control opened by a link). */
  focus?: boolean;
  initialKey: string;
  role: Role;
  settings: ControlSettings;
}

type Sent = { result: ActionResult<ControlRequestView>; sentParams: string };

export function ControlForm({
  target,
  control,
  choices,
  prefill,
  open,
  focus,
  initialKey,
  role,
  settings,
}: ControlFormProps) {
  const def = findControl(target.kind, control.id)!;
  const uid = `${target.name}-${control.id}`;
  const emptyRaw = () => Object.fromEntries(def.fields.map((f) => [f.name, DEFAULTS[f.type] ?? ""]));
  const [raw, setRaw] = useState<Record<string, string>>(() => {
    const r = emptyRaw();
    for (const f of def.fields) {
      const v = prefill[f.name];
      if (v === undefined) continue;
      const opts = optionsFor(f);
      // A select shows only one of its options: a link's "true" is "on", "execute" stays "execute";
      // a value that is none of them leaves the select empty rather than showing one thing and sending another.
      r[f.name] = opts ? optionValue(opts, v) : v;
    }
    return r;
  });
  const [reason, setReason] = useState(prefill.reason ?? "");
  const [ticketId, setTicketId] = useState(prefill.ticketId ?? prefill.ticket ?? "");
  const [confirm, setConfirm] = useState("");
  const [overrideOn, setOverrideOn] = useState(false);
  const [overrideReason, setOverrideReason] = useState("");
  const [key, setKey] = useState(initialKey);

  const coerced = useMemo(() => coerceParams(def, raw), [def, raw]);
  const parsed = def.schema.safeParse(coerced);
  const paramsKey = JSON.stringify(parsed.success ? parsed.data : coerced);
  const complete = parsed.success;
  const policy = policyFor(def, parsed.success ? parsed.data : coerced, target.name, settings);
  const critical = complete && policy.tier === "critical";
  const canRun = roleAtLeast(role, policy.role);

  const formData = (): FormData => {
    const fd = new FormData();
    fd.set("target", target.name);
    fd.set("control", control.id);
    fd.set("idempotencyKey", key);
    for (const f of def.fields)
      if ((!f.showWhen || f.showWhen(raw)) && raw[f.name]) fd.set(`p.${f.name}`, raw[f.name]!);
    fd.set("reason", reason);
    fd.set("ticketId", ticketId);
    if (policy.confirm) fd.set("confirm", confirm);
    if (overrideOn && overrideReason.trim()) fd.set("override", overrideReason);
    if (prefill.incident) fd.set("incident", prefill.incident);
    return fd;
  };

  // A new request gets a new idempotency key once this one has an answer; a double-submit of the
  // same form reuses the key, so the service returns the first result instead of calling twice.
  const [sent, submit, submitting] = useActionState(async (_prev: Sent | null, form: FormData): Promise<Sent> => {
    const sentParams = String(form.get("paramsKey") ?? "");
    form.delete("paramsKey");
    let result: ActionResult<ControlRequestView>;
    try {
      result = await executeControlAction(null, form);
    } catch {
      // Same key kept: sending again returns the first outcome if this one did reach the console.
      result = {
        ok: false,
        message:
          "no answer from the console (network or session). It may or may not have been recorded: check Recent results, then send again — the same request is never run twice.",
      };
    }
    if (result.ok) {
      // Safe, empty state: no mode, no symbol, nothing typed to confirm. The ticket stays (same incident).
      setKey(newKey());
      setRaw(emptyRaw());
      setConfirm("");
      setReason("");
      setOverrideOn(false);
      setOverrideReason("");
    }
    return { result, sentParams };
  }, null);
  const [previewed, runPreview, previewing] = useActionState(
    async (_prev: { result: ActionResult<ControlPreview>; forParams: string } | null, form: FormData) => {
      const forParams = String(form.get("paramsKey") ?? "");
      form.delete("paramsKey");
      let result: ActionResult<ControlPreview>;
      try {
        result = await previewControlAction(null, form);
      } catch {
        result = { ok: false, message: "no answer from the console (network or session); try again." };
      }
      return { result, forParams };
    },
    null,
  );
  const result = sent?.result ?? null;
  const preview = previewed?.result ?? null;
  // A preview describes the values it was asked about; once they change it no longer applies.
  const previewCurrent = previewed?.forParams === paramsKey;

  const send = (which: "run" | "preview") => {
    const fd = formData();
    fd.set("paramsKey", paramsKey);
    startTransition(() => (which === "run" ? submit(fd) : runPreview(fd)));
  };

  // The confirmation step reads the blast radius live: as soon as the values describe a control
  // this role may run, the target is read (and again whenever they change), so what the control
  // will touch is on screen before anyone presses Run.
  const sendRef = useRef(send);
  useEffect(() => {
    sendRef.current = send;
  });
  useEffect(() => {
    if (!complete || !canRun) return;
    const t = setTimeout(() => sendRef.current("preview"), 300);
    return () => clearTimeout(t);
  }, [paramsKey, complete, canRun]);

  const errors: Record<string, string[]> = {
    ...(previewCurrent && preview && !preview.ok ? (preview.fieldErrors ?? {}) : {}),
    ...(result && !result.ok ? (result.fieldErrors ?? {}) : {}),
  };
  const err = (k: string) => errors[k]?.[0];
  const describedBy = (k: string) => (err(k) ? `${uid}-${k}-err` : undefined);
  const errorText = (k: string) =>
    err(k) ? (
      <p id={`${uid}-${k}-err`} className="mt-1 text-xs text-sev1">
        {err(k)}
      </p>
    ) : null;
  const visibleFields = def.fields.filter((f) => !f.showWhen || f.showWhen(raw));
  // Field errors show beside their field; anything else is listed in the "Not sent" summary.
  const shownKeys = new Set([
    ...visibleFields.map((f) => `params.${f.name}`),
    "reason",
    "ticketId",
    ...(policy.confirm && complete ? ["confirm"] : []),
    ...(overrideOn ? ["override"] : []),
  ]);

  // Focus the first field that still needs a value when the control was opened by a link.
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!focus) return;
    const el = formRef.current?.querySelector<HTMLElement>("[data-needs-value='true']");
    (el ?? formRef.current?.querySelector<HTMLElement>("input, select, textarea"))?.focus();
    // Once, when the page opens: not after every keystroke.
  }, [focus]);

  const allowedOption = (f: FieldSpec, value: string) => {
    const p = coerceParams(def, { ...raw, [f.name]: value });
    const ok = def.schema.safeParse(p);
    return roleAtLeast(role, policyFor(def, ok.success ? ok.data : p, target.name, settings).role);
  };
  const statusId = useId();

  return (
    <details
      id={uid}
      open={open}
      className="min-w-0 rounded-xl border border-line bg-surface"
      data-control={control.id}
      data-target={target.name}
    >
      <summary className="cursor-pointer list-none p-4">
        <span className="font-semibold">{control.title}</span>{" "}
        <span className="font-mono text-xs text-muted">{control.id}</span>
        <span className="mt-1 block text-sm text-muted">{control.summary}</span>
      </summary>
      <form
        ref={formRef}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          // On a phone a critical control is view-only: its buttons are hidden, and Enter in a
          // field (which submits a form whatever its buttons' visibility) must not send it either.
          if (critical && window.matchMedia("(max-width: 767.98px)").matches) return;
          send("run");
        }}
        className="grid min-w-0 gap-3 border-t border-line p-4 sm:grid-cols-2"
        aria-label={`${control.title} on ${target.label}`}
        data-idempotency-key={key}
      >
        {visibleFields.map((f) => {
          const id = `${uid}-p-${f.name}`;
          const opts = optionsFor(f);
          const list = f.type === "symbol" ? choices.symbols : f.type === "profile" ? choices.profiles : [];
          const k = `params.${f.name}`;
          return (
            <div key={f.name} className="min-w-0">
              <label htmlFor={id} className="block text-xs text-muted">
                {f.label}
              </label>
              {opts ? (
                <select
                  id={id}
                  value={raw[f.name]}
                  data-needs-value={!raw[f.name]}
                  onChange={(e) => setRaw({ ...raw, [f.name]: e.target.value })}
                  className={inputCls}
                  aria-invalid={Boolean(err(k))}
                  aria-describedby={describedBy(k)}
                >
                  {DEFAULTS[f.type] ? null : <option value="">Choose…</option>}
                  {opts.map(([v, label]) => {
                    const allowed = allowedOption(f, v);
                    const needs = allowed
                      ? null
                      : policyFor(def, coerceParams(def, { ...raw, [f.name]: v }), target.name, settings).role;
                    return (
                      <option key={v} value={v} disabled={!allowed && raw[f.name] !== v}>
                        {needs ? `${label} — needs ${needs}` : label}
                      </option>
                    );
                  })}
                </select>
              ) : (
                <input
                  id={id}
                  type={f.type === "depth" || f.type === "rate" ? "number" : "text"}
                  value={raw[f.name]}
                  data-needs-value={!raw[f.name]}
                  list={list.length ? `${id}-list` : undefined}
                  autoComplete="off"
                  onChange={(e) => setRaw({ ...raw, [f.name]: e.target.value })}
                  className={inputCls}
                  aria-invalid={Boolean(err(k))}
                  aria-describedby={describedBy(k)}
                />
              )}
              {list.length ? (
                <datalist id={`${id}-list`}>
                  {list.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
              ) : null}
              {errorText(k)}
            </div>
          );
        })}
        <div className="min-w-0 sm:col-span-2">
          <label htmlFor={`${uid}-reason`} className="block text-xs text-muted">
            Reason (at least 10 characters)
          </label>
          <textarea
            id={`${uid}-reason`}
            rows={2}
            value={reason}
            data-needs-value={!reason.trim()}
            onChange={(e) => setReason(e.target.value)}
            className={inputCls}
            aria-invalid={Boolean(err("reason"))}
            aria-describedby={describedBy("reason")}
          />
          {errorText("reason")}
        </div>
        <div className="min-w-0">
          <label htmlFor={`${uid}-ticket`} className="block text-xs text-muted">
            Ticket ID (e.g. OPS-123)
          </label>
          <input
            id={`${uid}-ticket`}
            value={ticketId}
            data-needs-value={!ticketId.trim()}
            onChange={(e) => setTicketId(e.target.value)}
            className={inputCls}
            aria-invalid={Boolean(err("ticketId"))}
            aria-describedby={describedBy("ticketId")}
          />
          {errorText("ticketId")}
        </div>
        {policy.confirm && complete ? (
          <div className="min-w-0">
            <label htmlFor={`${uid}-confirm`} className="block text-xs text-muted">
              Type <span className="font-mono font-semibold text-fg">{policy.confirm}</span> to confirm
            </label>
            <input
              id={`${uid}-confirm`}
              value={confirm}
              autoComplete="off"
              onChange={(e) => setConfirm(e.target.value)}
              className={inputCls}
              aria-invalid={Boolean(err("confirm"))}
              aria-describedby={describedBy("confirm")}
            />
            {errorText("confirm")}
          </div>
        ) : null}
        {preview?.ok && previewCurrent && preview.data.conditions.length ? (
          <div className="min-w-0 rounded-md border border-line p-3 text-sm sm:col-span-2" data-conditions>
            <p className="font-medium">Before resuming, the runbook requires:</p>
            <ul className="mt-1 space-y-1">
              {preview.data.conditions.map((c) => (
                <li
                  key={c.id}
                  data-condition={c.id}
                  data-ok={String(c.ok)}
                  className={c.ok === true ? "text-ok" : "text-sev1"}
                >
                  <span aria-hidden="true">{c.ok === true ? "✓ " : c.ok === false ? "✗ " : "? "}</span>
                  <span className="sr-only">
                    {c.ok === true ? "Holds: " : c.ok === false ? "Fails: " : "Cannot be checked: "}
                  </span>
                  {c.label} — <span className="text-muted">{c.detail}</span>
                  <span className="block text-xs text-muted">{c.source}</span>
                </li>
              ))}
            </ul>
            {preview.data.conditions.some((c) => c.ok !== true) ? (
              roleAtLeast(role, "commander") ? (
                <div className="mt-2">
                  <label className="flex items-center gap-2">
                    <input type="checkbox" checked={overrideOn} onChange={(e) => setOverrideOn(e.target.checked)} />
                    Override as commander (audited)
                  </label>
                  {overrideOn ? (
                    <>
                      <label htmlFor={`${uid}-override`} className="mt-2 block text-xs text-muted">
                        Why resume anyway (at least 10 characters)
                      </label>
                      <textarea
                        id={`${uid}-override`}
                        rows={2}
                        value={overrideReason}
                        onChange={(e) => setOverrideReason(e.target.value)}
                        className={inputCls}
                        aria-invalid={Boolean(err("override"))}
                        aria-describedby={describedBy("override")}
                      />
                      {errorText("override")}
                    </>
                  ) : null}
                </div>
              ) : (
                <p className="mt-2 text-sev1">Not sent while a condition fails; only a commander can override it.</p>
              )
            ) : null}
          </div>
        ) : null}
        <div className="flex flex-wrap items-center gap-2 text-xs text-muted sm:col-span-2" data-policy>
          {complete ? (
            <>
              <TierBadge tier={policy.tier} /> <span data-direction={policy.direction}>{policy.direction}</span>{" "}
              <span>· needs {policy.role}</span>
              {policy.secondPerson ? (
                <span>· a second {policy.role} must approve within the approval window</span>
              ) : (
                <span>· runs at once, no approval</span>
              )}
              {policy.watchMinutes > 0 ? <span>· watched for {policy.watchMinutes} min after it succeeds</span> : null}
            </>
          ) : (
            <span>Choose the values above to see the risk tier and who may run it.</span>
          )}
          <span className="basis-full sm:ml-auto sm:basis-auto">{control.source}</span>
        </div>
        {complete && !canRun ? (
          <p className="rounded-md border-2 border-sev2 p-3 text-sm sm:col-span-2" data-view-only>
            <span className="font-semibold">View only.</span> This choice needs the {policy.role} role; you are signed
            in as {role}, so it cannot be sent from here. Ask a {policy.role}, or choose another value.
          </p>
        ) : null}
        {canRun || !complete ? (
          <>
            <div className={`${critical ? "hidden md:flex" : "flex"} flex-wrap items-center gap-3 sm:col-span-2`}>
              <button
                type="button"
                onClick={() => send("preview")}
                disabled={previewing}
                className="h-10 rounded-md border border-line px-4 text-sm"
              >
                Preview
              </button>
              <button
                type="submit"
                disabled={submitting}
                className="h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg"
              >
                {complete && policy.secondPerson ? "Request approval" : "Run control"}
              </button>
              {submitting ? <span className="text-sm text-muted">Sending…</span> : null}
            </div>
            {critical ? (
              <p className="text-sm text-muted md:hidden sm:col-span-2">
                Critical controls are view-only on a phone. Request this one from a desktop; approvals work here.
              </p>
            ) : null}
          </>
        ) : null}
        <div className="min-w-0 sm:col-span-2" role="status" aria-live="polite" id={statusId}>
          {preview?.ok && previewCurrent ? (
            <div className="rounded-md border border-line p-3 text-sm" data-preview>
              <p className="font-medium break-words">Preview: {preview.data.change}</p>
              {preview.data.notes.map((n) => (
                <p key={n} className="break-words text-muted">
                  {n}
                </p>
              ))}
              <BlastList facts={preview.data.blast} />
              {preview.data.blast.length ? (
                <p className="mt-1 text-xs text-muted">
                  Read from {target.label} at {utc(preview.data.readAt)}; read again when the control is sent.
                </p>
              ) : null}
              {preview.data.restores ? (
                <div className="mt-2">
                  <ProtectionText p={preview.data.restores} />
                </div>
              ) : null}
              {preview.data.stateError ? (
                <p className="text-sev2">Could not read the target: {preview.data.stateError}</p>
              ) : null}
            </div>
          ) : preview?.ok && !previewCurrent ? (
            <p className="text-sm text-muted">
              The values changed since the last preview: press Preview again to see what these do.
            </p>
          ) : null}
          {result?.ok ? <ResultCard r={result.data} label={target.label} /> : null}
        </div>
        {result && !result.ok ? (
          <NotSent title="Not sent" r={result} shown={shownKeys} label={(k) => keyLabel(def, k)} />
        ) : null}
        {preview && !preview.ok && previewCurrent ? (
          <NotSent title="No preview" r={preview} shown={shownKeys} label={(k) => keyLabel(def, k)} />
        ) : null}
      </form>
    </details>
  );
}

/** Why nothing was sent: the problems beside their fields are counted, any other one is spelled out. */
function NotSent({
  title,
  r,
  shown,
  label,
}: {
  title: string;
  r: { message: string; fieldErrors?: Record<string, string[]> };
  shown: Set<string>;
  label: (k: string) => string;
}) {
  const entries = Object.entries(r.fieldErrors ?? {});
  const beside = entries.filter(([k]) => shown.has(k)).length;
  const other = entries.filter(([k]) => !shown.has(k));
  return (
    <div role="alert" className="text-sm text-sev1 sm:col-span-2" data-not-sent>
      <p className="font-semibold">
        {title}:{" "}
        {entries.length === 0
          ? r.message
          : beside
            ? `fix the ${beside === 1 ? "field" : `${beside} fields`} marked above.`
            : "fix the problems below."}
      </p>
      {other.length ? (
        <ul className="list-disc pl-5">
          {other.map(([k, ms]) => (
            <li key={k}>
              {label(k)}: {ms[0]}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A request's outcome, kept live while it waits for a decision or for the call to finish. */
export function ResultCard({ r: initial, label }: { r: ControlRequestView; label?: string }) {
  const r = useLiveRequest(initial);
  const plan = (r.answer as { result?: { dryRun?: boolean; planId?: string; actions?: unknown[] } } | null)?.result;
  return (
    <div
      className="mt-2 min-w-0 rounded-md border border-line p-3 text-sm"
      data-request={r.id}
      data-request-state={r.state}
    >
      <p className="flex flex-wrap items-center gap-2">
        <RequestStateBadge state={r.state} /> <span className="font-medium break-words">{r.description}</span> on{" "}
        {label ?? r.target}
        {r.replayed ? <span className="text-xs text-muted">(same request as before: first result shown)</span> : null}
      </p>
      {r.state === "pending_approval" ? (
        <p className="mt-1">
          Waiting for a second {r.requiredRole} to approve (expires {utc(r.approvalExpiresAt)}). Nothing has been sent
          yet; this updates by itself.
        </p>
      ) : null}
      {r.state === "pending_approval" && r.restores ? (
        <div className="mt-2">
          <ProtectionText p={r.restores} />
        </div>
      ) : null}
      {r.approvedBy ? (
        <p className="mt-1">
          {r.state === "rejected" ? "Rejected" : "Approved"} by <span className="font-medium">{r.approvedBy}</span>
          {r.decisionNote ? `: ${r.decisionNote}` : ""}
        </p>
      ) : null}
      {r.state === "approved" || r.state === "executing" ? <p className="mt-1">Sending to the target…</p> : null}
      {r.resultSummary ? <p className="mt-1 break-words font-mono text-xs">{r.resultSummary}</p> : null}
      {r.verification ? (
        <p className="mt-1">
          <VerificationText v={r.verification} />
        </p>
      ) : null}
      {plan?.dryRun && plan.planId ? (
        <div className="mt-2">
          <p>
            Plan <span className="font-mono break-all">{plan.planId}</span>: {plan.actions?.length ?? 0} action(s).
          </p>
          {plan.actions?.length ? (
            <pre className="mt-1 max-h-48 overflow-auto rounded bg-bg p-2 text-xs" tabIndex={0}>
              {JSON.stringify(plan.actions, null, 2)}
            </pre>
          ) : null}
          <a
            className="mt-2 inline-block underline"
            href={`/controls?target=${encodeURIComponent(r.target)}&control=${encodeURIComponent(r.control)}&execute=execute&planId=${encodeURIComponent(plan.planId)}&ticketId=${encodeURIComponent(r.ticketId)}`}
          >
            Execute this plan
          </a>
        </div>
      ) : null}
    </div>
  );
}

export function DecisionForms({ request, canDecide }: { request: ControlRequestView; canDecide: boolean }) {
  const [approved, approve, approving] = useActionState(approveControlAction, null);
  const [rejected, reject, rejecting] = useActionState(rejectControlAction, null);
  const done = approved?.ok ? approved.data : rejected?.ok ? rejected.data : null;
  useEffect(() => {
    if (done) refreshApprovalsWaiting();
  }, [done]);
  if (done) return <ResultCard r={done} />;
  if (!canDecide)
    return (
      <p className="text-sm text-muted">
        Waiting for a second person with the {request.requiredRole} role (you cannot approve your own request).
      </p>
    );
  return (
    <div className="flex flex-wrap items-start gap-3">
      <form action={approve}>
        <input type="hidden" name="requestId" value={request.id} />
        <button
          disabled={approving || rejecting}
          className="h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg"
        >
          Approve and run
        </button>
      </form>
      <form action={reject} className="flex min-w-0 flex-wrap items-center gap-2">
        <input type="hidden" name="requestId" value={request.id} />
        <label htmlFor={`note-${request.id}`} className="sr-only">
          Why reject
        </label>
        <input
          id={`note-${request.id}`}
          name="note"
          placeholder="Why reject (optional)"
          className="min-w-0 rounded-md border border-line bg-bg px-3 py-2 text-sm"
        />
        <button disabled={approving || rejecting} className="h-10 rounded-md border border-line px-4 text-sm">
          Reject
        </button>
      </form>
      {approved && !approved.ok ? (
        <p role="alert" className="w-full text-sm text-sev1">
          {approved.message}
        </p>
      ) : null}
      {rejected && !rejected.ok ? (
        <p role="alert" className="w-full text-sm text-sev1">
          {rejected.message}
        </p>
      ) : null}
    </div>
  );
}

export function ResendForm({ requestId }: { requestId: string }) {
  const [state, resend, pending] = useActionState(resendControlAction, null);
  if (state?.ok) return <ResultCard r={state.data} />;
  return (
    <form action={resend} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="requestId" value={requestId} />
      <button disabled={pending} className="h-9 rounded-md border border-line px-3 text-sm">
        Re-send with the same key
      </button>
      {state && !state.ok ? (
        <span role="alert" className="text-sm text-sev1">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
