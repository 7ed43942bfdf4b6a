import { describe, expect, it } from "vitest";
import { buildPostmortem, type PostmortemInput } from "./export";

const T = Date.parse("2026-11-21T13:00:00.000Z");
const input: PostmortemInput = {
  incident: {
    id: "inc-7",
    title: "Split brain on spot | exchange",
    severity: "SEV1",
    status: "resolved",
    commander: { id: "c", name: "Cam Commander" },
    responders: [{ id: "r", name: "Ray" }],
    affected: [{ system: "spot-exchange", entity: "BTC-USD" }],
    runbook: "split-brain",
    openedAt: T,
    openedBy: { id: "c", name: "Cam Commander" },
    resolvedAt: T + 95 * 60_000,
  },
  timeline: [
    {
      at: T + 60_000,
      kind: "control",
      actor: "Cam Commander",
      text: "SetSymbolMode BTC-USD → HARD_HALT succeeded",
      auditSeq: 41,
    },
    { at: T, kind: "opened", actor: "Cam Commander", text: "Opened from finding split_brain|spot-exchange|BTC-USD" },
  ],
  checklist: [
    {
      index: 1,
      text: "Set affected symbols to HARD_HALT",
      section: "Immediate actions",
      done: true,
      doneBy: "Cam Commander",
      doneAt: T + 60_000,
    },
    {
      index: 2,
      text: "Confirm one leader holds the lease",
      section: "Immediate actions",
      done: true,
      how: "live check",
      doneAt: T + 600_000,
    },
    { index: 3, text: "Preserve evidence", section: "Immediate actions", done: false },
    {
      index: 4,
      text: "Resume in CANCEL_ONLY",
      section: "Recovery",
      done: true,
      how: "control",
      doneBy: "cam (approved by abe)",
      doneAt: T + 20 * 60_000,
    },
  ],
  warnings: ["Do not resume in NORMAL before validation"],
  controls: [
    {
      label: "symbol-mode",
      target: "spot-exchange",
      params: { symbol: "BTC-USD", mode: "HARD_HALT" },
      requestedBy: "cam",
      approvedBy: "abe",
      decidedAt: T + 50_000,
      source: "incident",
      outcome: "succeeded",
      verification: "symbol mode now HARD_HALT",
      at: T + 60_000,
      ticketId: "OPS-12",
      auditSeq: 41,
    },
    {
      label: "withdrawals-halt",
      target: "spot-exchange",
      params: { on: true },
      requestedBy: "ray",
      source: "controls page",
      outcome: "succeeded",
      at: T + 120_000,
      ticketId: "OPS-13",
    },
  ],
  evidence: [
    {
      findingId: "split_brain|spot-exchange|BTC-USD",
      title: "Split-brain suspected",
      severity: "SEV1",
      state: "critical",
      summary: "Duplicate sequence numbers on BTC-USD.",
      since: T - 30_000,
      values: [
        { label: "duplicate seq in window", value: 953 },
        { label: "violations per minute", value: 0.023208333333333324, at: T - 1_500 },
        { label: "last lease change", value: T - 45_250 },
        { label: "ledger drift USD", value: 12_345.678_9 },
      ],
    },
  ],
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
    expect(b.markdown).toContain("| Checklist | 3 of 4 steps done |");
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
    expect(b.markdown).toContain(
      "- [x] Resume in CANCEL_ONLY — ticked when its control succeeded (cam (approved by abe)) at 2026-11-21T13:20:00Z",
    );
    expect(b.markdown).toContain("- [ ] Preserve evidence — not done");
    expect(b.markdown).toContain(
      "| Time | Control | Target | Parameters | Ticket | Requested by | Approved by | Outcome | Verification | Audit |",
    );
    expect(b.markdown).toContain(
      "| 2026-11-21T13:01:00Z | symbol-mode | spot-exchange | symbol=BTC-USD, mode=HARD_HALT | OPS-12 | cam | abe at 2026-11-21T13:00:50Z | succeeded | symbol mode now HARD_HALT | #41 |",
    );
    expect(b.markdown).toContain(
      "| 2026-11-21T13:02:00Z | withdrawals-halt (from the Controls page) | spot-exchange | on=true | OPS-13 | ray | not needed | succeeded |  |  |",
    );
  });

  it("carries the evidence and communications, escaping table pipes", () => {
    expect(b.markdown).toContain("- duplicate seq in window: `953`");
    // No raw floats or epoch milliseconds: values rounded, times written as UTC.
    expect(b.markdown).toContain("- violations per minute: `0.02321` at 2026-11-21T12:59:58Z");
    expect(b.markdown).toContain("- last lease change: `2026-11-21T12:59:14Z`");
    expect(b.markdown).toContain("- ledger drift USD: `12345.68`");
    expect(b.markdown).not.toContain("0.023208333");
    expect(b.markdown).not.toMatch(/\b1\d{12}\b/);
    expect(b.markdown).toContain("Posted 2026-11-21 13:05 UTC by Cam Commander:");
    expect(b.markdown).not.toMatch(/\| Split brain on spot \| exchange/);
  });

  it("has a JSON twin with everything and a dated file name", () => {
    const parsed = JSON.parse(b.json) as {
      format: string;
      controls: unknown[];
      checklist: unknown[];
      evidence: Array<{ since: string; values: unknown[] }>;
      incident: Record<string, unknown>;
      generatedAt: string;
    };
    expect(parsed.format).toBe("watchfloor-postmortem/2");
    expect(parsed.controls).toHaveLength(2);
    expect(parsed.controls[0]).toMatchObject({
      at: "2026-11-21T13:01:00Z",
      params: { symbol: "BTC-USD", mode: "HARD_HALT" },
      requestedBy: "cam",
      approvedBy: "abe",
      decidedAt: "2026-11-21T13:00:50Z",
    });
    expect(parsed.incident).toMatchObject({ openedAt: "2026-11-21T13:00:00Z", resolvedAt: "2026-11-21T14:35:00Z" });
    expect(parsed.generatedAt).toBe("2026-11-21T14:36:00Z");
    expect(parsed.evidence[0]!.since).toBe("2026-11-21T12:59:30Z");
    expect(parsed.evidence[0]!.values).toEqual([
      { label: "duplicate seq in window", value: 953 },
      { label: "violations per minute", value: 0.02321, at: "2026-11-21T12:59:58Z" },
      { label: "last lease change", value: "2026-11-21T12:59:14Z" },
      { label: "ledger drift USD", value: 12345.68 },
    ]);
    expect(b.json).not.toMatch(/\b1\d{12}\b/);
    expect(b.json).not.toContain("0.023208333");
    expect(parsed.checklist).toHaveLength(4);
    expect(b.filename).toBe("postmortem-2026-11-21-split-brain-on-spot-exchange");
  });

  it("says so when parts are empty rather than leaving blanks", () => {
    // With a ticket link template the controls table links each ticket ID.
    const linked = buildPostmortem({ ...input, ticketUrlTemplate: "https://tracker.example/browse/{id}" });
    for (const c of input.controls.filter((x) => x.ticketId))
      expect(linked.markdown).toContain(`[${c.ticketId}](https://tracker.example/browse/${c.ticketId})`);
    expect(input.controls.some((x) => x.ticketId)).toBe(true);
    const empty = buildPostmortem({
      ...input,
      timeline: [],
      checklist: [],
      controls: [],
      evidence: [],
      communications: [],
      warnings: [],
      audit: { verified: false, upToSeq: null, checkedAt: T },
    });
    expect(empty.markdown).toContain("No events recorded.");
    expect(empty.markdown).toContain("No emergency controls were run.");
    expect(empty.markdown).toContain("NOT verified");
  });

  it("includes the board at onset, peak and resolution when they were replayed", () => {
    const board = (at: number, findings: NonNullable<PostmortemInput["boards"]>[number]["board"]["findings"]) => ({
      at,
      findings,
      systems: [{ name: "spot-exchange", freshness: at === T - 60_000 ? "stale" : "ok" }],
    });
    const split = {
      id: "split_brain|spot-exchange|*",
      title: "Split brain",
      system: "spot-exchange",
      entity: "*",
      severity: "SEV1",
      since: T - 5 * 60_000,
    };
    const b = buildPostmortem({
      ...input,
      boards: [
        { moment: "onset", board: board(T - 60_000, [{ ...split, state: "warning" }]) },
        { moment: "peak", board: board(T + 60_000, [{ ...split, state: "critical", acknowledgedBy: "Ray" }]) },
        { moment: "resolution", board: board(T + 95 * 60_000, []) },
      ],
    });
    const section = b.markdown.slice(b.markdown.indexOf("## The board at onset, peak and resolution"));
    expect(section).toContain("### Onset — 2026-11-21T12:59:00Z");
    expect(section).toContain("Sources: spot-exchange stale.");
    expect(section).toContain("- SEV1 warning: Split brain — spot-exchange, for 4 min");
    expect(section).toContain("### Peak — 2026-11-21T13:01:00Z");
    expect(section).toContain("- SEV1 critical: Split brain — spot-exchange, for 6 min, acknowledged by Ray");
    expect(section).toMatch(/### Resolution — 2026-11-21T14:35:00Z\n\nSources: spot-exchange ok\.\n\nNothing open\./);
    const json = JSON.parse(b.json) as {
      boards: Array<{ moment: string; at: string; findings: Array<{ since: string }> }>;
    };
    expect(json.boards.map((m) => [m.moment, m.at])).toEqual([
      ["onset", "2026-11-21T12:59:00Z"],
      ["peak", "2026-11-21T13:01:00Z"],
      ["resolution", "2026-11-21T14:35:00Z"],
    ]);
    expect(json.boards[0]!.findings[0]!.since).toBe("2026-11-21T12:55:00Z");
  });
});
