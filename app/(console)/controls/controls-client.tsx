"use client";

import { useActionState, useMemo, useState } from "react";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import { SYMBOL_MODES, coerceParams, findControl, policyFor, type ControlSettings, type FieldSpec } from "@/lib/controls/catalog";
import type { ControlRequestView } from "@/lib/controls/api";
import { RequestStateBadge, TierBadge, VerificationText, utc } from "@/components/controls/request-bits";
import { approveControlAction, executeControlAction, previewControlAction, rejectControlAction, resendControlAction } from "./actions";

function newKey(): string {
  // getRandomValues works outside secure contexts too (crypto.randomUUID does not).
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `wf-${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
}

const inputCls = "w-full rounded-md border border-line bg-bg px-3 py-2 text-sm";

function optionsFor(f: FieldSpec): Array<[string, string]> | null {
  if (f.type === "mode") return SYMBOL_MODES.map((m) => [m, m]);
  if (f.type === "onoff") return [["on", "on"], ["off", "off"]];
  if (f.type === "planStep") return [["plan", "Dry run (plan only)"], ["execute", "Execute a plan"]];
  return null;
}

export interface ControlFormProps {
  target: { name: string; kind: string };
  control: { id: string; title: string; summary: string; seed: string };
  choices: { symbols: string[]; profiles: string[] };
  prefill: Record<string, string>;
  open: boolean;
  initialKey: string;
  role: Role;
  settings: Pick<ControlSettings, "critical" | "secondPerson">;
}

export function ControlForm({ target, control, choices, prefill, open, initialKey, role, settings }: ControlFormProps) {
  const def = findControl(target.kind, control.id)!;
  const uid = `${target.name}-${control.id}`;
  const [raw, setRaw] = useState<Record<string, string>>(() => {
    const r: Record<string, string> = {};
    for (const f of def.fields) {
      const opts = optionsFor(f);
      r[f.name] = prefill[f.name] ?? (opts ? opts[0]![0] : "");
    }
    return r;
  });
  const [reason, setReason] = useState(prefill.reason ?? "");
  const [ticketId, setTicketId] = useState(prefill.ticketId ?? prefill.ticket ?? "");
  const [confirm, setConfirm] = useState("");
  const [key, setKey] = useState(initialKey);
  // A new request gets a new idempotency key once this one has an answer; a double-submit of the
  // same form reuses the key, so the service returns the first result instead of calling twice.
  const [result, submit, submitting] = useActionState(async (prev: Awaited<ReturnType<typeof executeControlAction>> | null, form: FormData) => {
    const r = await executeControlAction(prev, form);
    if (r.ok) {
      setKey(newKey());
      setConfirm("");
    }
    return r;
  }, null);
  const [preview, runPreview, previewing] = useActionState(previewControlAction, null);

  const coerced = useMemo(() => coerceParams(def, raw), [def, raw]);
  const parsed = def.schema.safeParse(coerced);
  const policy = policyFor(def, parsed.success ? parsed.data : coerced, target.name, settings);
  const allowedOption = (f: FieldSpec, value: string) => roleAtLeast(role, policyFor(def, coerceParams(def, { ...raw, [f.name]: value }), target.name, settings).role);
  const err = (k: string) => (result && !result.ok ? result.fieldErrors?.[k]?.[0] : undefined) ?? (preview && !preview.ok ? preview.fieldErrors?.[k]?.[0] : undefined);
  const critical = policy.tier === "critical";
  const canRun = roleAtLeast(role, policy.role);

  const describedBy = (k: string) => (err(k) ? `${uid}-${k}-err` : undefined);
  const errorText = (k: string) => (err(k) ? <p id={`${uid}-${k}-err`} className="mt-1 text-xs text-sev1">{err(k)}</p> : null);

  return (
    <details id={uid} open={open} className="rounded-xl border border-line bg-surface" data-control={control.id} data-target={target.name}>
      <summary className="cursor-pointer list-none p-4">
        <span className="font-semibold">{control.title}</span> <span className="font-mono text-xs text-muted">{control.id}</span>
        <span className="mt-1 block text-sm text-muted">{control.summary}</span>
      </summary>
      <form action={submit} className="grid gap-3 border-t border-line p-4 sm:grid-cols-2" aria-label={`${control.title} on ${target.name}`}>
        <input type="hidden" name="target" value={target.name} />
        <input type="hidden" name="control" value={control.id} />
        <input type="hidden" name="idempotencyKey" value={key} />
        {prefill.incident ? <input type="hidden" name="incident" value={prefill.incident} /> : null}
        {def.fields.filter((f) => !f.showWhen || f.showWhen(raw)).map((f) => {
          const id = `${uid}-p-${f.name}`;
          const opts = optionsFor(f);
          const list = f.type === "symbol" ? choices.symbols : f.type === "profile" ? choices.profiles : [];
          return (
            <div key={f.name}>
              <label htmlFor={id} className="block text-xs text-muted">{f.label}</label>
              {opts ? (
                <select id={id} name={`p.${f.name}`} value={raw[f.name]} onChange={(e) => setRaw({ ...raw, [f.name]: e.target.value })} className={inputCls} aria-invalid={Boolean(err(`params.${f.name}`))} aria-describedby={describedBy(`params.${f.name}`)}>
                  {opts.filter(([v]) => allowedOption(f, v) || raw[f.name] === v).map(([v, label]) => <option key={v} value={v}>{label}</option>)}
                </select>
              ) : (
                <input id={id} name={`p.${f.name}`} type={f.type === "depth" ? "number" : "text"} value={raw[f.name]} list={list.length ? `${id}-list` : undefined}
                  onChange={(e) => setRaw({ ...raw, [f.name]: e.target.value })} className={inputCls} aria-invalid={Boolean(err(`params.${f.name}`))} aria-describedby={describedBy(`params.${f.name}`)} />
              )}
              {list.length ? <datalist id={`${id}-list`}>{list.map((s) => <option key={s} value={s} />)}</datalist> : null}
              {errorText(`params.${f.name}`)}
            </div>
          );
        })}
        <div className="sm:col-span-2">
          <label htmlFor={`${uid}-reason`} className="block text-xs text-muted">Reason (at least 10 characters)</label>
          <textarea id={`${uid}-reason`} name="reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} className={inputCls} aria-invalid={Boolean(err("reason"))} aria-describedby={describedBy("reason")} />
          {errorText("reason")}
        </div>
        <div>
          <label htmlFor={`${uid}-ticket`} className="block text-xs text-muted">Ticket ID (e.g. OPS-123)</label>
          <input id={`${uid}-ticket`} name="ticketId" value={ticketId} onChange={(e) => setTicketId(e.target.value)} className={inputCls} aria-invalid={Boolean(err("ticketId"))} aria-describedby={describedBy("ticketId")} />
          {errorText("ticketId")}
        </div>
        {policy.confirm ? (
          <div>
            <label htmlFor={`${uid}-confirm`} className="block text-xs text-muted">Type <span className="font-mono font-semibold text-fg">{policy.confirm}</span> to confirm</label>
            <input id={`${uid}-confirm`} name="confirm" value={confirm} autoComplete="off" onChange={(e) => setConfirm(e.target.value)} className={inputCls} aria-invalid={Boolean(err("confirm"))} aria-describedby={describedBy("confirm")} />
            {errorText("confirm")}
          </div>
        ) : null}
        <p className="flex flex-wrap items-center gap-2 text-xs text-muted sm:col-span-2">
          <TierBadge tier={policy.tier} /> needs {policy.role}
          {policy.secondPerson ? ` · a second ${policy.role} must approve within the approval window` : ""}
          <span className="ml-auto">{control.seed}</span>
        </p>
        {canRun ? (
          <>
            <div className={`${critical ? "hidden md:flex" : "flex"} flex-wrap items-center gap-3 sm:col-span-2`}>
              <button formAction={runPreview} disabled={previewing} className="h-10 rounded-md border border-line px-4 text-sm">Preview</button>
              <button disabled={submitting} className="h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg">
                {policy.secondPerson ? "Request approval" : "Run control"}
              </button>
            </div>
            {critical ? <p className="text-sm text-muted md:hidden sm:col-span-2">Critical controls are view-only on a phone. Request this one from a desktop; approvals work here.</p> : null}
          </>
        ) : (
          <p className="text-sm text-muted sm:col-span-2">This variant needs the {policy.role} role; you are signed in as {role}.</p>
        )}
        <div className="sm:col-span-2" role="status" aria-live="polite">
          {preview?.ok ? (
            <div className="rounded-md border border-line p-3 text-sm">
              <p className="font-medium">Preview: {preview.data.change}</p>
              {preview.data.notes.map((n) => <p key={n} className="text-muted">{n}</p>)}
              {preview.data.stateError ? <p className="text-sev2">Could not read the target: {preview.data.stateError}</p> : null}
            </div>
          ) : null}
          {result?.ok ? <ResultCard r={result.data} /> : null}
        </div>
        {result && !result.ok && !result.fieldErrors ? <p role="alert" className="text-sm text-sev1 sm:col-span-2">{result.message}</p> : null}
        {preview && !preview.ok && !preview.fieldErrors ? <p role="alert" className="text-sm text-sev1 sm:col-span-2">{preview.message}</p> : null}
      </form>
    </details>
  );
}

function ResultCard({ r }: { r: ControlRequestView }) {
  const plan = (r.answer as { result?: { dryRun?: boolean; planId?: string; actions?: unknown[] } } | null)?.result;
  return (
    <div className="mt-2 rounded-md border border-line p-3 text-sm" data-request={r.id}>
      <p className="flex flex-wrap items-center gap-2">
        <RequestStateBadge state={r.state} /> <span className="font-medium">{r.title}</span> on {r.target}
        {r.replayed ? <span className="text-xs text-muted">(same request as before: first result shown)</span> : null}
      </p>
      {r.state === "pending_approval" ? <p className="mt-1">Waiting for a second {r.requiredRole} to approve (expires {utc(r.approvalExpiresAt)}). Nothing has been sent yet.</p> : null}
      {r.resultSummary ? <p className="mt-1 break-words font-mono text-xs">{r.resultSummary}</p> : null}
      {r.verification ? <p className="mt-1"><VerificationText v={r.verification} /></p> : null}
      {plan?.dryRun && plan.planId ? (
        <div className="mt-2">
          <p>Plan <span className="font-mono">{plan.planId}</span>: {plan.actions?.length ?? 0} action(s).</p>
          {plan.actions?.length ? <pre className="mt-1 max-h-48 overflow-auto rounded bg-bg p-2 text-xs">{JSON.stringify(plan.actions, null, 2)}</pre> : null}
          <a className="mt-2 inline-block underline" href={`/controls?target=${encodeURIComponent(r.target)}&control=${encodeURIComponent(r.control)}&execute=execute&planId=${encodeURIComponent(plan.planId)}&ticketId=${encodeURIComponent(r.ticketId)}#${r.target}-${r.control}`}>
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
  if (done) return <ResultCard r={done} />;
  if (!canDecide) return <p className="text-sm text-muted">Waiting for a second person with the {request.requiredRole} role (you cannot approve your own request).</p>;
  return (
    <div className="flex flex-wrap items-start gap-3">
      <form action={approve}>
        <input type="hidden" name="requestId" value={request.id} />
        <button disabled={approving || rejecting} className="h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg">Approve and run</button>
      </form>
      <form action={reject} className="flex flex-wrap items-center gap-2">
        <input type="hidden" name="requestId" value={request.id} />
        <label htmlFor={`note-${request.id}`} className="sr-only">Why reject</label>
        <input id={`note-${request.id}`} name="note" placeholder="Why reject (optional)" className="rounded-md border border-line bg-bg px-3 py-2 text-sm" />
        <button disabled={approving || rejecting} className="h-10 rounded-md border border-line px-4 text-sm">Reject</button>
      </form>
      {approved && !approved.ok ? <p role="alert" className="w-full text-sm text-sev1">{approved.message}</p> : null}
      {rejected && !rejected.ok ? <p role="alert" className="w-full text-sm text-sev1">{rejected.message}</p> : null}
    </div>
  );
}

export function ResendForm({ requestId }: { requestId: string }) {
  const [state, resend, pending] = useActionState(resendControlAction, null);
  if (state?.ok) return <ResultCard r={state.data} />;
  return (
    <form action={resend} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="requestId" value={requestId} />
      <button disabled={pending} className="h-9 rounded-md border border-line px-3 text-sm">Re-send with the same key</button>
      {state && !state.ok ? <span role="alert" className="text-sm text-sev1">{state.message}</span> : null}
    </form>
  );
}
