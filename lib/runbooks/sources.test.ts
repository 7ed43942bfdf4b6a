import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sourceDocument } from "./sources";

describe("sourceDocument", () => {
  it("names each source document in words", () => {
    expect(sourceDocument("004")).toBe("Spot exchange runbook");
    expect(sourceDocument("000")).toBe("Capital invariant runbook");
    expect(sourceDocument("console")).toBe("Watchfloor");
    expect(sourceDocument("Team wiki")).toBe("Team wiki");
  });

  it("never answers with a bare number", () => {
    expect(sourceDocument("017")).toBeUndefined();
    expect(sourceDocument(undefined)).toBeUndefined();
  });

  it("knows every source the shipped runbooks name", () => {
    const dir = path.resolve(__dirname, "../../runbooks");
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith(".md") && f !== "README.md")
      .map((f) => /^seed:\s*"?([^"\n]+)"?$/m.exec(readFileSync(path.join(dir, f), "utf8"))?.[1])
      .filter((s): s is string => Boolean(s));
    expect(sources.length).toBeGreaterThan(10);
    for (const s of sources) expect(sourceDocument(s), s).toMatch(/[a-z]/i);
  });
});
