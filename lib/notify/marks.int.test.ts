import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "../db/client";
import { actorsByRole } from "../testing/harness";
import type { Finding } from "../rules/types";
import { NotifyConfig } from "./config";
import { silenceMarks } from "./marks";
import * as svc from "./service";

// What the board announces about silences, from windows made through the silences service: the
// maintenance windows still ahead, soonest first (not plain silences, not running or ended
// windows), and the mark on a finding a running window mutes.

const A = actorsByRole((r) => `${r[0]!.toUpperCase()}${r.slice(1)} User`);
const T0 = Date.parse("2026-12-05T10:00:00Z");
const H = 3_600_000;

const parity: Finding = {
  id: "parity|alpha-bot|eth-grid",
  ruleId: "parity",
  system: "alpha-bot",
  kind: "trading-bot",
  entity: "eth-grid",
  state: "warning",
  severity: "SEV2",
  title: "Parity",
  summary: "parity drift",
  since: T0,
  lastEvaluated: T0,
  evidence: { values: [] },
  runbook: "x",
};

describe("maintenance windows ahead on the board (PGlite)", () => {
  let h: DbHandle;
  const clock = T0;
  let d: svc.NotifyDeps;

  beforeAll(async () => {
    h = await openDatabase({ dataDir: "memory://" });
    d = {
      db: h.db,
      config: NotifyConfig.parse({}),
      ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$",
      now: () => clock,
      findings: async () => [parity],
    };
    const window = (
      system: string[],
      from: number,
      to: number,
      ticketId: string,
      kind: "maintenance" | "silence" = "maintenance",
    ) =>
      svc.createSilence(d, A.commander, {
        kind,
        matchers: { system, severity: kind === "silence" ? ["SEV2"] : [] },
        startsAt: T0 + from * H,
        endsAt: T0 + to * H,
        reason: "planned work on the host",
        ticketId,
      });
    await window(["spot-exchange"], 26, 28, "OPS-3");
    await window(["alpha-bot", "beta-bot"], 2, 4, "OPS-2");
    await window(["alpha-bot"], -1, 1, "OPS-1"); // running now
    await window(["beta-bot"], 3, 5, "OPS-9", "silence"); // a plain silence, scheduled
    const ended = await window(["beta-bot"], 6, 7, "OPS-8");
    await svc.endSilence(d, A.commander, ended.silence.id);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists the maintenance windows not yet started, soonest first, with systems, times, ticket and author", async () => {
    const { upcoming } = await silenceMarks([parity], T0, h.db);
    expect(upcoming).toEqual([
      {
        systems: ["alpha-bot", "beta-bot"],
        startsAt: T0 + 2 * H,
        endsAt: T0 + 4 * H,
        ticketId: "OPS-2",
        by: "Commander User",
      },
      {
        systems: ["spot-exchange"],
        startsAt: T0 + 26 * H,
        endsAt: T0 + 28 * H,
        ticketId: "OPS-3",
        by: "Commander User",
      },
    ]);
  });

  it("marks the finding the running window mutes, and drops a window from the list once it starts", async () => {
    const now = T0 + 2 * H + 1;
    const { marks, upcoming } = await silenceMarks([parity], now, h.db);
    expect(upcoming.map((u) => u.ticketId)).toEqual(["OPS-3"]);
    expect(marks.get(parity.id)).toEqual({
      kind: "maintenance",
      until: T0 + 4 * H,
      ticketId: "OPS-2",
      by: "Commander User",
    });
  });
});
