import { describe, expect, it } from "vitest";
import { Invalid } from "../errors";
import { parseMoment } from "./api";

// `?at=` and the share form name what is wrong with a moment: malformed, without its zone, in
// the future, or older than the history kept.

const NOW = Date.parse("2026-12-05T04:00:00Z");
const problem = (input: unknown) => {
  try {
    parseMoment(input, NOW, 30);
  } catch (err) {
    expect(err).toBeInstanceOf(Invalid);
    return (err as Invalid).message;
  }
  throw new Error("accepted");
};

describe("parseMoment", () => {
  it("reads ISO 8601 times with their zone and epoch milliseconds", () => {
    expect(parseMoment("2026-12-05T03:12:00Z", NOW, 30)).toBe(Date.parse("2026-12-05T03:12:00Z"));
    expect(parseMoment("2026-12-05T04:12:00.250+01:00", NOW, 30)).toBe(Date.parse("2026-12-05T03:12:00.250Z"));
    expect(parseMoment(" 2026-12-05T03:12Z ", NOW, 30)).toBe(Date.parse("2026-12-05T03:12:00Z"));
    expect(parseMoment("1796440320000", NOW, 30)).toBe(1796440320000);
  });

  it("refuses what it cannot place, naming the problem", () => {
    expect(problem(undefined)).toBe("at: missing moment");
    expect(problem("2026-12-05T03:12:00")).toMatch(
      /^at: not a moment: "2026-12-05T03:12:00" \(use an ISO 8601 time with its zone/,
    );
    expect(problem("yesterday")).toMatch(/^at: not a moment: "yesterday"/);
    expect(problem("2026-13-45T03:12:00Z")).toMatch(/^at: not a moment/);
    expect(problem("2026-12-05T04:00:02Z")).toBe("at: that moment is in the future");
    expect(problem("2026-11-04T03:59:59Z")).toBe("at: older than the 30 days of finding history kept");
  });
});
