import { acceptIngest } from "@/lib/collector/push-ingest";
import { MAX_INGEST_BYTES } from "@/lib/telemetry/ingest";
import { FOREIGN_ORIGIN_MESSAGE, isForeignOrigin } from "@/lib/auth/same-origin";

export const dynamic = "force-dynamic";

/** Reads the body up to the cap; null when it is larger. */
async function readCapped(req: Request): Promise<Buffer | null> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > MAX_INGEST_BYTES) return null;
  const reader = req.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_INGEST_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** NDJSON report ingest for log shippers; see lib/telemetry/ingest.ts for the contract. */
export async function POST(req: Request) {
  // Shippers send no Origin; a browser on another site has no business posting reports.
  if (isForeignOrigin(req.headers)) return Response.json({ error: FOREIGN_ORIGIN_MESSAGE }, { status: 403 });
  const auth = req.headers.get("authorization");
  // Check the token before reading a possibly large body.
  const early = auth ? null : await acceptIngest(null, null, null);
  if (early) return Response.json(early.body, { status: early.status });
  const raw = await readCapped(req);
  const result = await acceptIngest(auth, raw, req.headers.get("content-encoding"));
  return Response.json(result.body, { status: result.status, headers: { "Cache-Control": "no-store" } });
}
