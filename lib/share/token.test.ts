import { describe, expect, it } from "vitest";
import { generateShareToken, hashShareToken, isWellFormedToken, sameHash, TOKEN_BYTES } from "./token";

describe("share tokens", () => {
  it("carry at least 128 bits and are distinct", () => {
    expect(TOKEN_BYTES * 8).toBeGreaterThanOrEqual(128);
    const seen = new Set(Array.from({ length: 1000 }, generateShareToken));
    expect(seen.size).toBe(1000);
    for (const t of seen) expect(isWellFormedToken(t)).toBe(true);
  });

  it("refuses malformed tokens before any lookup", () => {
    const good = generateShareToken();
    for (const bad of [
      "",
      "abc",
      good.slice(1),
      `${good}x`,
      good.replace(/^./, "!"),
      "../../etc/passwd",
      null,
      42,
      undefined,
    ]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it("stores only a hash that differs from the token and compares in constant time", () => {
    const t = generateShareToken();
    const h = hashShareToken(t);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(t);
    expect(sameHash(h, hashShareToken(t))).toBe(true);
    expect(sameHash(h, hashShareToken(generateShareToken()))).toBe(false);
    expect(sameHash(h, "")).toBe(false);
  });
});
