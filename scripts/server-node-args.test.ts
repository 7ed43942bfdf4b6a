import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_HEAP_MB, serverNodeArgs } from "./server-node-args";

describe("server node options", () => {
  it("caps the heap at the default, or at WATCHFLOOR_MAX_HEAP_MB", () => {
    expect(serverNodeArgs({})).toEqual([`--max-old-space-size=${DEFAULT_MAX_HEAP_MB}`]);
    expect(serverNodeArgs({ WATCHFLOOR_MAX_HEAP_MB: "1024" })).toEqual(["--max-old-space-size=1024"]);
  });
  it("names the variable when its value is not a size", () => {
    for (const bad of ["lots", "64", "1.5", "-1", "999999"]) expect(() => serverNodeArgs({ WATCHFLOOR_MAX_HEAP_MB: bad })).toThrow(/WATCHFLOOR_MAX_HEAP_MB/);
  });
});
