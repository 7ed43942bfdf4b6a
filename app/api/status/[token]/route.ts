import { getStatusForToken } from "@/lib/share/api";

export const dynamic = "force-dynamic";

const HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow" };

/**
 * The shared status view as JSON, for the open /status/[token] page to poll. The token is checked
 * on every request: unknown or malformed → 404, expired or revoked → 410, with no data either way.
 * The token grants nothing else: no other route or action reads it.
 */
export async function GET(_req: Request, ctx: { params: Promise<{ token: string }> }) {
  const { token } = await ctx.params;
  try {
    const r = await getStatusForToken(token);
    if (!r.ok)
      return Response.json(
        {
          error:
            r.status === 410
              ? `This status link has ${r.reason === "revoked" ? "been revoked" : "expired"}.`
              : "No such status link.",
          reason: r.reason,
        },
        { status: r.status, headers: HEADERS },
      );
    return Response.json(r.snapshot, { headers: HEADERS });
  } catch (err) {
    console.error("[watchfloor] status view failed:", err);
    return Response.json({ error: "The status view is unavailable right now." }, { status: 503, headers: HEADERS });
  }
}
