import { createHash } from "node:crypto";
import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { generateShareToken, hashShareToken, isWellFormedToken, sameHash, TOKEN_BYTES } from "./token";

// Every digest comparison goes through here, so the test can see what was compared.
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

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

  it("stores only the SHA-256 of the token, which differs from the token", () => {
    const t = generateShareToken();
    const h = hashShareToken(t);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(t);
    // Written out from the storage format: SHA-256 of "watchfloor-share:" and the token, as hex.
    expect(h).toBe(createHash("sha256").update(`watchfloor-share:${t}`, "utf8").digest("hex"));
    expect(hashShareToken(generateShareToken())).not.toBe(h);
  });

  it("compares digests with timingSafeEqual over their 32 bytes, wherever they differ", () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const h = hashShareToken(generateShareToken());
    const flip = (at: number) => h.slice(0, at) + (h[at] === "0" ? "1" : "0") + h.slice(at + 1);
    for (const [other, same] of [
      [h, true],
      [h.toUpperCase(), true],
      [flip(0), false],
      [flip(31), false],
      [flip(63), false],
    ] as const) {
      compare.mockClear();
      expect(sameHash(h, other), `against ${other === h ? "itself" : "a digest differing in one digit"}`).toBe(same);
      // One fixed-size comparison whether it matches or where it differs: no string compare first.
      expect(compare).toHaveBeenCalledTimes(1);
      const [x, y] = compare.mock.calls[0]!;
      expect([(x as Buffer).length, (y as Buffer).length]).toEqual([32, 32]);
    }
  });

  it("refuses digests of another length without throwing (timingSafeEqual would throw on them)", () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const h = hashShareToken(generateShareToken());
    for (const other of ["", h.slice(0, 62), `${h}00`, "zz".repeat(32), "not hex at all"]) {
      compare.mockClear();
      expect(() => sameHash(h, other), JSON.stringify(other)).not.toThrow();
      expect(sameHash(h, other), JSON.stringify(other)).toBe(false);
      expect(sameHash(other, h), JSON.stringify(other)).toBe(false);
      expect(compare, `no comparison of unequal lengths for ${JSON.stringify(other)}`).not.toHaveBeenCalled();
    }
    expect(sameHash("", "")).toBe(false);
  });
});
