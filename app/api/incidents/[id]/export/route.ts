import { getActor } from "@/lib/auth/session";
import { exportPostmortem } from "@/lib/incidents/api";
import { httpStatusOf, toActionError } from "@/lib/errors";

// The postmortem bundle as a download: ?format=md (default) or ?format=json. Viewer or above.

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const format = new URL(req.url).searchParams.get("format") === "json" ? "json" : "md";
  try {
    const bundle = await exportPostmortem(await getActor(), id);
    const body = format === "json" ? bundle.json : bundle.markdown;
    return new Response(body, {
      headers: {
        "content-type": format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
        "content-disposition": `attachment; filename="${bundle.filename}.${format}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (err) {
    return Response.json({ error: toActionError(err).message }, { status: httpStatusOf(err) });
  }
}
