import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { StatusClient } from "@/components/status/status-client";
import { getStatusForTokenCached } from "@/lib/share/api";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Status",
  robots: { index: false, follow: false },
  referrer: "no-referrer",
};

/**
 * The shared read-only status view. No sign-in: the token in the address is checked here and on
 * every poll; an unknown, malformed, expired or revoked token gets the not-found page, with no data.
 */
export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ token }, sp] = await Promise.all([params, searchParams]);
  const r = await getStatusForTokenCached(token);
  if (!r.ok) notFound();
  const view = sp.view === "wall" ? "wall" : sp.view === "compact" ? "compact" : "auto";
  return <StatusClient token={token} initial={r.snapshot} view={view} />;
}
