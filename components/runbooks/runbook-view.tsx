import Link from "next/link";
import { controlHref, describeCheck, describeEscalation, describeWait } from "@/lib/runbooks/checks";
import type { ChecklistItem, EscalationCriterion, Runbook, Step } from "@/lib/runbooks/parse";
import { sourceDocument } from "@/lib/runbooks/sources";
import { Badge } from "@/components/ui/badge";
import { Blocks, CodeBlock, InlineText } from "./markdown";
import { StepAlternatives, StepCautions } from "./step-extras";

// A runbook rendered for reading ahead: the checklist as a preview (ticking happens in an
// incident), standing warnings and escalation criteria up front, context beside it.

function groupBySection<T extends ChecklistItem>(items: readonly T[]): { id: string; title: string; items: T[] }[] {
  const groups: { id: string; title: string; items: T[] }[] = [];
  for (const it of items) {
    const last = groups[groups.length - 1];
    if (last && last.id === it.sectionId) last.items.push(it);
    else groups.push({ id: it.sectionId, title: it.section, items: [it] });
  }
  return groups;
}

function ItemBody({ item }: { item: ChecklistItem }) {
  return (
    <>
      <InlineText text={item.text} />
      <StepCautions cautions={item.cautions} />
      {item.detail.length ? (
        <div className="text-muted">
          <Blocks blocks={item.detail} />
        </div>
      ) : null}
      <StepAlternatives alternatives={item.alternatives} />
      {item.code.map((c, i) => (
        <CodeBlock key={i} code={c.code} lang={c.lang} />
      ))}
    </>
  );
}

function StepBinding({ step }: { step: Step }) {
  const b = step.binding;
  if (!b) return null;
  const href = controlHref(b);
  const params = Object.entries(b.params ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
  return (
    <div className="mt-2 flex flex-wrap gap-2 text-xs">
      {b.control && href ? (
        <Link
          href={href}
          className="inline-flex min-h-8 items-center gap-1 rounded-md border border-accent px-2 font-medium text-accent hover:underline"
          data-control={b.control}
        >
          Open control <span className="font-mono">{b.control}</span>
          {params ? <span className="font-mono">({params})</span> : null}
        </Link>
      ) : null}
      {b.check ? (
        <span
          className="inline-flex min-h-8 items-center gap-1 rounded-md border border-line px-2"
          data-check={b.check.metric}
        >
          <span aria-hidden="true">◎</span> Live check: {describeCheck(b.check)}
        </span>
      ) : null}
      {b.wait ? (
        <span className="inline-flex min-h-8 items-center gap-1 rounded-md border border-line px-2">
          <span aria-hidden="true">⧗</span> {describeWait(b.wait)}
        </span>
      ) : null}
    </div>
  );
}

function EscalationBindingNote({ item }: { item: EscalationCriterion }) {
  if (!item.binding) return null;
  return (
    <p className="mt-1 text-xs text-muted">
      Bound: {describeEscalation(item.binding)}. The incident room shows the countdown.
    </p>
  );
}

export function RunbookView({ runbook, rules, seed }: { runbook: Runbook; rules: string[]; seed?: string }) {
  const r = runbook;
  const contextSections = r.sections.filter(
    (s) => s.blocks.length && (s.kind === "context" || s.kind === "expectation" || (s.kind === "other" && !r.inferred)),
  );
  return (
    <div className="space-y-6">
      {r.problems.length ? (
        <section aria-labelledby="problems-h" className="rounded-xl border border-sev2 bg-surface p-4">
          <h2 id="problems-h" className="font-semibold">
            Front matter problems — shown as a plain checklist
          </h2>
          <ul className="mt-2 space-y-1 text-sm">
            {r.problems.map((p, i) => (
              <li key={i} className="font-mono text-xs break-words">
                {p.file}
                {p.field ? `: ${p.field}` : ""}: {p.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">Handles rules</dt>
        <dd className="flex flex-wrap gap-1">
          {rules.length ? (
            rules.map((id) => (
              <Badge key={id}>
                <span className="font-mono">{id}</span>
              </Badge>
            ))
          ) : (
            <span className="text-muted">none</span>
          )}
        </dd>
        {r.systems.length ? (
          <>
            <dt className="text-muted">Systems</dt>
            <dd className="font-mono">{r.systems.join(", ")}</dd>
          </>
        ) : null}
        <dt className="text-muted">From</dt>
        <dd>{sourceDocument(seed) ?? "this team"}</dd>
        <dt className="text-muted">File</dt>
        <dd className="font-mono break-all">{r.file}</dd>
      </dl>

      <div className="grid gap-4 md:grid-cols-2">
        <section
          aria-labelledby="warnings-h"
          className="rounded-xl border border-sev1 bg-surface p-4"
          data-testid="warnings"
        >
          <h2 id="warnings-h" className="font-semibold">
            <span aria-hidden="true">⚠ </span>What not to do
          </h2>
          {r.warnings.length ? (
            <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">
              {r.warnings.map((w) => (
                <li key={w.id}>
                  <ItemBody item={w} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-muted">This runbook lists no standing warnings.</p>
          )}
        </section>
        <section
          aria-labelledby="escalation-h"
          className="rounded-xl border border-sev2 bg-surface p-4"
          data-testid="escalation"
        >
          <h2 id="escalation-h" className="font-semibold">
            <span aria-hidden="true">↑ </span>When to escalate
          </h2>
          {r.escalation.length ? (
            <ul className="mt-2 list-disc space-y-2 pl-5 text-sm">
              {r.escalation.map((e) => (
                <li key={e.id} id={e.id}>
                  <ItemBody item={e} />
                  <EscalationBindingNote item={e} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-muted">This runbook states no escalation criteria.</p>
          )}
        </section>
      </div>

      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="steps-h" data-testid="checklist">
          <h2 id="steps-h" className="text-lg font-semibold">
            Checklist{" "}
            <span className="text-sm font-normal text-muted">
              ({r.steps.length} step{r.steps.length === 1 ? "" : "s"}, preview)
            </span>
          </h2>
          {r.inferred ? (
            <p className="mt-1 text-sm text-muted">
              No section of this runbook reads as actions, so the steps were taken from its{" "}
              {r.inferred === "prose" ? "paragraphs" : "lists"}.
            </p>
          ) : null}
          {r.steps.length === 0 ? <p className="mt-2 text-sm text-muted">This runbook has no steps.</p> : null}
          {groupBySection(r.steps).map((g) => (
            <div key={g.id} className="mt-4">
              <h3 className="text-sm font-semibold tracking-wide text-muted uppercase">{g.title}</h3>
              <ol className="mt-2 space-y-2">
                {g.items.map((s) => (
                  <li
                    key={s.id}
                    id={s.id}
                    className="flex gap-3 rounded-lg border border-line bg-surface p-3 text-sm"
                    data-step={s.id}
                  >
                    <span
                      aria-hidden="true"
                      className="mt-0.5 inline-block size-4 shrink-0 rounded border border-muted"
                    />
                    <div className="min-w-0 flex-1">
                      <span className="sr-only">Step {s.index}: </span>
                      <span aria-hidden="true" className="mr-1 font-mono text-xs text-muted">
                        {s.index}.
                      </span>
                      <ItemBody item={s} />
                      <StepBinding step={s} />
                    </div>
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </section>
        <section aria-labelledby="context-h">
          <h2 id="context-h" className="text-lg font-semibold">
            Context
          </h2>
          {contextSections.length === 0 ? (
            <p className="mt-2 text-sm text-muted">No symptoms, signals or metrics are listed.</p>
          ) : null}
          {contextSections.map((s) => (
            <div key={s.id} id={s.id} className="mt-4 rounded-xl border border-line bg-surface p-4">
              <h3 className="font-semibold">
                <InlineText text={s.title} />
                {s.kind === "expectation" ? (
                  <span className="ml-2 align-middle">
                    <Badge tone="ok">expected</Badge>
                  </span>
                ) : null}
              </h3>
              <Blocks blocks={s.blocks} />
            </div>
          ))}
        </section>
      </div>
    </div>
  );
}
