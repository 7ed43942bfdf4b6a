import { describe, expect, it } from "vitest";
import type { Finding } from "../rules/types";
import { NotifyConfig } from "./config";
import { matchRoutes, planNotifications, type ActiveSilence, type FindingNotifyState } from "./plan";

// Routing, repeat, escalation, acknowledgement and silences on a virtual clock: each step feeds the
// previous step's state back in, as the leader does after every evaluation.

const T0 = Date.parse("2026-12-01T03:00:00Z");
const MIN = 60_000;

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "capital_invariant|alpha-bot|eth-grid",
    ruleId: "capital_invariant",
    system: "alpha-bot",
    kind: "trading-bot",
    entity: "eth-grid",
    state: "critical",
    severity: "SEV1",
    title: "Capital invariant",
    summary: "eth-grid ledger is off by 12.5 USDT",
    since: T0,
    lastEvaluated: T0,
    evidence: { values: [] },
    runbook: "capital-invariant-violation",
    ...over,
  };
}

const cfg = NotifyConfig.parse({
  channels: [
    { name: "pager", type: "pagerduty", routingKeyEnv: "PD_KEY" },
    { name: "chat", type: "slack", urlEnv: "SLACK_URL" },
    { name: "boss", type: "slack", urlEnv: "BOSS_URL" },
    { name: "exchange-team", type: "slack", urlEnv: "EX_URL" },
  ],
  routes: [
    { match: { system: "spot-exchange" }, channels: ["exchange-team"], continue: true, repeatMinutes: 0 },
    {
      match: { severity: "SEV1" },
      channels: ["pager", "chat"],
      repeatMinutes: 30,
      escalateAfterMinutes: 15,
      escalationChannels: ["boss"],
    },
    { match: { severity: ["SEV2", "SEV3"] }, channels: ["chat"], repeatMinutes: 0 },
  ],
});

class Clock {
  state = new Map<string, FindingNotifyState>();
  acks = new Map<string, { by: string; at: number }>();
  silences: ActiveSilence[] = [];
  routes = cfg.routes;
  step(at: number, findings: Finding[]) {
    const out = planNotifications({
      now: at,
      findings,
      previous: this.state,
      routes: this.routes,
      acks: this.acks,
      silences: this.silences,
    });
    for (const [id, st] of out.changed) {
      if (st) this.state.set(id, st);
      else this.state.delete(id);
    }
    return out.notifications.map((n) => `${n.event}→${n.channels.join(",")}`);
  }
}

describe("routing", () => {
  it("takes the first matching route, and later ones after a route that continues", () => {
    expect(matchRoutes(cfg.routes, finding()).map((r) => r.channels)).toEqual([["pager", "chat"]]);
    expect(
      matchRoutes(cfg.routes, finding({ system: "spot-exchange", kind: "spot-exchange", severity: "SEV2" })).map(
        (r) => r.channels,
      ),
    ).toEqual([["exchange-team"], ["chat"]]);
    expect(matchRoutes(cfg.routes.slice(2), finding())).toEqual([]);
  });
});

describe("planNotifications on a virtual clock", () => {
  it("pages once on onset, repeats every 30 minutes until acknowledged, then tells the ack and resolves", () => {
    const c = new Clock();
    expect(c.step(T0, [finding()])).toEqual(["firing→pager,chat"]);
    expect(c.step(T0 + 1000, [finding()])).toEqual([]);
    // Escalation is due at 15 minutes (route's escalateAfterMinutes), before the first repeat.
    expect(c.step(T0 + 15 * MIN, [finding()])).toEqual(["escalate→boss"]);
    expect(c.step(T0 + 29 * MIN, [finding()])).toEqual([]);
    expect(c.step(T0 + 30 * MIN, [finding()])).toEqual(["repeat→pager,chat,boss"]);
    c.acks.set(finding().id, { by: "j.doe", at: T0 + 31 * MIN });
    expect(c.step(T0 + 31 * MIN, [finding()])).toEqual(["acknowledge→pager,chat,boss"]);
    expect(c.step(T0 + 90 * MIN, [finding()])).toEqual([]); // no repeats once acknowledged
    expect(c.step(T0 + 91 * MIN, [finding({ state: "ok" })])).toEqual(["resolve→pager,chat,boss"]);
    expect(c.state.size).toBe(0);
  });

  it("gives every notification of an occurrence its own stable idempotency key", () => {
    const c = new Clock();
    const first = planNotifications({
      now: T0,
      findings: [finding()],
      previous: c.state,
      routes: c.routes,
      acks: c.acks,
      silences: [],
    });
    const again = planNotifications({
      now: T0,
      findings: [finding()],
      previous: c.state,
      routes: c.routes,
      acks: c.acks,
      silences: [],
    });
    expect(first.notifications[0]!.key).toBe(`capital_invariant|alpha-bot|eth-grid|${T0}|1|firing`);
    expect(again.notifications[0]!.key).toBe(first.notifications[0]!.key);
  });

  it("escalates an unacknowledged SEV1 at the rule's escalation time when the route names no delay", () => {
    const c = new Clock();
    c.routes = NotifyConfig.parse({
      ...cfg,
      routes: [{ match: { severity: "SEV1" }, channels: ["pager"], repeatMinutes: 0, escalationChannels: ["boss"] }],
    }).routes;
    const f = finding({ escalationDueAt: T0 + 5 * MIN, escalation: "not self-repaired within 5 minutes" });
    expect(c.step(T0, [f])).toEqual(["firing→pager"]);
    expect(c.step(T0 + 4 * MIN, [f])).toEqual([]);
    expect(c.step(T0 + 5 * MIN, [f])).toEqual(["escalate→boss"]);
    expect(c.step(T0 + 6 * MIN, [f])).toEqual([]);
  });

  it("does not escalate an acknowledged SEV1", () => {
    const c = new Clock();
    c.step(T0, [finding()]);
    c.acks.set(finding().id, { by: "j.doe", at: T0 + MIN });
    expect(c.step(T0 + MIN, [finding()])).toEqual(["acknowledge→pager,chat"]);
    expect(c.step(T0 + 20 * MIN, [finding()])).toEqual([]);
  });

  it("notifies when a finding goes Unknown (we cannot see it) and on a change of severity", () => {
    const c = new Clock();
    const sev2 = finding({ severity: "SEV2", state: "warning" });
    expect(c.step(T0, [sev2])).toEqual(["firing→chat"]);
    expect(c.step(T0 + MIN, [{ ...sev2, state: "unknown" }])).toEqual(["unknown→chat"]);
    expect(c.step(T0 + 2 * MIN, [finding()])).toEqual(["firing→chat,pager"]);
  });

  it("a silence mutes notifications only; when it ends the still-firing finding is sent", () => {
    const c = new Clock();
    c.silences = [
      {
        id: "s1",
        kind: "silence",
        matchers: { system: ["alpha-bot"] },
        startsAt: T0 - MIN,
        endsAt: T0 + 60 * MIN,
        ticketId: "OPS-1",
        createdByName: "j.doe",
      },
    ];
    expect(c.step(T0, [finding()])).toEqual([]);
    expect(c.step(T0 + 59 * MIN, [finding()])).toEqual([]);
    expect(c.state.get(finding().id)?.announced).toBeNull();
    // Unacknowledged for an hour by then, so the escalation is due as well.
    expect(c.step(T0 + 60 * MIN, [finding()])).toEqual(["firing→pager,chat", "escalate→boss"]);
  });

  it("a silenced finding that clears without ever being sent sends nothing", () => {
    const c = new Clock();
    c.silences = [
      {
        id: "s1",
        kind: "maintenance",
        matchers: { system: ["alpha-bot"] },
        startsAt: T0 - MIN,
        endsAt: T0 + 60 * MIN,
        ticketId: "OPS-1",
        createdByName: "j.doe",
      },
    ];
    c.step(T0, [finding()]);
    expect(c.step(T0 + MIN, [finding({ state: "ok" })])).toEqual([]);
    expect(c.state.size).toBe(0);
  });

  it("a silence matching other systems or severities mutes nothing here", () => {
    const c = new Clock();
    c.silences = [
      {
        id: "s1",
        kind: "silence",
        matchers: { system: ["beta-bot"] },
        startsAt: T0 - MIN,
        endsAt: T0 + 60 * MIN,
        ticketId: "OPS-1",
        createdByName: "a",
      },
      {
        id: "s2",
        kind: "silence",
        matchers: { severity: ["SEV3"] },
        startsAt: T0 - MIN,
        endsAt: T0 + 60 * MIN,
        ticketId: "OPS-2",
        createdByName: "a",
      },
      {
        id: "s3",
        kind: "silence",
        matchers: { system: ["alpha-bot"] },
        startsAt: T0 + MIN,
        endsAt: T0 + 60 * MIN,
        ticketId: "OPS-3",
        createdByName: "a",
      },
    ];
    expect(c.step(T0, [finding()])).toEqual(["firing→pager,chat"]);
  });

  it("resolves what it told when a finding disappears from evaluation", () => {
    const c = new Clock();
    c.step(T0, [finding()]);
    expect(c.step(T0 + MIN, [])).toEqual(["resolve→pager,chat"]);
  });

  it("keeps no state for findings no route matches", () => {
    const c = new Clock();
    c.routes = cfg.routes.slice(0, 1);
    expect(c.step(T0, [finding()])).toEqual([]);
    expect(c.state.size).toBe(0);
  });
});

describe("start-up and short blips", () => {
  it("sends 'we cannot see' only once a finding has been Unknown for the grace period", () => {
    const c = new Clock();
    const unknown = finding({ state: "unknown", since: T0 });
    const step = (at: number) =>
      planNotifications({
        now: at,
        findings: [unknown],
        previous: c.state,
        routes: c.routes,
        acks: c.acks,
        silences: [],
        unknownAfterMs: 10_000,
      });
    expect(step(T0 + 9_999).notifications).toEqual([]);
    expect(step(T0 + 10_000).notifications.map((n) => n.event)).toEqual(["unknown"]);
  });

  it("does not resolve findings missing from the first evaluations after taking the lead", () => {
    const c = new Clock();
    c.step(T0, [finding()]);
    const early = planNotifications({
      now: T0 + 1000,
      findings: [],
      previous: c.state,
      routes: c.routes,
      acks: c.acks,
      silences: [],
      resolveMissing: false,
    });
    expect(early.notifications).toEqual([]);
    expect(early.changed.size).toBe(0);
  });

  it("ignores states that do not notify (a rule's pending state) without forgetting what was told", () => {
    const c = new Clock();
    const pending = { ...finding(), state: "pending" } as unknown as Finding;
    expect(c.step(T0, [pending])).toEqual([]);
    expect(c.state.size).toBe(0);
  });
});
