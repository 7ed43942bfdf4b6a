import { receiveLoki } from "@/lib/collector/receivers";

export const dynamic = "force-dynamic";

/** Loki push API for Promtail, Grafana Alloy, Fluent Bit and Vector (lib/collector/receivers.ts). */
export async function POST(req: Request) {
  return receiveLoki(req);
}
