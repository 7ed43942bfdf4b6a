"use client";

import Link from "next/link";
import { useApprovalsWaiting } from "./live";

/** "2 approvals waiting for you": on the board, for whoever can approve; nothing when none wait. */
export function ApprovalsBanner({ initial, enabled }: { initial: number; enabled: boolean }) {
  const n = useApprovalsWaiting(initial, enabled);
  if (!n) return null;
  return (
    <p
      role="status"
      className="mb-3 rounded-md border-2 border-sev1 bg-surface px-3 py-2 text-sm"
      data-approvals-banner={n}
    >
      <Link href="/controls#pending-h" className="font-semibold text-sev1 underline">
        {n === 1 ? "1 approval" : `${n} approvals`} waiting for you
      </Link>
      <span className="hidden sm:inline"> — critical controls are sent only once a second person approves them.</span>
    </p>
  );
}
