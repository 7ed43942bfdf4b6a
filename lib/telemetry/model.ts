// The normalised telemetry model. Every source adapter produces these; nothing downstream of
// lib/telemetry knows which wire format (health JSON, Prometheus text, NDJSON reports, Supabase
// rows) a value came from. The definitions are the shared vocabulary (lib/core/vocabulary.ts).

export { SYSTEM_KINDS, BUILT_IN_KINDS, GENERIC_KINDS, SYSTEM_ENTITY } from "../core/vocabulary";
export type {
  SystemKind,
  BuiltInKind,
  GenericKind,
  Sample,
  Report,
  SourceErrorKind,
  SourceError,
  SourceResult,
} from "../core/vocabulary";
