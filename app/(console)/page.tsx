import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { getActor } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { getBoard } from "@/lib/board/api";
import { getChangesBeforeMoment, getReplayBoard, type ReplayBoard } from "@/lib/replay/api";
import { Invalid } from "@/lib/errors";
import { PageHeader } from "@/components/ui/page-header";
import { BoardClient, ReplayedBoard } from "@/components/board/board-client";
import { ApprovalsWaiting } from "@/components/controls/approvals-waiting";
import { ReplayBar } from "@/components/replay/replay-bar";
import { ChangesList } from "@/components/replay/changes-list";
import { acknowledgeFindingAction, confirmFindingHandledAction } from "./actions";

export const metadata: Metadata = { title: "Board" };

export default async function BoardPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await getActor();
  const at = (await searchParams).at;
  if (at !== undefined) return <ReplayPage actor={actor} at={Array.isArray(at) ? at[0] : at} />;
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

/** `/?at=<ISO time>`: the board as it was at that moment, marked as a replay throughout. */
async function ReplayPage({ actor, at }: { actor: Awaited<ReturnType<typeof getActor>>; at: string | undefined }) {
  let board: ReplayBoard;
  try {
    board = await getReplayBoard(actor, at);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    return (
      <>
        <PageHeader title="Severity board — replay" />
        <p role="alert" className="rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
          Cannot replay the board: {err.message}.{" "}
          <Link href="/" className="underline">
            Back to the live board
          </Link>
        </p>
      </>
    );
  }
  const t = board.replay.at;
  const now = board.replay.builtAt ?? t;
  const changes = await getChangesBeforeMoment(actor, t);
  return (
    <>
      <PageHeader
        title="Severity board — replay"
        description="The board as it was at a past moment, rebuilt from the finding history: lanes, findings, severities, data ages and source freshness as of then. Not live."
      />
      <Suspense>
        <ReplayBar
          at={t}
          prev={board.replay.prev}
          next={board.replay.next}
          from={Math.min(t, now) - 6 * 3_600_000}
          to={now}
        />
        <p className="mb-3 flex flex-wrap gap-4 text-sm">
          <Link
            href={`/exchange?at=${encodeURIComponent(new Date(t).toISOString())}`}
            className="text-accent underline"
          >
            Exchange panels at this moment
          </Link>
          {actor && roleAtLeast(actor.role, "commander") ? (
            <Link href={`/share?at=${encodeURIComponent(new Date(t).toISOString())}`} className="text-accent underline">
              Share this moment as a read-only link
            </Link>
          ) : null}
        </p>
        <ReplayedBoard board={board} />
      </Suspense>
      <ChangesList
        title="Changes before this moment"
        changes={changes.changes}
        onset={changes.onset}
        windowMinutes={changes.windowMinutes}
      />
    </>
  );
}
