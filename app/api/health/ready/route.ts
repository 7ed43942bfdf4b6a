import { checkReadiness } from "@/lib/health";

export const dynamic = "force-dynamic";

/** Readiness: the database is reachable and fully migrated; 503 with the reason otherwise. */
export async function GET() {
  const r = await checkReadiness();
  return Response.json(r, { status: r.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
