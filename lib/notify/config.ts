import { z } from "zod";

// The `notify` section of the fleet config: channels (where notifications go), routes (which
// findings go where) and silence limits. Secrets (webhook URLs with tokens in them, routing keys,
// signing secrets) are named by environment variable, never written in the file.

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name (A-Z, 0-9, _)");
// The Fetch standard's "bad ports": fetch() refuses to connect to them whatever answers there, so
// a channel on one would fail every delivery. Refused at start-up instead.
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
const httpUrl = z
  .url({ error: "invalid URL", abort: true })
  .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
  .refine(
    (u) => !FETCH_BAD_PORTS.has(Number(new URL(u).port)),
    "its port is one fetch() refuses to connect to (the Fetch standard's bad-port list, e.g. 4190); use another port",
  );
const channelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and dashes");

/** Exactly one of `url` (no secret in it) or `urlEnv` (the URL holds a token, e.g. Slack's). */
const urlOrEnv = { url: httpUrl.optional(), urlEnv: envVarName.optional() };

/** How long a chat message waits for more findings of its group (same system and rule) before it is sent. */
const groupWaitSeconds = z
  .number({ error: "must be a number of seconds" })
  .min(0, "must be 0 or more")
  .max(300, "at most 300 s");
export const DEFAULT_GROUP_WAIT_SECONDS = 3;

export const SlackChannel = z
  .object({
    name: channelName,
    type: z.literal("slack"),
    ...urlOrEnv,
    /** Findings of one system and rule starting within this wait share one message (0 = one planning cycle). */
    groupWaitSeconds: groupWaitSeconds.default(DEFAULT_GROUP_WAIT_SECONDS),
  })
  .strict();
export const PagerDutyChannel = z
  .object({
    name: channelName,
    type: z.literal("pagerduty"),
    /** Events API v2 endpoint; the default is PagerDuty's own. */
    url: httpUrl.default("https://events.pagerduty.com/v2/enqueue"),
    routingKeyEnv: envVarName,
  })
  .strict();
export const AlertmanagerChannel = z
  .object({
    name: channelName,
    type: z.literal("alertmanager"),
    /** Alertmanager's base URL; alerts go to `<url>/api/v2/alerts`. */
    url: httpUrl,
    /** How long a posted alert lives unless re-posted; Watchfloor re-posts well before. */
    alertTtlSeconds: z.number().int().min(30).max(86_400).default(300),
  })
  .strict();
export const WebhookChannel = z
  .object({ name: channelName, type: z.literal("webhook"), ...urlOrEnv, secretEnv: envVarName })
  .strict();

export const ChannelConfig = z.discriminatedUnion(
  "type",
  [SlackChannel, PagerDutyChannel, AlertmanagerChannel, WebhookChannel],
  {
    error: "type must be one of slack, pagerduty, alertmanager, webhook",
  },
);
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type ChannelType = ChannelConfig["type"];

const oneOrMany = <T extends z.ZodType>(t: T) =>
  z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);

export const RouteMatch = z
  .object({
    severity: oneOrMany(z.enum(["SEV1", "SEV2", "SEV3"], { error: "must be SEV1, SEV2 or SEV3" })).optional(),
    system: oneOrMany(z.string().min(1)).optional(),
    kind: oneOrMany(z.string().min(1)).optional(),
    rule: oneOrMany(z.string().min(1)).optional(),
    entity: oneOrMany(z.string().min(1)).optional(),
  })
  .strict();
export type RouteMatch = z.infer<typeof RouteMatch>;

export const RouteConfig = z
  .object({
    match: RouteMatch.default({}),
    channels: z.array(channelName).min(1, "a route needs at least one channel"),
    /** Keep matching later routes after this one (like Alertmanager's `continue`). */
    continue: z.boolean().default(false),
    /** Re-send a still-firing, unacknowledged finding this often; 0 = never. */
    repeatMinutes: z
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(60),
    /**
     * Send an unacknowledged SEV1 to the escalation channels after this many minutes. Without
     * it, a finding whose rule names an escalation criterion (the runbooks' "escalate when …")
     * escalates when that criterion is met.
     */
    escalateAfterMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .optional(),
    escalationChannels: z.array(channelName).default([]),
    /** For this route's chat channels: overrides the channel's `groupWaitSeconds`. */
    groupWaitSeconds: groupWaitSeconds.optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof RouteConfig>;

export const NotifyConfig = z
  .object({
    /** The console's public origin, for links in notifications. */
    consoleUrl: httpUrl.optional(),
    channels: z.array(ChannelConfig).default([]),
    routes: z.array(RouteConfig).default([]),
    silences: z
      .object({
        /** The longest silence anyone may set. */
        maxHours: z
          .number()
          .min(1)
          .max(24 * 90)
          .default(24 * 7),
        /** A silence matching SEV1 findings longer than this needs a commander (default 4 h). */
        sev1CommanderHours: z
          .number()
          .min(0)
          .max(24 * 90)
          .default(4),
      })
      .strict()
      .default({ maxHours: 24 * 7, sev1CommanderHours: 4 }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Map<string, number>();
    cfg.channels.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({
          code: "custom",
          path: ["channels", i, "name"],
          message: `duplicate channel "${c.name}" (also channels[${names.get(c.name)}])`,
        });
      else names.set(c.name, i);
      if ((c.type === "slack" || c.type === "webhook") && !c.url === !c.urlEnv) {
        ctx.addIssue({ code: "custom", path: ["channels", i, "url"], message: "give exactly one of url or urlEnv" });
      }
    });
    cfg.routes.forEach((r, i) => {
      r.channels.forEach((c, j) => {
        if (!names.has(c))
          ctx.addIssue({ code: "custom", path: ["routes", i, "channels", j], message: `no channel named "${c}"` });
      });
      r.escalationChannels.forEach((c, j) => {
        if (!names.has(c))
          ctx.addIssue({
            code: "custom",
            path: ["routes", i, "escalationChannels", j],
            message: `no channel named "${c}"`,
          });
      });
    });
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;

export const DEFAULT_NOTIFY: NotifyConfig = {
  channels: [],
  routes: [],
  silences: { maxHours: 24 * 7, sev1CommanderHours: 4 },
};

/** Env vars the notify config names that are not set, as `notify.channels[i].field: …` problems. */
export function missingNotifySecrets(cfg: NotifyConfig, lookup: (name: string) => string | undefined): string[] {
  const problems: string[] = [];
  cfg.channels.forEach((c, i) => {
    const named: Array<[string, string | undefined]> =
      c.type === "pagerduty"
        ? [["routingKeyEnv", c.routingKeyEnv]]
        : c.type === "webhook"
          ? [
              ["urlEnv", c.urlEnv],
              ["secretEnv", c.secretEnv],
            ]
          : c.type === "slack"
            ? [["urlEnv", c.urlEnv]]
            : [];
    for (const [field, name] of named) {
      if (!name) continue;
      const v = lookup(name);
      if (v === undefined) problems.push(`notify.channels[${i}].${field}: environment variable ${name} is not set`);
      else if (field === "urlEnv" && !/^https?:\/\/[^\s]+$/.test(v))
        problems.push(`notify.channels[${i}].${field}: environment variable ${name} is not an http(s) URL`);
    }
  });
  return problems;
}
