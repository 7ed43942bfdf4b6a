import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listShareLinks, listShareableIncidents, shareSettings } from "@/lib/share/api";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { TableScroll } from "@/components/ui/table-scroll";
import { CreateShareLinkForm, RevokeButton } from "./share-client";
import { utcDateTime, utcMinute } from "@/lib/core/time";

export const metadata: Metadata = { title: "Share links" };
export const dynamic = "force-dynamic";

const utc = utcMinute;

export default async function SharePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await getActor();
  if (!actor || !roleAtLeast(actor.role, "commander")) {
    return (
      <>
        <PageHeader title="Share links" />
        <section className="rounded-xl border border-line bg-surface p-6">
          <p className="text-sm">
            Share links are for incident commanders: this screen needs the commander role; you are signed in as{" "}
            {actor?.role ?? "nobody"}.
          </p>
        </section>
      </>
    );
  }
  const sp = await searchParams;
  const preselect = typeof sp.incident === "string" && /^[0-9a-f-]{36}$/i.test(sp.incident) ? sp.incident : undefined;
  const presetAt = typeof sp.at === "string" ? sp.at.slice(0, 40) : undefined;
  const [links, incidents] = await Promise.all([listShareLinks(actor), listShareableIncidents(actor)]);
  const settings = shareSettings();
  const titleOf = new Map(incidents.map((i) => [i.id, i.title]));
  return (
    <>
      <PageHeader
        title="Share links"
        description="A read-only status view of the board or of one incident for people without a sign-in. It shows severities, incident status, checklist progress, the last communication update and controls in progress — never notes, people, credentials or any control. Links expire, and revoking one stops it at once."
      />
      <CreateShareLinkForm
        incidents={incidents}
        defaultHours={settings.defaultHours}
        maxHours={settings.maxHours}
        preselect={preselect}
        presetAt={presetAt}
      />
      <section aria-labelledby="links-h" className="mt-8">
        <h2 id="links-h" className="mb-3 text-lg font-semibold">
          Links
        </h2>
        {links.length === 0 ? (
          <EmptyState title="No share links yet">
            Create one above; it is listed here with its expiry, and can be revoked at any time.
          </EmptyState>
        ) : (
          <TableScroll label="Share links">
            <table className="w-full text-sm">
              <thead className="text-left text-xs text-muted">
                <tr>
                  <th className="p-2">Label</th>
                  <th className="p-2">Shows</th>
                  <th className="p-2">Created</th>
                  <th className="p-2">Expires</th>
                  <th className="p-2">State</th>
                  <th className="p-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {links.map((l) => (
                  <tr key={l.id} className="border-t border-line" data-share-link={l.id} data-state={l.state}>
                    <td className="p-2">
                      {l.label ?? <span className="text-muted">(no label)</span>}
                      {l.at !== null ? (
                        <span className="block text-xs text-muted" data-share-at>
                          replay of {utcDateTime(l.at)}
                        </span>
                      ) : null}
                    </td>
                    <td className="p-2">
                      {l.scope === "board"
                        ? "Whole board"
                        : `Incident: ${titleOf.get(l.incidentId ?? "") ?? l.incidentId}`}
                    </td>
                    <td className="p-2 whitespace-nowrap">
                      {utc(l.createdAt)} by {l.createdBy}
                    </td>
                    <td className="p-2 whitespace-nowrap">{utc(l.expiresAt)}</td>
                    <td className="p-2">
                      {l.state === "active" ? (
                        <Badge tone="ok">active</Badge>
                      ) : l.state === "revoked" ? (
                        <Badge tone="sev1">revoked{l.revokedBy ? ` by ${l.revokedBy}` : ""}</Badge>
                      ) : (
                        <Badge>expired</Badge>
                      )}
                    </td>
                    <td className="p-2 text-right">
                      {l.state === "active" ? (
                        <RevokeButton linkId={l.id} label={l.label ?? `link created ${utc(l.createdAt)}`} />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </>
  );
}
