import { describe, expect, it } from "vitest";
import { buildPostmortem, type PostmortemInput } from "./export";

const T = Date.parse("2026-11-21T13:00:00.000Z");
const input: PostmortemInput = {
  incident: {
    id: "inc-7", title: "Split brain on spot | exchange", severity: "SEV1", status: "resolved",
    commander: { id: "c", name: "Cam Commander" }, responders: [{ id: "r", name: "Ray" }],
    affected: [{ system: "spot-exchange", entity: "BTC-USD" }], runbook: "split-brain",
    openedAt: T, openedBy: { id: "c", name: "Cam Commander" }, resolvedAt: T + 95 * 60_000,
  },
  timeline: [
    { at: T + 60_000, kind: "control", actor: "Cam Commander", text: "SetSymbolMode BTC-USD → HARD_HALT succeeded", auditSeq: 41 },
    { at: T, kind: "opened", actor: "Cam Commander", text: "Opened from finding split_brain|spot-exchange|BTC-USD" },
  ],
  checklist: [
    { index: 1, text: "Set affected symbols to HARD_HALT", section: "Immediate actions", done: true, doneBy: "Cam Commander", doneAt: T + 60_000 },
    { index: 2, text: "Confirm one leader holds the lease", section: "Immediate actions", done: true, how: "live check", doneAt: T + 600_000 },
    { index: 3, text: "Preserve evidence", section: "Immediate actions", done: false },
  ],
  warnings: ["Do not resume in NORMAL before validation"],
  controls: [{ label: "SetSymbolMode HARD_HALT", target: "spot-exchange · BTC-USD", outcome: "succeeded", verification: "symbol mode now HARD_HALT", at: T + 60_000, ticketId: "OPS-12", auditSeq: 41 }],
  evidence: [{ findingId: "split_brain|spot-exchange|BTC-USD", title: "Split-brain suspected", severity: "SEV1", state: "critical", summary: "Duplicate sequence numbers on BTC-USD.", since: T - 30_000, values: [{ label: "duplicate seq in window", value: 953 }] }],
  communications: [{ at: T + 5 * 60_000, by: "Cam Commander", text: "Incident: Split brain\nSeverity: SEV-1" }],
  audit: { verified: true, upToSeq: 52, checkedAt: T + 96 * 60_000 },
  generatedAt: T + 96 * 60_000,
};

describe("postmortem bundle", () => {
  const b = buildPostmortem(input);

  it("summarises who, when, how long and the audit chain state", () => {
    expect(b.markdown).toContain("# Postmortem bundle: Split brain on spot | exchange");
    expect(b.markdown).toContain("| Severity | SEV-1 |");
    expect(b.markdown).toContain("| Resolved | 2026-11-21T14:35:00Z (1 h 35 min after opening) |");
    expect(b.markdown).toContain("| Checklist | 2 of 3 steps done |");
    expect(b.markdown).toContain("| Audit chain | verified up to row 52 at 2026-11-21T14:36:00Z |");
  });

  it("orders the timeline, records who ticked what and how, and references audit rows", () => {
    const opened = b.markdown.indexOf("opened (Cam Commander)");
    const control = b.markdown.indexOf("control (Cam Commander): SetSymbolMode");
    expect(opened).toBeGreaterThan(0);
    expect(control).toBeGreaterThan(opened);
    expect(b.markdown).toContain("[audit #41]");
    expect(b.markdown).toContain("- [x] Set affected symbols to HARD_HALT — by Cam Commander at 2026-11-21T13:01:00Z");
    expect(b.markdown).toContain("- [x] Confirm one leader holds the lease — ticked itself (live check)");
    expect(b.markdown).toContain("- [ ] Preserve evidence — not done");
    expect(b.markdown).toContain("| 2026-11-21T13:01:00Z | SetSymbolMode HARD_HALT | spot-exchange · BTC-USD | OPS-12 | succeeded | symbol mode now HARD_HALT | #41 |");
  });

  it("carries the evidence and communications, escaping table pipes", () => {
    expect(b.markdown).toContain("- duplicate seq in window: `953`");
    expect(b.markdown).toContain("Posted 2026-11-21 13:05 UTC by Cam Commander:");
    expect(b.markdown).not.toMatch(/\| Split brain on spot \| exchange/);
  });

  it("has a JSON twin with everything and a dated file name", () => {
    const parsed = JSON.parse(b.json) as { format: string; controls: unknown[]; checklist: unknown[] };
    expect(parsed.format).toBe("watchfloor-postmortem/1");
    expect(parsed.controls).toHaveLength(1);
    expect(parsed.checklist).toHaveLength(3);
    expect(b.filename).toBe("postmortem-2026-11-21-split-brain-on-spot-exchange");
  });

  it("says so when parts are empty rather than leaving blanks", () => {
    const empty = buildPostmortem({ ...input, timeline: [], checklist: [], controls: [], evidence: [], communications: [], warnings: [], audit: { verified: false, upToSeq: null, checkedAt: T } });
    expect(empty.markdown).toContain("No events recorded.");
    expect(empty.markdown).toContain("No emergency controls were run.");
    expect(empty.markdown).toContain("NOT verified");
  });
});
