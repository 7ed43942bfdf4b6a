"use client";

import { RouteError } from "@/components/panels/route-error";

// Any console screen without an error state of its own fails here, inside the shell: the
// navigation stays, and the screen says it failed rather than showing anything as healthy.
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteError screen="This screen" error={error} reset={reset} />;
}
