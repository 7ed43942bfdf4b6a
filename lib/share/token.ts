import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Share-link tokens: 256 random bits as base64url (43 characters). Only the SHA-256 of a token is
// stored, so a copy of the database cannot be turned back into working links.

export const TOKEN_BYTES = 32;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function generateShareToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/** Malformed tokens are refused before any database lookup. */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === "string" && TOKEN_RE.test(token);
}

export function hashShareToken(token: string): string {
  return createHash("sha256").update(`watchfloor-share:${token}`).digest("hex");
}

/** Constant-time comparison of two hex digests (the lookup is by hash; this re-checks the row). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
