import { describe, expect, it } from "vitest";
import type { BoardSnapshot } from "../board/snapshot";
import { buildStatusSnapshot } from "./status-view";

const NOW = Date.parse("2026-12-02T09:00:00Z");
const SECRET_BITS = [
  "ops-lead@example.com",
  "Ray Responder",
  "https://10.0.0.5:8443",
  "Bearer abc",
  "private evidence 4242",
];

function board(): BoardSnapshot {
  const base = {
    kind: "trading-bot" as const,
    lastEvaluated: NOW - 1000,
    runbook: "capital-invariant-violation",
    evidence: { values: [{ label: "note", value: "private evidence 4242" }] },
  };
  return {
    generatedAt: NOW,
    collector: "leader",
    systems: [
      {
        name: "alpha-bot",
        label: "alpha-bot",
        kind: "trading-bot",
        simulated: true,
        freshness: "ok",
        lastSuccessAt: NOW - 1500,
        lastError: "network: https://10.0.0.5:8443 Bearer abc",
      },
      {
        name: "spot-exchange",
        label: "spot-exchange",
        kind: "spot-exchange",
        simulated: true,
        freshness: "stale",
        lastSuccessAt: NOW - 60_000,
      },
    ],
    findings: [
      {
        ...base,
        id: "capital_invariant|alpha-bot|eth-grid",
        ruleId: "capital_invariant",
        system: "alpha-bot",
        entity: "eth-grid",
        state: "critical",
        severity: "SEV2",
        title: "Capital invariant violated",
        summary: "Profile eth-grid: available capital −120 USD",
        since: NOW - 60_000,
        ack: { by: "Ray Responder", at: NOW - 30_000 },
        escalationDueAt: NOW + 600_000,
      },
      {
        ...base,
        id: "ghost_position|alpha-bot|sol-grid",
        ruleId: "ghost_position",
        system: "alpha-bot",
        entity: "sol-grid",
        state: "critical",
        severity: "SEV1",
        title: "Ghost position",
        summary: "Exchange open, bot closed",
        since: NOW - 5000,
      },
      {
        ...base,
        kind: "spot-exchange",
        id: "split_brain|spot-exchange|*",
        ruleId: "split_brain",
        system: "spot-exchange",
        entity: "*",
        state: "unknown",
        severity: "SEV1",
        title: "Split-brain suspected",
        summary: "No fresh data",
        since: NOW - 2000,
      },
    ],
    cleared: [],
  } as unknown as BoardSnapshot;
}

describe("status view names", () => {
  it("names each system by its label, as its tile does, on findings, incidents and controls", () => {
    const b = board();
    b.systems = b.systems.map((x) => ({ ...x, label: x.name === "alpha-bot" ? "Trading bot A" : "Spot exchange" }));
    const s = buildStatusSnapshot({
      board: b,
      link: { scope: "board", label: null, expiresAt: NOW + 3_600_000 },
      incidents: [
        {
          title: "Ghost",
          severity: "SEV1",
          status: "investigating",
          openedAt: NOW,
          affected: [
            { system: "alpha-bot", entity: "sol-grid" },
            { system: "spot-exchange", entity: "*" },
          ],
          checklist: { done: 0, total: 3 },
        },
      ],
      controls: [{ title: "Pause new entries", target: "alpha-bot", state: "executing", updatedAt: NOW - 1000 }],
      now: NOW,
    });
    expect(s.lanes.SEV1[0]!.system).toBe("Trading bot A");
    expect(s.lanes.unknown[0]!.system).toBe("Spot exchange");
    expect(s.incidents[0]!.affected).toEqual(["Trading bot A · sol-grid", "Spot exchange"]);
    expect(s.controls.map((c) => c.target)).toEqual(["Trading bot A"]);
  });
});

describe("status view redaction", () => {
  it("puts findings in lanes (unknown apart) with data ages, and nothing internal", () => {
    const s = buildStatusSnapshot({
      board: board(),
      link: { scope: "board", label: "Desk", expiresAt: NOW + 3_600_000 },
      incidents: [
        {
          title: "Ghost position on sol-grid",
          severity: "SEV1",
          status: "mitigating",
          openedAt: NOW - 100_000,
          affected: [{ system: "alpha-bot", entity: "sol-grid" }],
          checklist: { done: 2, total: 7 },
          lastUpdate: { at: NOW - 50_000, text: "Incident: ghost position" },
        },
      ],
      controls: [
        { title: "Pause new entries", target: "alpha-bot", state: "executing", updatedAt: NOW - 1000 },
        { title: "Set symbol mode", target: "spot-exchange", state: "succeeded", updatedAt: NOW - 1000 },
      ],
      now: NOW,
    });
    expect(s.lanes.SEV1.map((f) => f.key)).toEqual(["ghost_position|alpha-bot|sol-grid"]);
    expect(s.lanes.SEV2.map((f) => f.key)).toEqual(["capital_invariant|alpha-bot|eth-grid"]);
    expect(s.lanes.unknown.map((f) => f.key)).toEqual(["split_brain|spot-exchange|*"]);
    expect(s.lanes.SEV2[0]).toMatchObject({
      acknowledged: true,
      evaluatedAt: NOW - 1000,
      escalationDueAt: NOW + 600_000,
    });
    expect(s.systems.find((x) => x.label === "spot-exchange")).toEqual({
      label: "spot-exchange",
      kind: "spot-exchange",
      simulated: true,
      freshness: "stale",
      lastSuccessAt: NOW - 60_000,
    });
    expect(s.controls).toEqual([
      { title: "Pause new entries", target: "alpha-bot", state: "executing", since: NOW - 1000 },
    ]);
    expect(s.incidents[0]).toMatchObject({
      status: "mitigating",
      checklist: { done: 2, total: 7 },
      affected: ["alpha-bot · sol-grid"],
    });
    const json = JSON.stringify(s);
    for (const bit of SECRET_BITS) expect(json).not.toContain(bit);
    expect(json).not.toContain("evidence");
    expect(json).not.toContain("runbook");
  });

  it("an incident link shows only the incident's systems and entities", () => {
    const s = buildStatusSnapshot({
      board: board(),
      link: { scope: "incident", label: null, expiresAt: NOW + 1 },
      incidents: [
        {
          title: "Ghost",
          severity: "SEV1",
          status: "investigating",
          openedAt: NOW,
          affected: [{ system: "alpha-bot", entity: "sol-grid" }],
          checklist: { done: 0, total: 3 },
        },
      ],
      controls: [{ title: "Cancel all", target: "spot-exchange", state: "pending_approval", updatedAt: NOW }],
      now: NOW,
    });
    expect(
      Object.values(s.lanes)
        .flat()
        .map((f) => f.key),
    ).toEqual(["ghost_position|alpha-bot|sol-grid"]);
    expect(s.systems.map((x) => x.label)).toEqual(["alpha-bot"]);
    expect(s.controls).toEqual([]);
  });

  it("a resolved incident beside a finding that still shows says so, and marks an update posted before resolving", () => {
    const s = buildStatusSnapshot({
      board: board(),
      link: { scope: "incident", label: null, expiresAt: NOW + 1 },
      incidents: [
        {
          title: "Ghost",
          severity: "SEV1",
          status: "resolved",
          openedAt: NOW - 600_000,
          resolvedAt: NOW - 60_000,
          affected: [{ system: "alpha-bot", entity: "sol-grid" }],
          checklist: { done: 3, total: 3 },
          lastUpdate: { at: NOW - 120_000, text: "Mitigation: profile paused" },
        },
      ],
      now: NOW,
    });
    expect(s.lanes.SEV1.map((f) => f.key)).toEqual(["ghost_position|alpha-bot|sol-grid"]);
    expect(s.incidents[0]).toMatchObject({
      status: "resolved",
      stillShowing: 1,
      lastUpdate: { at: NOW - 120_000, beforeResolution: true },
    });
    const open = buildStatusSnapshot({
      board: board(),
      link: { scope: "board", label: null, expiresAt: NOW + 1 },
      incidents: [
        {
          title: "Ghost",
          severity: "SEV1",
          status: "mitigating",
          openedAt: NOW - 600_000,
          affected: [{ system: "alpha-bot", entity: "sol-grid" }],
          checklist: { done: 1, total: 3 },
          lastUpdate: { at: NOW - 120_000, text: "x" },
        },
      ],
      now: NOW,
    });
    expect(open.incidents[0]!.stillShowing).toBeUndefined();
    expect(open.incidents[0]!.lastUpdate).toEqual({ at: NOW - 120_000, text: "x" });
  });
});

describe("status view maintenance windows", () => {
  const H = 3_600_000;
  const withWindows = () => {
    const b = board();
    b.systems = b.systems.map((x) => ({ ...x, label: x.name === "alpha-bot" ? "Trading bot A" : "Spot exchange" }));
    b.maintenance = [
      { systems: ["spot-exchange"], startsAt: NOW + H, endsAt: NOW + 3 * H, ticketId: "OPS-4711", by: "Ray Responder" },
      {
        systems: ["alpha-bot", "spot-exchange"],
        startsAt: NOW + 24 * H,
        endsAt: NOW + 25 * H,
        ticketId: "OPS-4712",
        by: "ops-lead@example.com",
      },
      // Started since the board was built: no longer "ahead".
      { systems: ["alpha-bot"], startsAt: NOW - 60_000, endsAt: NOW + H, ticketId: "OPS-4713", by: "Ray Responder" },
    ];
    return b;
  };

  it("shows the windows ahead by system label and time only: no ticket, no author", () => {
    const s = buildStatusSnapshot({
      board: withWindows(),
      link: { scope: "board", label: null, expiresAt: NOW + H },
      now: NOW,
    });
    expect(s.maintenance).toEqual([
      { systems: ["Spot exchange"], startsAt: NOW + H, endsAt: NOW + 3 * H },
      { systems: ["Trading bot A", "Spot exchange"], startsAt: NOW + 24 * H, endsAt: NOW + 25 * H },
    ]);
    const text = JSON.stringify(s);
    for (const secret of ["OPS-4711", "OPS-4712", "Ray Responder", "ops-lead@example.com"])
      expect(text).not.toContain(secret);
  });

  it("on an incident link, lists only windows on the incident's systems, naming only those", () => {
    const s = buildStatusSnapshot({
      board: withWindows(),
      link: { scope: "incident", label: null, expiresAt: NOW + H },
      incidents: [
        {
          title: "Ghost",
          severity: "SEV1",
          status: "investigating",
          openedAt: NOW,
          affected: [{ system: "alpha-bot", entity: "sol-grid" }],
          checklist: { done: 0, total: 1 },
        },
      ],
      now: NOW,
    });
    expect(s.maintenance).toEqual([{ systems: ["Trading bot A"], startsAt: NOW + 24 * H, endsAt: NOW + 25 * H }]);
  });

  it("is empty when the board announces none", () => {
    expect(
      buildStatusSnapshot({ board: board(), link: { scope: "board", label: null, expiresAt: NOW + H }, now: NOW })
        .maintenance,
    ).toEqual([]);
  });
});
