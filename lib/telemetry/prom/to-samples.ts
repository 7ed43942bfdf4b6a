// Maps parsed families into the normalised Sample model (lib/telemetry/model.ts).

import { SYSTEM_ENTITY, type Sample } from "@/lib/telemetry/model";
import type { MetricFamily } from "./types";

export interface ToSamplesOptions {
  /** Target name from the fleet config. */
  system: string;
  /**
   * Label names that identify the entity, in order of preference (e.g. `["profile_id", "symbol"]`).
   * The first one present with a non-empty value wins; otherwise the entity is the system ("*").
   * Empty values count as absent, as in Prometheus.
   */
  entityLabel?: readonly string[];
  /** When the exposition was scraped (ms since the epoch). */
  observedAt: number;
}

/**
 * One Sample per sample line, labels kept as they are (histogram and summary series come out as
 * their individual `_bucket` / `_sum` / `_count` / quantile samples). A sample that carries its
 * own timestamp keeps it as `observedAt`, so an exporter serving old values is seen as old;
 * otherwise `observedAt` is the scrape time.
 */
export function toSamples(families: readonly MetricFamily[], opts: ToSamplesOptions): Sample[] {
  const entityLabels = opts.entityLabel ?? [];
  const out: Sample[] = [];
  for (const family of families) {
    for (const s of family.samples) {
      let entity = SYSTEM_ENTITY;
      for (const label of entityLabels) {
        const value = Object.hasOwn(s.labels, label) ? s.labels[label] : undefined;
        if (value !== undefined && value !== "") {
          entity = value;
          break;
        }
      }
      out.push({
        system: opts.system,
        entity,
        metric: s.name,
        labels: { ...s.labels },
        value: s.value,
        observedAt: s.timestamp ?? opts.observedAt,
      });
    }
  }
  return out;
}
