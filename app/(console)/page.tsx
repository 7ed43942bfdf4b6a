import type { Metadata } from "next";
import { Suspense } from "react";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { getBoard } from "@/lib/board/api";
import { PageHeader } from "@/components/ui/page-header";
import { BoardClient } from "@/components/board/board-client";
import { ApprovalsWaiting } from "@/components/controls/approvals-waiting";
import { acknowledgeFindingAction, confirmFindingHandledAction } from "./actions";

export const metadata: Metadata = { title: "Board" };

export default async function BoardPage() {
  const actor = await getActor();
  const initial = await getBoard(actor);
  return (
    <>
      <PageHeader
        title="Severity board"
        description="Open findings across the fleet by severity, live. Unknown means the data is too old to tell — never healthy."
      />
      <ApprovalsWaiting />
      <Suspense>
        <BoardClient
          initial={initial}
          acknowledge={actor && roleAtLeast(actor.role, "responder") ? acknowledgeFindingAction : undefined}
          confirm={actor && roleAtLeast(actor.role, "commander") ? confirmFindingHandledAction : undefined}
        />
      </Suspense>
    </>
  );
}
