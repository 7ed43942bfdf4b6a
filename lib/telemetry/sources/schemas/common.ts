import { z } from "zod";
import type { SourceResult } from "../../model";

// Building blocks for the health-document schemas, and the one place a JSON body becomes a typed
// value or a typed error.
//
// Every field is optional (and may be null): a field the system does not send produces no sample,
// never a default. A field that is present with the wrong type fails the whole document with kind
// "schema" and the path of the field, because nothing from a malformed document is trusted.
// Identity fields (profile_id, symbol) are the exception: a row we cannot attribute is an error,
// not a silently dropped row. Unknown fields are stripped (z.object's default).

export const num = z.number().nullish();
export const bool = z.boolean().nullish();
export const str = z.string().nullish();
/** An ISO-8601 timestamp; mapped to epoch milliseconds. */
export const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "expected an ISO-8601 timestamp" })
  .nullish();
/** An id that names the entity of a row; required. */
export const id = z
  .string({ error: (iss) => (iss.input === undefined ? "required" : "expected string") })
  .min(1, "must not be empty");

/** `["profiles", 2, "allocated"]` → `profiles[2].allocated` */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || "(root)";
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^Invalid input: /, "");
  return `${issuePath(issue.path)}: ${message}`;
}

/** Parses JSON text and validates it; at most three problems are named in the detail. */
export function parseJsonDocument<S extends z.ZodType>(body: string, schema: S): SourceResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    const snippet = body.replace(/\s+/g, " ").slice(0, 60);
    return {
      ok: false,
      error: { kind: "parse", detail: `invalid JSON (${(e as Error).message})${snippet ? `: ${snippet}` : ""}` },
    };
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues;
    const named = issues.slice(0, 3).map(describeIssue).join("; ");
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
    return { ok: false, error: { kind: "schema", detail: `${named}${more}` } };
  }
  return { ok: true, value: result.data };
}
