export const dynamic = "force-dynamic";

/** Liveness: the process is up and answering. */
export function GET() {
  return Response.json(
    { status: "ok", uptimeSeconds: Math.round(process.uptime()) },
    { headers: { "Cache-Control": "no-store" } },
  );
}
