import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { approvalsWaitingFor } from "@/lib/controls/api";
import { ApprovalsBanner } from "./approvals-banner";

/** The board's "N approvals waiting for you" line: counted for the signed-in user, then kept live. */
export async function ApprovalsWaiting() {
  const actor = await getActor();
  if (!actor || !roleAtLeast(actor.role, "responder")) return null;
  const waiting = await approvalsWaitingFor(actor);
  return <ApprovalsBanner initial={waiting.length} enabled />;
}
