import { describe, expect, it } from "vitest";
import { loggedPath, routeOf } from "./edge";

// Which requests the live edge answers itself; everything else must reach Next unchanged (other
// methods get Next's 405, a trailing slash Next's redirect, an undecodable token Next's answer).

describe("live edge routes", () => {
  it("takes GET of the board, the stream and a status token, with or without a query", () => {
    expect(routeOf("GET", "/api/board")).toEqual({ kind: "board" });
    expect(routeOf("GET", "/api/board?x=1")).toEqual({ kind: "board" });
    expect(routeOf("GET", "/api/stream")).toEqual({ kind: "stream" });
    expect(routeOf("GET", "/api/status/abc_DEF-123")).toEqual({ kind: "status", token: "abc_DEF-123" });
    expect(routeOf("GET", "/api/status/a%2Db")).toEqual({ kind: "status", token: "a-b" });
  });

  it("leaves everything else to Next", () => {
    for (const [method, url] of [
      ["POST", "/api/board"],
      ["HEAD", "/api/stream"],
      ["PUT", "/api/status/abc"],
      ["GET", "/api/board/"],
      ["GET", "/api/boards"],
      ["GET", "/api/status/"],
      ["GET", "/api/status/a/b"],
      ["GET", "/api/status/%E0%A4%A"],
      ["GET", "/"],
      ["GET", "/status/abc"],
      [undefined, "/api/board"],
    ] as const)
      expect(routeOf(method, url), `${method} ${url}`).toBeNull();
  });

  it("logs a path without its query or a status link's token", () => {
    expect(loggedPath("/api/status/SECRET-token?x=1")).toBe("/api/status/<token>");
    expect(loggedPath("/status/SECRET-token")).toBe("/status/<token>");
    expect(loggedPath("/api/board?since=1")).toBe("/api/board");
  });
});
