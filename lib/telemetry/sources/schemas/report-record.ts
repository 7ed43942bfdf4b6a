import { z } from "zod";
import type { Report } from "../../model";
import { issuePath } from "./common";

// The one NDJSON report record, whichever way it arrives: pushed by a log shipper to /api/ingest
// or pulled from a futures bot's GET /logs (seed 003). Both paths parse a line with this schema and
// turn it into a Report with reportOf, so a record id seen by both is stored with the same kind,
// fields and time.

export const ReportRecord = z.object({
  id: z.string().min(1, "must not be empty").max(200),
  /** The emitting system's own name; the console files the report under the target it polled or the push token's source. */
  system: z.string().min(1).optional(),
  kind: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "must be an upper-case report kind such as RECONCILIATION_REPORT"),
  ts: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "expected an ISO-8601 timestamp" }),
  fields: z.record(z.string(), z.unknown()).default({}),
  /** A shipper's log message; kept with the fields. */
  message: z.string().optional(),
});
export type ReportRecord = z.infer<typeof ReportRecord>;

/** The report a record becomes, filed under `system` (the target's name). */
export function reportOf(rec: ReportRecord, system: string): Report {
  const fields = rec.message !== undefined ? { ...rec.fields, message: rec.message } : rec.fields;
  return { system, kind: rec.kind, id: rec.id, fields, observedAt: Date.parse(rec.ts) };
}

/** "path: problem" for the first thing wrong with a line. */
export function recordProblem(err: z.ZodError): string {
  const first = err.issues[0];
  return first ? `${issuePath(first.path)}: ${first.message.replace(/^Invalid input: /, "")}` : "invalid record";
}
