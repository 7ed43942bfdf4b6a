"use client";

import { useApprovalsWaiting } from "./live";

/** The count of control requests waiting for this user's approval, beside "Controls" in the navigation. */
export function ApprovalsBadge({ initial, enabled }: { initial: number; enabled: boolean }) {
  const n = useApprovalsWaiting(initial, enabled);
  if (!n) return null;
  return (
    <span
      data-approvals-badge={n}
      className="ml-auto inline-flex min-w-5 items-center justify-center rounded-full bg-accent px-1.5 text-xs font-bold leading-5 text-accent-fg"
    >
      {n}
      <span className="sr-only"> {n === 1 ? "approval" : "approvals"} waiting for you</span>
    </span>
  );
}
