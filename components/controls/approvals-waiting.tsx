import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { approvalsWaitingFor } from "@/lib/controls/api";
import { ApprovalsBanner } from "./approvals-banner";

/** The board's "N approvals waiting for you" line: counted for the signed-in user, then kept live. */
export async function ApprovalsWaiting() {
  const actor = await getActor();
  if (!actor || !roleAtLeast(actor.role, "responder")) return null;
  // The board must render when the database is out (it shows its degraded snapshot): the count
  // then starts at 0 and the banner's own polling picks it up when the database is back.
  const waiting = await approvalsWaitingFor(actor).catch(() => []);
  return <ApprovalsBanner initial={waiting.length} enabled />;
}
