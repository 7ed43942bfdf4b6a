"use client";

import { useActionState } from "react";
import { sendTestNotificationAction } from "./actions";

export function SendTestButton({ channel }: { channel: string }) {
  const [state, action, pending] = useActionState(sendTestNotificationAction, null);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="channel" value={channel} />
      <button
        disabled={pending}
        className="min-h-10 rounded-md border border-line px-3 text-sm font-medium hover:bg-surface-2"
      >
        {pending ? "Queuing…" : `Send test to ${channel}`}
      </button>
      {state?.ok ? (
        <span role="status" className="text-xs text-ok">
          Queued; it appears below.
        </span>
      ) : null}
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-sev1">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
