import { describe, expect, it } from "vitest";
import { communicationUpdate, describeImpact, templateSeverity } from "./comms";
import type { IncidentSummary } from "./types";

const NOW = Date.parse("2026-11-21T14:02:30.000Z");
const base: IncidentSummary = {
  id: "inc-1",
  title: "Capital invariant on alpha-bot",
  severity: "SEV1",
  status: "mitigating",
  responders: [],
  affected: [
    { system: "alpha-bot", entity: "eth-grid", kind: "profile" },
    { system: "alpha-bot", entity: "sol-breakout", kind: "profile" },
    { system: "spot-exchange", entity: "BTC-USD", kind: "symbol" },
  ],
  openedAt: NOW - 600_000,
  openedBy: { id: "u1", name: "Cam" },
};

describe("communication update (seed 002 template)", () => {
  it("has the five lines in order, with impact, mitigation and the next update in UTC", () => {
    const text = communicationUpdate({
      incident: base,
      openFindings: [{ system: "alpha-bot", entity: "eth-grid", severity: "SEV1" }],
      steps: [
        {
          index: 1,
          text: "Confirm no new ENTRY orders for the profile.",
          section: "Immediate",
          done: true,
          doneBy: "Ray",
          doneAt: NOW - 300_000,
        },
        { index: 2, text: "Trigger reconciliation", section: "Immediate", done: false },
      ],
      controls: [
        {
          label: "Pause new entries",
          target: "alpha-bot · eth-grid",
          outcome: "succeeded",
          verification: "profile now inactive",
          at: NOW - 120_000,
        },
      ],
      now: NOW,
    });
    expect(text.split("\n")).toEqual([
      "Incident: Capital invariant on alpha-bot",
      "Severity: SEV-1",
      "Impact: alpha-bot profiles eth-grid, sol-breakout; spot-exchange symbol BTC-USD (1 open finding)",
      "Mitigation: Pause new entries on alpha-bot · eth-grid succeeded (profile now inactive); Confirm no new ENTRY orders for the profile",
      "Next Update: 2026-11-21 14:17 UTC",
    ]);
  });

  it("says honestly when nothing has been done yet, and uses the severity's cadence", () => {
    const text = communicationUpdate({
      incident: { ...base, severity: "SEV3", status: "investigating", affected: [] },
      openFindings: [],
      steps: [],
      controls: [],
      now: NOW,
    });
    expect(text).toContain("Impact: Under assessment; no affected profiles, symbols or orders identified yet");
    expect(text).toContain("Mitigation: Investigating; no mitigation applied yet");
    expect(text).toContain("Next Update: 2026-11-21 15:02 UTC");
  });

  it("marks a resolved incident and plans no next update", () => {
    const text = communicationUpdate({
      incident: { ...base, status: "resolved" },
      openFindings: [],
      steps: [],
      controls: [],
      now: NOW,
    });
    expect(text).toContain("Incident: Capital invariant on alpha-bot (resolved)");
    expect(text).toContain("Next Update: none planned (resolved)");
  });

  it("summarises many actions without flooding the channel", () => {
    const steps = Array.from({ length: 6 }, (_, i) => ({
      index: i,
      text: `Step ${i}`,
      section: "s",
      done: true,
      doneAt: NOW - i * 1000,
    }));
    const text = communicationUpdate({ incident: base, openFindings: [], steps, controls: [], now: NOW });
    expect(text).toContain("Mitigation: Step 0; Step 1; Step 2; and 3 earlier actions");
  });

  it("names whole systems and spells severities as the template does", () => {
    expect(describeImpact([{ system: "kraken-futures", entity: "*" }], [])).toBe("kraken-futures whole system");
    expect(templateSeverity("SEV2")).toBe("SEV-2");
  });
});
