import { describe, expect, it } from "vitest";
import { ConfigError, missingSecrets, parseFleetConfig } from "../config/fleet";

// The notify section of the fleet config: bad channels and routes stop start-up with errors that
// name the field; secrets are only ever environment-variable names, checked at start-up.

const base = `targets: []\n`;
function problems(yaml: string): string[] {
  try {
    parseFleetConfig(`${base}${yaml}`, "fleet.yaml");
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("notify config", () => {
  it("accepts the four channel types with routes, defaulting what it may", () => {
    const cfg = parseFleetConfig(`${base}notify:
  channels:
    - { name: chat, type: slack, urlEnv: SLACK_WEBHOOK_URL }
    - { name: pager, type: pagerduty, routingKeyEnv: PD_ROUTING_KEY }
    - { name: am, type: alertmanager, url: "http://alertmanager:9093" }
    - { name: hook, type: webhook, url: "https://hooks.example/watchfloor", secretEnv: HOOK_SECRET }
  routes:
    - { match: { severity: SEV1 }, channels: [pager, chat], escalationChannels: [am] }
    - { channels: [hook] }
`);
    expect(cfg.notify.channels.find((c) => c.type === "pagerduty")).toMatchObject({
      url: "https://events.pagerduty.com/v2/enqueue",
    });
    expect(cfg.notify.routes[0]).toMatchObject({ match: { severity: ["SEV1"] }, continue: false, repeatMinutes: 60 });
    expect(cfg.notify.silences).toEqual({ maxHours: 168, sev1CommanderHours: 4 });
    expect(cfg.notify.channels.find((c) => c.name === "chat")).toMatchObject({ groupWaitSeconds: 3 });
    expect(cfg.notify.routes[0]!.groupWaitSeconds).toBeUndefined();
  });

  it("names a bad group wait on a chat channel or a route, and refuses one on a channel that does not group", () => {
    expect(
      problems(`notify:
  channels:
    - { name: chat, type: slack, urlEnv: SLACK_WEBHOOK_URL, groupWaitSeconds: -1 }
    - { name: pager, type: pagerduty, routingKeyEnv: PD_ROUTING_KEY, groupWaitSeconds: 5 }
  routes:
    - { channels: [chat], groupWaitSeconds: 900 }
`),
    ).toEqual([
      "notify.channels[0].groupWaitSeconds: must be 0 or more",
      'notify.channels[1]: Unrecognized key: "groupWaitSeconds"',
      "notify.routes[0].groupWaitSeconds: at most 300 s",
    ]);
  });

  it("names the field of a malformed URL, an unknown type, a secret written in place of its name, and a route to no channel", () => {
    expect(
      problems(`notify:
  channels:
    - { name: chat, type: slack, url: "not a url" }
    - { name: x, type: teams, url: "http://x" }
    - { name: pager, type: pagerduty, routingKeyEnv: "r0ut1ng-key-itself" }
  routes:
    - { channels: [nowhere] }
`),
    ).toEqual([
      "notify.channels[0].url: invalid URL",
      "notify.channels[1].type: type must be one of slack, pagerduty, alertmanager, webhook",
      "notify.channels[2].routingKeyEnv: must be an environment variable name (A-Z, 0-9, _)",
    ]);
    expect(
      problems(`notify:
  channels: [{ name: chat, type: slack, urlEnv: SLACK_URL }]
  routes: [{ channels: [nowhere] }, { channels: [chat], escalationChannels: [gone] }]
`),
    ).toEqual([
      'notify.routes[0].channels[0]: no channel named "nowhere"',
      'notify.routes[1].escalationChannels[0]: no channel named "gone"',
    ]);
    expect(
      problems(`notify:
  channels: [{ name: chat, type: slack }, { name: chat, type: slack, url: "http://a", urlEnv: A }]
`),
    ).toEqual([
      "notify.channels[0].url: give exactly one of url or urlEnv",
      'notify.channels[1].name: duplicate channel "chat" (also channels[0])',
      "notify.channels[1].url: give exactly one of url or urlEnv",
    ]);
  });

  it("refuses a channel on a port fetch() will not connect to, naming the field", () => {
    expect(
      problems(`notify:\n  channels:\n    - { name: chat, type: slack, url: "http://127.0.0.1:4190/slack" }\n`),
    ).toEqual([
      "notify.channels[0].url: its port is one fetch() refuses to connect to (the Fetch standard's bad-port list, e.g. 4190); use another port",
    ]);
    expect(
      problems(`notify:\n  channels:\n    - { name: chat, type: slack, url: "http://127.0.0.1:4180/slack" }\n`),
    ).toEqual([]);
  });

  it("reports every channel secret whose environment variable is unset, or a URL variable that holds no URL", () => {
    const cfg = parseFleetConfig(`${base}notify:
  channels:
    - { name: chat, type: slack, urlEnv: SLACK_URL }
    - { name: pager, type: pagerduty, routingKeyEnv: PD_KEY }
    - { name: hook, type: webhook, url: "https://h.example", secretEnv: HOOK_SECRET }
`);
    expect(missingSecrets(cfg, (n) => (({ SLACK_URL: "hooks.slack.com/x" }) as Record<string, string>)[n])).toEqual([
      "notify.channels[0].urlEnv: environment variable SLACK_URL is not an http(s) URL",
      "notify.channels[1].routingKeyEnv: environment variable PD_KEY is not set",
      "notify.channels[2].secretEnv: environment variable HOOK_SECRET is not set",
    ]);
    expect(missingSecrets(cfg, () => "https://set.example/x")).toEqual([]);
  });
});
