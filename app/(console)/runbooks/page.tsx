import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { listRunbooks } from "@/lib/runbooks/service";
import { sourceDocument } from "@/lib/runbooks/sources";
import { count } from "@/components/charts/format";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { SeverityBadge } from "@/components/runbooks/severity-badge";

export const metadata: Metadata = { title: "Runbooks" };

const SLUG = /^[a-z0-9][a-z0-9._-]*$/i;

export default async function RunbooksPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q : "";
  const wanted = typeof sp.runbook === "string" ? sp.runbook : undefined;
  const list = await listRunbooks(await getActor(), { q });
  // The board links to /runbooks?runbook=<slug>: open that runbook when it exists.
  if (wanted && SLUG.test(wanted) && list.runbooks.some((r) => r.slug === wanted)) redirect(`/runbooks/${wanted}`);
  return (
    <>
      <PageHeader
        title="Runbooks"
        description="Every playbook as a checklist: steps, standing warnings, escalation criteria and the rules whose findings it handles. Runbooks are Markdown files in runbooks/; teams can drop in their own."
      />
      {wanted ? (
        <p role="status" className="mb-4 rounded-xl border border-sev2 bg-surface p-3 text-sm">
          There is no runbook file for <span className="font-mono">{wanted}</span>. The list below shows every runbook
          that exists.
        </p>
      ) : null}
      <form role="search" action="/runbooks" method="get" className="mb-4 flex flex-wrap items-end gap-2">
        <div className="flex min-w-0 flex-1 flex-col gap-1">
          <label htmlFor="runbook-q" className="text-sm font-medium">
            Search runbooks
          </label>
          <input
            id="runbook-q"
            name="q"
            type="search"
            defaultValue={q}
            placeholder="title, step text, metric or rule id"
            className="min-h-10 w-full rounded-md border border-line bg-surface px-3 text-sm"
          />
        </div>
        <button type="submit" className="min-h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg">
          Search
        </button>
        {q ? (
          <Link
            href="/runbooks"
            className="min-h-10 content-center rounded-md px-2 text-sm text-accent hover:underline"
          >
            Clear
          </Link>
        ) : null}
      </form>
      <p className="mb-3 text-sm text-muted" aria-live="polite" data-testid="runbook-count">
        {q
          ? `${list.runbooks.length} of ${count(list.total, "runbook")} ${list.runbooks.length === 1 ? "matches" : "match"} “${list.query}”.`
          : `${count(list.total, "runbook")}.`}
      </p>
      {list.errors.length ? (
        <div role="alert" className="mb-4 rounded-xl border border-sev1 bg-surface p-3 text-sm">
          {list.errors.map((e, i) => (
            <p key={i}>
              <span className="font-mono">{e.file}</span>: {e.message}
            </p>
          ))}
        </div>
      ) : null}
      {list.runbooks.length === 0 ? (
        <EmptyState title={q ? "No runbook matches the search." : "No runbooks yet."}>
          {q ? "Try fewer or different words." : "Add Markdown files to runbooks/."}
        </EmptyState>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2" aria-label="Runbooks">
          {list.runbooks.map((r) => (
            <li key={r.slug} className="rounded-xl border border-line bg-surface p-4" data-runbook={r.slug}>
              <div className="flex flex-wrap items-start justify-between gap-2">
                <h2 className="font-semibold">
                  <Link href={`/runbooks/${r.slug}`} className="text-accent hover:underline">
                    {r.title}
                  </Link>
                </h2>
                <div className="flex flex-wrap gap-1">
                  <SeverityBadge severity={r.severity} note={r.severityNote} />
                  {sourceDocument(r.seed) ? (
                    <Badge title="Where this playbook comes from">{sourceDocument(r.seed)}</Badge>
                  ) : null}
                  {r.problems ? (
                    <Badge tone="sev2" title="The front matter has problems; the runbook shows as a plain checklist">
                      front matter problem
                    </Badge>
                  ) : null}
                </div>
              </div>
              {r.summary ? <p className="mt-1 text-sm text-muted">{r.summary}</p> : null}
              <p className="mt-2 text-xs text-muted">
                {count(r.steps, "step")} · {count(r.warnings, "warning")} ·{" "}
                {count(r.escalation, "escalation criterion", "escalation criteria")}
              </p>
              <div className="mt-2 flex flex-wrap items-center gap-1 text-xs">
                <span className="text-muted">Handles:</span>
                {r.rules.length ? (
                  r.rules.map((id) => (
                    <span key={id} className="rounded border border-line px-1 font-mono">
                      {id}
                    </span>
                  ))
                ) : (
                  <span className="text-muted">no rules</span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {list.missing.length ? (
        <p className="mt-6 text-sm text-muted">
          Findings point at runbooks that have no file yet:{" "}
          {list.missing.map((s) => (
            <span key={s} className="font-mono">
              {s}{" "}
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}
