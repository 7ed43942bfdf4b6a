import { receivePlain } from "@/lib/collector/receivers";

export const dynamic = "force-dynamic";

/** Report ingest: our NDJSON envelope, or a log shipper's plain JSON (lib/collector/receivers.ts). */
export async function POST(req: Request) {
  return receivePlain(req);
}
