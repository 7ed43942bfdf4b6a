// Typed errors thrown by services, mapped to user-facing messages in one place (toActionError).

export class NotAuthenticated extends Error {
  readonly status = 401;
  constructor(message = "Sign in to do this.") {
    super(message);
    this.name = "NotAuthenticated";
  }
}

export class NotAuthorised extends Error {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = "NotAuthorised";
  }
}

export class NotFound extends Error {
  readonly status = 404;
  constructor(message: string) {
    super(message);
    this.name = "NotFound";
  }
}

export class Conflict extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "Conflict";
  }
}

export class Invalid extends Error {
  readonly status = 400;
  constructor(
    message: string,
    public readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "Invalid";
  }
}

export class RateLimited extends Error {
  readonly status = 429;
  constructor(message: string) {
    super(message);
    this.name = "RateLimited";
  }
}

export type ActionResult<T = undefined> =
  { ok: true; data: T } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

const KNOWN = [NotAuthenticated, NotAuthorised, NotFound, Conflict, Invalid, RateLimited];

/** Maps any thrown value to an action result; unknown errors get a generic message and a log line. */
export function toActionError(err: unknown): Extract<ActionResult, { ok: false }> {
  if (err instanceof Invalid) return { ok: false, message: err.message, fieldErrors: err.fieldErrors };
  if (KNOWN.some((k) => err instanceof k)) return { ok: false, message: (err as Error).message };
  const requestId = Math.random().toString(36).slice(2, 10);
  console.error(`[watchfloor] request ${requestId} failed:`, err);
  return { ok: false, message: `Something went wrong (request ${requestId}). Nothing was changed.` };
}

export function httpStatusOf(err: unknown): number {
  const s = (err as { status?: unknown })?.status;
  return typeof s === "number" ? s : 500;
}
