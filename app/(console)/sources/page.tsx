import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { listTargets } from "@/lib/fleet";
import { TableScroll } from "@/components/ui/table-scroll";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";

export const metadata: Metadata = { title: "Sources" };

export default async function SourcesPage() {
  const targets = listTargets(await getActor());
  return (
    <>
      <PageHeader title="Sources" description="Every monitored system from the fleet config, with its poll interval and freshness." />
      <TableScroll label="Monitored systems">
        <table className="w-full min-w-[40rem] text-sm">
          <caption className="sr-only">Monitored systems</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">System</th>
              <th scope="col" className="px-4 py-2 font-medium">Kind</th>
              <th scope="col" className="px-4 py-2 font-medium">Base URL</th>
              <th scope="col" className="px-4 py-2 font-medium">Poll interval</th>
              <th scope="col" className="px-4 py-2 font-medium">Freshness</th>
            </tr>
          </thead>
          <tbody>
            {targets.map((t) => (
              <tr key={t.name} className="border-b border-line last:border-0">
                <td className="px-4 py-2"><span className="font-medium">{t.label}</span> <span className="font-mono text-xs text-muted">{t.name}</span> {t.simulated ? <Badge>simulated</Badge> : null}</td>
                <td className="px-4 py-2 font-mono">{t.kind}</td>
                <td className="px-4 py-2 font-mono">{t.baseUrl}</td>
                <td className="px-4 py-2">{(t.pollIntervalMs / 1000).toFixed(1)} s</td>
                <td className="px-4 py-2"><Badge tone="unknown">no data — collector not running yet</Badge></td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
