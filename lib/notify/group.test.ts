import { describe, expect, it } from "vitest";
import type { Finding } from "../rules/types";
import { NotifyConfig } from "./config";
import { groupHeadline, renderSlackGroup } from "./channels";
import { groupChatNotifications, groupWaitMs, type ChatGroup, type ChatItem } from "./group";
import { planNotifications, type FindingNotifyState } from "./plan";

// Chat grouping on a virtual clock, fed by the real plan as the leader does after every evaluation:
// one message per channel, system and rule for findings starting within the group wait; follow-ups
// name their members; the order per finding holds; a finding that clears unseen sends nothing.

const T0 = Date.parse("2026-12-01T03:00:00Z");
const S = 1000;
const MIN = 60_000;

function ghost(entity: string, over: Partial<Finding> = {}): Finding {
  return {
    id: `ghost_position|alpha-bot|${entity}`,
    ruleId: "ghost_position",
    system: "alpha-bot",
    kind: "trading-bot",
    entity,
    state: "critical",
    severity: "SEV1",
    title: "Ghost position",
    summary: `${entity}: exchange holds a position the bot does not know`,
    since: T0,
    lastEvaluated: T0,
    evidence: { values: [{ label: "qty", value: 1, at: T0 - 2 * S }] },
    runbook: "ghost-positions",
    ...over,
  };
}

const cfg = NotifyConfig.parse({
  channels: [
    { name: "chat", type: "slack", urlEnv: "SLACK_URL", groupWaitSeconds: 5 },
    { name: "fast", type: "slack", urlEnv: "FAST_URL", groupWaitSeconds: 0 },
    { name: "pager", type: "pagerduty", routingKeyEnv: "PD_KEY" },
  ],
  routes: [{ match: {}, channels: ["chat", "pager"], repeatMinutes: 30 }],
});

class Clock {
  state = new Map<string, FindingNotifyState>();
  acks = new Map<string, { by: string; at: number }>();
  held: ChatGroup[] = [];
  pager: string[] = [];
  routes = cfg.routes;
  step(at: number, findings: Finding[]): string[] {
    const plan = planNotifications({
      now: at,
      findings,
      previous: this.state,
      routes: this.routes,
      acks: this.acks,
      silences: [],
    });
    for (const [id, st] of plan.changed) {
      if (st) this.state.set(id, st);
      else this.state.delete(id);
    }
    const items: ChatItem[] = [];
    for (const n of plan.notifications) {
      for (const ch of n.channels) {
        const c = cfg.channels.find((x) => x.name === ch)!;
        if (c.type !== "slack") {
          this.pager.push(`${n.event} ${n.finding.entity}`);
          continue;
        }
        items.push({
          channel: ch,
          event: n.event,
          finding: n.finding,
          key: n.key,
          acknowledgedBy: n.acknowledgedBy,
          waitMs: groupWaitMs(this.routes, c, n.finding),
        });
      }
    }
    const out = groupChatNotifications({ now: at, held: this.held, items });
    this.held = out.held;
    return out.send.map(
      (g) =>
        `${g.event}→${g.channel}: ${g.members.map((m) => `${m.finding.entity}${m.acknowledgedBy ? `(${m.acknowledgedBy})` : ""}`).join(",")}`,
    );
  }
}

describe("chat messages per finding group", () => {
  it("findings of one system and rule starting within the group wait share one message; PagerDuty stays per finding", () => {
    const c = new Clock();
    expect(c.step(T0, [ghost("eth-grid")])).toEqual([]);
    expect(c.held.map((g) => [g.dedupKey, g.dueAt])).toEqual([
      [`chat|ghost_position|alpha-bot|eth-grid|${T0}|1|firing`, T0 + 5 * S],
    ]);
    expect(c.step(T0 + 2 * S, [ghost("eth-grid"), ghost("sol-breakout", { since: T0 + 2 * S })])).toEqual([]);
    expect(
      c.step(T0 + 4 * S, [
        ghost("eth-grid"),
        ghost("sol-breakout", { since: T0 + 2 * S }),
        ghost("btc-dca", { since: T0 + 4 * S }),
      ]),
    ).toEqual([]);
    const all = [
      ghost("eth-grid"),
      ghost("sol-breakout", { since: T0 + 2 * S }),
      ghost("btc-dca", { since: T0 + 4 * S }),
    ];
    expect(c.step(T0 + 5 * S, all)).toEqual(["firing→chat: eth-grid,sol-breakout,btc-dca"]);
    expect(c.pager).toEqual(["firing eth-grid", "firing sol-breakout", "firing btc-dca"]);
    // A fourth starting after the wait is a new group.
    expect(c.step(T0 + 7 * S, [...all, ghost("xrp-grid", { since: T0 + 7 * S })])).toEqual([]);
    expect(c.step(T0 + 12 * S, [...all, ghost("xrp-grid", { since: T0 + 7 * S })])).toEqual(["firing→chat: xrp-grid"]);
  });

  it("other rules and other systems are other groups", () => {
    const c = new Clock();
    const other = {
      ...ghost("eth-grid"),
      id: "capital_invariant|alpha-bot|eth-grid",
      ruleId: "capital_invariant",
      title: "Capital invariant",
    };
    const beta = { ...ghost("eth-grid"), id: "ghost_position|beta-bot|eth-grid", system: "beta-bot" };
    c.step(T0, [ghost("eth-grid"), ghost("sol-breakout"), other, beta]);
    expect(c.step(T0 + 5 * S, [ghost("eth-grid"), ghost("sol-breakout"), other, beta])).toEqual([
      "firing→chat: eth-grid,sol-breakout",
      "firing→chat: eth-grid",
      "firing→chat: eth-grid",
    ]);
  });

  it("with a group wait of 0, findings of one planning cycle share a message and are sent in that cycle", () => {
    const c = new Clock();
    c.routes = NotifyConfig.parse({ ...cfg, routes: [{ channels: ["fast"], repeatMinutes: 0 }] }).routes;
    expect(c.step(T0, [ghost("eth-grid"), ghost("sol-breakout")])).toEqual(["firing→fast: eth-grid,sol-breakout"]);
    expect(c.held).toEqual([]);
  });

  it("a route's groupWaitSeconds overrides the channel's", () => {
    const routes = NotifyConfig.parse({
      ...cfg,
      routes: [{ match: { severity: "SEV1" }, channels: ["chat"], groupWaitSeconds: 1 }, { channels: ["chat"] }],
    }).routes;
    const chat = cfg.channels[0] as Extract<(typeof cfg.channels)[number], { type: "slack" }>;
    expect(groupWaitMs(routes, chat, ghost("eth-grid"))).toBe(1000);
    expect(groupWaitMs(routes, chat, ghost("eth-grid", { severity: "SEV2" }))).toBe(5000);
  });

  it("acknowledgements and resolutions are follow-ups naming the members they are about", () => {
    const c = new Clock();
    const fs = [ghost("eth-grid"), ghost("sol-breakout"), ghost("btc-dca")];
    c.step(T0, fs);
    c.step(T0 + 5 * S, fs);
    c.acks.set(fs[0]!.id, { by: "j.doe", at: T0 + MIN });
    c.acks.set(fs[2]!.id, { by: "a.lee", at: T0 + MIN + S });
    expect(c.step(T0 + MIN + S, fs)).toEqual([]);
    expect(c.step(T0 + MIN + 6 * S, fs)).toEqual(["acknowledge→chat: eth-grid(j.doe),btc-dca(a.lee)"]);
    // Two clear together, the third later: two follow-ups, each naming its members.
    const cleared = fs.map((f, i) => (i < 2 ? { ...f, state: "ok" as const } : f));
    c.step(T0 + 2 * MIN, cleared);
    expect(c.step(T0 + 2 * MIN + 5 * S, cleared)).toEqual(["resolve→chat: eth-grid,sol-breakout"]);
    c.step(
      T0 + 3 * MIN,
      fs.map((f) => ({ ...f, state: "ok" as const })),
    );
    expect(c.step(T0 + 3 * MIN + 5 * S, [])).toEqual(["resolve→chat: btc-dca"]);
    expect(c.held).toEqual([]);
  });

  it("the unacknowledged members repeat together", () => {
    const c = new Clock();
    const fs = [ghost("eth-grid"), ghost("sol-breakout")];
    c.step(T0, fs);
    c.step(T0 + 5 * S, fs);
    c.step(T0 + 30 * MIN, fs);
    expect(c.step(T0 + 30 * MIN + 5 * S, fs)).toEqual(["repeat→chat: eth-grid,sol-breakout"]);
  });

  it("a finding that clears while its onset waits leaves the group and sends nothing; alone, the message is dropped", () => {
    const c = new Clock();
    c.step(T0, [ghost("eth-grid"), ghost("sol-breakout")]);
    expect(c.step(T0 + 2 * S, [ghost("eth-grid"), ghost("sol-breakout", { state: "ok" })])).toEqual([]);
    expect(c.step(T0 + 5 * S, [ghost("eth-grid")])).toEqual(["firing→chat: eth-grid"]);
    const d = new Clock();
    d.step(T0, [ghost("eth-grid")]);
    const out = groupChatNotifications({
      now: T0 + S,
      held: d.held,
      items: [
        { channel: "chat", event: "resolve", finding: ghost("eth-grid", { state: "ok" }), key: "k", waitMs: 5000 },
      ],
    });
    expect(out).toEqual({
      send: [],
      held: [],
      changed: new Set(),
      dropped: [`chat|ghost_position|alpha-bot|eth-grid|${T0}|1|firing`],
    });
  });

  it("keeps the order per finding: a new event for a waiting member sends its group first", () => {
    const c = new Clock();
    c.step(T0, [ghost("eth-grid"), ghost("sol-breakout")]);
    c.acks.set(ghost("eth-grid").id, { by: "j.doe", at: T0 + S });
    expect(c.step(T0 + S, [ghost("eth-grid"), ghost("sol-breakout")])).toEqual(["firing→chat: eth-grid,sol-breakout"]);
    expect(c.step(T0 + 6 * S, [ghost("eth-grid"), ghost("sol-breakout")])).toEqual([
      "acknowledge→chat: eth-grid(j.doe)",
    ]);
  });

  it("a member whose severity changes while waiting is sent once, with its latest severity", () => {
    const c = new Clock();
    c.step(T0, [ghost("eth-grid", { severity: "SEV2", state: "warning" }), ghost("sol-breakout")]);
    c.step(T0 + 2 * S, [ghost("eth-grid"), ghost("sol-breakout")]);
    expect(c.held[0]!.members.map((m) => m.finding.severity)).toEqual(["SEV1", "SEV1"]);
    expect(c.step(T0 + 5 * S, [ghost("eth-grid"), ghost("sol-breakout")])).toEqual([
      "firing→chat: eth-grid,sol-breakout",
    ]);
  });
});

describe("the group message", () => {
  const ctx = { now: T0 + 5 * S, consoleUrl: "https://wf.example", key: "k" };
  it("a single finding reads as before; several are named in the text and listed one per section", () => {
    expect(renderSlackGroup("firing", [{ finding: ghost("eth-grid") }], ctx).text).toBe(
      "SEV1 Ghost position — alpha-bot / eth-grid: eth-grid: exchange holds a position the bot does not know",
    );
    const m = renderSlackGroup(
      "firing",
      [{ finding: ghost("eth-grid") }, { finding: ghost("sol-breakout", { severity: "SEV2", state: "warning" }) }],
      ctx,
    );
    expect(m.text).toBe("SEV1 Ghost position — alpha-bot: 2 findings (eth-grid, sol-breakout)");
    expect(m.blocks).toEqual([
      {
        type: "section",
        text: { type: "mrkdwn", text: "*SEV1 Ghost position — alpha-bot: 2 findings (eth-grid, sol-breakout)*" },
      },
      {
        type: "section",
        fields: ["*Severity:* SEV1", "*System:* alpha-bot", "*Rule:* Ghost position", "*Findings:* 2"].map((text) => ({
          type: "mrkdwn",
          text,
        })),
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*eth-grid* · SEV1 · critical\neth-grid: exchange holds a position the bot does not know\nData age: 7 s · <https://wf.example/findings/ghost_position%7Calpha-bot%7Ceth-grid|Open the finding>",
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*sol-breakout* · SEV2 · warning\nsol-breakout: exchange holds a position the bot does not know\nData age: 7 s · <https://wf.example/findings/ghost_position%7Calpha-bot%7Csol-breakout|Open the finding>",
        },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "<https://wf.example/runbooks/ghost-positions|Runbook>" }],
      },
    ]);
  });

  it("a large group lists 20 findings and counts the rest, within Slack's 50 blocks", () => {
    const members = Array.from({ length: 26 }, (_, i) => ({ finding: ghost(`p${i}`) }));
    const m = renderSlackGroup("resolve", members, ctx);
    expect(m.text).toBe(
      "Resolved: Ghost position — alpha-bot: 26 findings (p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 16 more)",
    );
    expect(m.blocks.length).toBe(2 + 20 + 2);
    expect(JSON.stringify(m.blocks.at(-2))).toContain(
      "…and 6 more: <https://wf.example/?system=alpha-bot|see them on the board>",
    );
  });

  it("links each finding to the open incident covering it, escaping Slack's control characters", () => {
    const inc = (f: Finding) => (f.entity === "eth-grid" ? { id: "9b1c", title: "Ghosts & <others>" } : undefined);
    const m = renderSlackGroup(
      "acknowledge",
      [
        { finding: ghost("eth-grid", { summary: "qty > 0" }), acknowledgedBy: "j.doe" },
        { finding: ghost("sol-breakout"), acknowledgedBy: "j.doe" },
      ],
      { ...ctx, incidentFor: inc },
    );
    expect((m.blocks[2] as { text: { text: string } }).text.text).toBe(
      "*eth-grid* · SEV1 · critical\nqty &gt; 0\nData age: 7 s · <https://wf.example/findings/ghost_position%7Calpha-bot%7Ceth-grid|Open the finding> · <https://wf.example/incidents/9b1c|Incident: Ghosts &amp; &lt;others&gt;>",
    );
    expect((m.blocks[3] as { text: { text: string } }).text.text).not.toContain("Incident");
    const single = renderSlackGroup("resolve", [{ finding: ghost("eth-grid") }], { ...ctx, incidentFor: inc });
    expect(JSON.stringify(single.blocks.at(-1))).toContain(
      "|Open the finding> · <https://wf.example/incidents/9b1c|Incident: Ghosts &amp; &lt;others&gt;> · <https://wf.example/runbooks/ghost-positions|Runbook>",
    );
  });

  it("names who acknowledged", () => {
    expect(
      groupHeadline("acknowledge", [
        { finding: ghost("a"), acknowledgedBy: "j.doe" },
        { finding: ghost("b"), acknowledgedBy: "a.lee" },
      ]),
    ).toBe("Acknowledged by j.doe, a.lee: SEV1 Ghost position — alpha-bot: 2 findings (a, b)");
  });
});
