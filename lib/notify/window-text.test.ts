import { describe, expect, it } from "vitest";
import { maintenanceWindowText } from "./window-text";

describe("maintenance window text", () => {
  it("writes the date once for a window within one UTC day", () => {
    expect(maintenanceWindowText(Date.parse("2026-12-05T14:00:00Z"), Date.parse("2026-12-05T16:30:00Z"))).toBe(
      "2026-12-05 14:00–16:30 UTC",
    );
  });
  it("writes both dates for a window across midnight UTC", () => {
    expect(maintenanceWindowText(Date.parse("2026-12-05T22:00:00Z"), Date.parse("2026-12-06T02:00:00Z"))).toBe(
      "2026-12-05 22:00 – 2026-12-06 02:00 UTC",
    );
  });
  it("refuses a time that is not one", () => {
    expect(() => maintenanceWindowText(Number.NaN, 0)).toThrow(/start and end must be times/);
  });
});
