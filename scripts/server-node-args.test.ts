import { describe, expect, it } from "vitest";
import { serverNodeArgs } from "./server-node-args";

describe("server node options", () => {
  it("leaves the heap to V8 unless WATCHFLOOR_MAX_HEAP_MB caps it", () => {
    expect(serverNodeArgs({})).toEqual([]);
    expect(serverNodeArgs({ WATCHFLOOR_MAX_HEAP_MB: "" })).toEqual([]);
    expect(serverNodeArgs({ WATCHFLOOR_MAX_HEAP_MB: "1024" })).toEqual(["--max-old-space-size=1024"]);
  });
  it("names the variable when its value is not a size", () => {
    for (const bad of ["lots", "64", "1.5", "-1", "999999"])
      expect(() => serverNodeArgs({ WATCHFLOOR_MAX_HEAP_MB: bad })).toThrow(/WATCHFLOOR_MAX_HEAP_MB/);
  });
});
