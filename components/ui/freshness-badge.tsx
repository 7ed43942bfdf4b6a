import type { Freshness } from "@/lib/collector/freshness";
import { Badge } from "./badge";

const LOOK: Record<Freshness, { tone: "ok" | "sev2" | "sev1" | "unknown"; icon: string; text: string }> = {
  ok: { tone: "ok", icon: "●", text: "fresh" },
  stale: { tone: "sev2", icon: "◐", text: "stale" },
  error: { tone: "sev1", icon: "✕", text: "error" },
  no_data: { tone: "unknown", icon: "?", text: "no data" },
};

/** A fresh source whose last read left families out; the sources screen says which lines. */
export function PartialBadge({ families }: { families: string[] }) {
  const names = families.length ? families.join(", ") : "some metric families";
  return (
    <Badge
      tone="sev3"
      title={`Partial: the last read could not use ${names}; findings that depend on them are Unknown`}
    >
      <span aria-hidden="true">◑</span> partial
    </Badge>
  );
}

/** Freshness shown with an icon and a word, never by colour alone. */
export function FreshnessBadge({ freshness }: { freshness: Freshness }) {
  const l = LOOK[freshness];
  return (
    <Badge tone={l.tone} title={`Source freshness: ${l.text}`}>
      <span aria-hidden="true">{l.icon}</span> {l.text}
    </Badge>
  );
}
