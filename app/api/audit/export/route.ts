import { getActor } from "@/lib/auth/session";
import { auditFilterFrom } from "@/lib/audit/export";
import { exportAuditLog } from "@/lib/audit/api";
import { httpStatusOf, toActionError } from "@/lib/errors";

// GET /api/audit/export?format=ndjson|csv&actor=&action=&target=&ticket=&outcome=&from=&to=
// Viewer or above; the same filters as the Audit screen.

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  try {
    const url = new URL(req.url);
    const format = url.searchParams.get("format") === "csv" ? "csv" : "ndjson";
    const filter = auditFilterFrom(Object.fromEntries(url.searchParams));
    const stream = await exportAuditLog(await getActor(), filter, format);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(stream, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="watchfloor-audit-${stamp}.${format === "csv" ? "csv" : "ndjson"}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    return Response.json({ error: toActionError(err).message }, { status: httpStatusOf(err) });
  }
}
