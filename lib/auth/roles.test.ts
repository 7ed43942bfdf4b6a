import { describe, expect, it } from "vitest";
import { groupsFromClaim, isRole, requireRole, roleAtLeast, roleFromGroups, type Actor } from "./roles";
import { NotAuthenticated, NotAuthorised } from "../errors";

const actor = (role: Actor["role"]): Actor => ({ id: "u", username: "u", displayName: "U", role });

describe("roles", () => {
  it("orders viewer < responder < commander < admin", () => {
    const expected: [string, string, boolean][] = [
      ["viewer", "viewer", true],
      ["viewer", "responder", false],
      ["responder", "viewer", true],
      ["responder", "commander", false],
      ["commander", "responder", true],
      ["commander", "admin", false],
      ["admin", "commander", true],
      ["admin", "viewer", true],
    ];
    for (const [have, need, ok] of expected)
      expect(roleAtLeast(have as Actor["role"], need as Actor["role"]), `${have} ≥ ${need}`).toBe(ok);
  });

  it("knows only the four role names", () => {
    expect(["viewer", "responder", "commander", "admin"].every(isRole)).toBe(true);
    for (const v of ["Admin", "root", "", null, undefined, 3, ["admin"]]) expect(isRole(v)).toBe(false);
  });

  it("requireRole: no actor → not authenticated; a lower role → not authorised, naming both roles", () => {
    expect(() => requireRole(null, "viewer")).toThrow(NotAuthenticated);
    expect(() => requireRole(undefined, "viewer")).toThrow(NotAuthenticated);
    expect(() => requireRole(actor("responder"), "commander")).toThrow(NotAuthorised);
    expect(() => requireRole(actor("responder"), "commander")).toThrow(
      "This needs the commander role; you are signed in as responder.",
    );
    expect(() => requireRole(actor("commander"), "commander")).not.toThrow();
    expect(() => requireRole(actor("admin"), "responder")).not.toThrow();
  });

  it("roleFromGroups: the highest mapped role, or null when no group maps", () => {
    const map = { ops: "responder", leads: "commander", readers: "viewer" } as const;
    expect(roleFromGroups(["readers", "leads", "ops"], map)).toBe("commander");
    expect(roleFromGroups(["ops", "readers"], map)).toBe("responder");
    expect(roleFromGroups(["staff", "LEADS"], map)).toBeNull();
    expect(roleFromGroups([], map)).toBeNull();
  });

  it("groupsFromClaim: array, single string, space- or comma-separated; anything else is no groups", () => {
    expect(groupsFromClaim(["a", 3, "b", null])).toEqual(["a", "b"]);
    expect(groupsFromClaim("a")).toEqual(["a"]);
    expect(groupsFromClaim("a b,c ,, d")).toEqual(["a", "b", "c", "d"]);
    expect(groupsFromClaim({ a: 1 })).toEqual([]);
    expect(groupsFromClaim(undefined)).toEqual([]);
  });
});
