import { describe, expect, it } from "vitest";
import { incidentFor, type OpenIncidentScope } from "./incident-links";

// Which open incident a board card links to instead of offering "Open incident".

const scope = (id: string, o: Partial<OpenIncidentScope>): OpenIncidentScope => ({
  id,
  title: `Incident ${id}`,
  severity: "SEV1",
  sourceFindingId: null,
  affected: [],
  openedAt: 0,
  ...o,
});
const finding = { id: "ghost_position|beta-bot|eth-trend", system: "beta-bot", entity: "eth-trend" };

describe("incidentFor", () => {
  it("is the incident opened from the finding", () => {
    const open = [scope("a", { sourceFindingId: finding.id, affected: [{ system: "beta-bot", entity: "eth-trend" }] })];
    expect(incidentFor(finding, open)).toEqual({ id: "a", title: "Incident a", severity: "SEV1" });
  });

  it("is an incident whose affected entities include the finding's, or its whole system", () => {
    expect(incidentFor(finding, [scope("b", { affected: [{ system: "beta-bot", entity: "eth-trend" }] })])?.id).toBe(
      "b",
    );
    expect(incidentFor(finding, [scope("c", { affected: [{ system: "beta-bot", entity: "*" }] })])?.id).toBe("c");
  });

  it("is none when the incidents are about other entities or systems", () => {
    const open = [
      scope("d", { affected: [{ system: "beta-bot", entity: "sol-grid" }] }),
      scope("e", { affected: [{ system: "alpha-bot", entity: "*" }] }),
    ];
    expect(incidentFor(finding, open)).toBeUndefined();
    expect(incidentFor(finding, [])).toBeUndefined();
  });

  it("prefers the incident opened from the finding, then the oldest covering one", () => {
    const covering = [
      scope("late", { affected: [{ system: "beta-bot", entity: "*" }], openedAt: 20 }),
      scope("early", { affected: [{ system: "beta-bot", entity: "*" }], openedAt: 10 }),
    ];
    expect(incidentFor(finding, covering)?.id).toBe("early");
    expect(incidentFor(finding, [...covering, scope("own", { sourceFindingId: finding.id, openedAt: 30 })])?.id).toBe(
      "own",
    );
  });
});
