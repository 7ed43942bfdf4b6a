import { statusReply } from "@/lib/live/replies";

export const dynamic = "force-dynamic";

/** The shared status view as JSON, for the open /status/[token] page to poll (lib/live/replies.ts). */
export async function GET(_req: Request, ctx: { params: Promise<{ token: string }> }) {
  const r = await statusReply((await ctx.params).token);
  return new Response(r.body, { status: r.status, headers: r.headers });
}
