import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_SECTIONS, isConsolePath, sessionCookieValue } from "./console-routes";

describe("console routes", () => {
  it("lists exactly the folders of app/(console), so a new screen is not left out", () => {
    const dir = path.resolve(__dirname, "../../app/(console)");
    const folders = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect([...CONSOLE_SECTIONS].sort()).toEqual(folders);
  });

  it("treats the board and paths under a section as console screens, and nothing else", () => {
    expect(isConsolePath("/")).toBe(true);
    expect(isConsolePath("/controls")).toBe(true);
    expect(isConsolePath("/findings/capital_invariant%7Calpha-bot%7Ceth-grid")).toBe(true);
    expect(isConsolePath("/admin/users")).toBe(true);
    expect(isConsolePath("/signin")).toBe(false);
    expect(isConsolePath("/status/abc")).toBe(false);
    expect(isConsolePath("/no-such-screen")).toBe(false);
    // The log-shipper receivers answer shippers, which have no session: never sent to sign-in.
    for (const p of ["/loki/api/v1/push", "/es", "/es/", "/es/_bulk", "/es/trading-bot/_bulk", "/api/ingest"])
      expect(isConsolePath(p), p).toBe(false);
    expect(isConsolePath("/controlsx")).toBe(false);
  });

  it("reads the session cookie whole or from its chunks", () => {
    const jar = (c: Record<string, string>) => (n: string) => c[n];
    expect(sessionCookieValue(jar({}))).toBeUndefined();
    expect(sessionCookieValue(jar({ "next-auth.session-token": "abc" }))).toBe("abc");
    expect(sessionCookieValue(jar({ "__Secure-next-auth.session-token": "s" }))).toBe("s");
    expect(sessionCookieValue(jar({ "next-auth.session-token.0": "ab", "next-auth.session-token.1": "cd" }))).toBe(
      "abcd",
    );
    expect(sessionCookieValue(jar({ other: "x" }))).toBeUndefined();
  });
});
