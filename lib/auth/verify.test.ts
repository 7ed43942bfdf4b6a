import { RequestCookies } from "next/dist/compiled/@edge-runtime/cookies";
import { describe, expect, it } from "vitest";
import { cookieLookup } from "./verify";

// The live edge reads the session cookie from the raw header; Next's cookies() reads it with its
// own parser. Both must see the same value, or a session would be valid on one path and not on
// the other: checked against Next's own parser.

describe("cookieLookup", () => {
  const headers = [
    "next-auth.session-token=abc.def-ghi",
    "a=1; next-auth.session-token=tok; b=2",
    "next-auth.session-token.0=part0;next-auth.session-token.1=part1",
    "x=%E0%A4%A; next-auth.session-token=ok%3D%3D",
    "next-auth.session-token=first; next-auth.session-token=second",
    'q="quoted"; flag; =empty; next-auth.session-token=',
    "",
  ];
  for (const header of headers) {
    it(`reads ${JSON.stringify(header)} as Next does`, () => {
      const next = new RequestCookies(new Headers(header ? { cookie: header } : {}));
      const ours = cookieLookup(header);
      for (const name of [
        "next-auth.session-token",
        "next-auth.session-token.0",
        "next-auth.session-token.1",
        "a",
        "b",
        "q",
        "x",
        "flag",
      ])
        expect(ours(name), name).toBe(next.get(name)?.value);
    });
  }
});
