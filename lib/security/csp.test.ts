import { describe, expect, it } from "vitest";
import { BASE_DIRECTIVES, newNonce, pagePolicy } from "./csp";

const directives = (p: string) =>
  new Map(
    p
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );

describe("page CSP", () => {
  it("allows scripts only by this request's nonce, never inline or eval", () => {
    const nonce = newNonce();
    const d = directives(pagePolicy(nonce));
    expect(d.get("script-src")).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(pagePolicy(nonce)).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(d.get("default-src")).toEqual(["'self'"]);
  });

  it("keeps every base directive that route handlers and files carry", () => {
    const p = pagePolicy(newNonce());
    for (const base of BASE_DIRECTIVES) expect(p).toContain(base);
  });

  it("nonces are 128 bits and differ on every call", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newNonce()));
    expect(seen.size).toBe(1000);
    for (const n of seen) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });

  it("refuses a nonce that could break out of the header", () => {
    expect(() => pagePolicy("abc'; script-src *")).toThrow(/nonce/);
    expect(() => pagePolicy("")).toThrow(/nonce/);
  });
});
