import { receiveEs } from "@/lib/collector/receivers";

export const dynamic = "force-dynamic";

// An Elasticsearch-compatible base URL for Filebeat, Logstash, Fluent Bit's es output and rsyslog's
// omelasticsearch: the version handshake and probes, and the bulk API (lib/collector/receivers.ts).
// One optional catch-all, because ES paths start with "_" and app/ folders starting with "_" are
// private (not routed).

type Ctx = { params: Promise<{ path?: string[] }> };

async function handle(req: Request, ctx: Ctx) {
  const { path } = await ctx.params;
  return receiveEs(req, path ?? []);
}

// HEAD is answered by GET (Next.js calls GET for a HEAD request and drops the body).
export const GET = handle;
export const POST = handle;
