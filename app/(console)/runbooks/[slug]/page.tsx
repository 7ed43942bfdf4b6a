import type { Metadata } from "next";
import Link from "next/link";
import { getActor } from "@/lib/auth/session";
import { getRunbook } from "@/lib/runbooks/service";
import { readOrNotFound } from "@/app/(console)/page-read";
import { PageHeader } from "@/components/ui/page-header";
import { RunbookView } from "@/components/runbooks/runbook-view";
import { SeverityBadge } from "@/components/runbooks/severity-badge";

export const metadata: Metadata = { title: "Runbook" };

export default async function RunbookPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const actor = await getActor();
  const d = await readOrNotFound(() => getRunbook(actor, decodeURIComponent(slug)));
  const r = d.runbook;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/runbooks" className="text-accent hover:underline">
          ← All runbooks
        </Link>
      </p>
      <PageHeader
        title={r.title}
        description={r.summary}
        actions={
          <p className="flex min-w-0 flex-wrap items-center gap-2 text-sm">
            <SeverityBadge severity={r.severity} note={r.severityNote} />
            {r.severityNote ? <span className="text-muted">{r.severityNote}</span> : null}
          </p>
        }
      />
      <RunbookView runbook={r} rules={d.rules} {...(d.seed ? { seed: d.seed } : {})} />
    </>
  );
}
