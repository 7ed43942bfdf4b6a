"use client";

import { RouteError } from "@/components/panels/route-error";

export default function Error({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteError screen="Incidents" error={error} reset={reset} />;
}
