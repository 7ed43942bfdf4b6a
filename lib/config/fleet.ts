import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { SYSTEM_KINDS } from "../telemetry/model";
import { DEFAULT_NOTIFY, NotifyConfig, missingNotifySecrets } from "../notify/config";

// The fleet config file lists the monitored systems. It is validated as a whole and every error
// names the path of the bad field, e.g. `targets[2].baseUrl: invalid URL`.

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name (A-Z, 0-9, _)");

export const TargetCredentials = z
  .object({
    /** Env var holding the bearer token Watchfloor sends to the target (health, metrics, controls). */
    bearerTokenEnv: envVarName.optional(),
    /** Env var holding the token the target must present when pushing reports to /api/ingest. */
    ingestTokenEnv: envVarName.optional(),
    /** For trading bots whose ledger lives in Supabase. */
    supabaseUrlEnv: envVarName.optional(),
    supabaseKeyEnv: envVarName.optional(),
  })
  .strict();

/** Per-rule threshold overrides: rule id → parameter → number. Rules validate their own keys. */
export const ThresholdOverrides = z.record(
  z.string().regex(/^[a-z0-9_.-]+$/, "rule ids are lower-case words joined by _ . or -"),
  z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
);

export const TargetConfig = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and dashes"),
    kind: z.enum(SYSTEM_KINDS, { error: `must be one of ${SYSTEM_KINDS.join(", ")}` }),
    // abort: a value that is no URL at all gets "invalid URL" only, not also "must be an http(s) URL".
    baseUrl: z.url({ error: "invalid URL", abort: true }).refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
    label: z.string().max(80).optional(),
    simulated: z.boolean().default(false),
    pollIntervalMs: z.number().int().min(250, "must be at least 250 ms").max(3_600_000).optional(),
    timeoutMs: z.number().int().min(100).max(60_000).optional(),
    credentials: TargetCredentials.default({}),
    thresholds: ThresholdOverrides.default({}),
  })
  .strict();

export const FleetConfig = z
  .object({
    defaults: z
      .object({
        pollIntervalMs: z.number().int().min(250).max(3_600_000).default(2000),
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
        maxResponseBytes: z.number().int().min(1024).default(5 * 1024 * 1024),
      })
      .strict()
      .default({ pollIntervalMs: 2000, timeoutMs: 5000, maxResponseBytes: 5 * 1024 * 1024 }),
    controls: z
      .object({
        ticketPattern: z.string().default("^[A-Z][A-Z0-9]+-\\d+$"),
        approvalTtlMinutes: z.number().int().min(1).max(1440).default(10),
        rateLimitPerMinute: z.number().int().min(1).default(10),
        /**
         * Where a ticket ID leads: an http(s) URL with `{id}` where the ticket ID goes
         * (`https://tracker.example/browse/{id}`). Unset: ticket IDs are plain text.
         */
        ticketUrlTemplate: z
          .string()
          .refine((t) => t.includes("{id}"), "must contain {id} where the ticket ID goes")
          .refine((t) => /^https?:\/\/[^\s/]+/.test(t.replace("{id}", "X")) && URL.canParse(t.replace("{id}", "X")), "must be an http(s) URL")
          .optional(),
        /** Variants shown as critical (typed confirmation); default: HARD_HALT, withdrawals halt on, cancel-all, kill switch. */
        criticalControls: z.array(z.string()).optional(),
        /** false: no control waits for a second person, whatever its direction. */
        secondPerson: z.boolean().optional(),
        /**
         * Per control (`symbol-mode`) or variant (`symbol-mode:NORMAL`): the role it needs, whether a
         * second person approves it, and the minutes its effect is watched after a success. Keys
         * are checked against the control catalog at start-up.
         */
        policy: z
          .record(
            z.string(),
            z
              .object({
                role: z.enum(["responder", "commander", "admin"], { error: "must be responder, commander or admin" }).optional(),
                secondPerson: z.boolean().optional(),
                watchMinutes: z.number().int().min(0).max(1440).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$", approvalTtlMinutes: 10, rateLimitPerMinute: 10, policy: {} }),
    share: z
      .object({
        /** Lifetime of a new share link unless the commander picks another (seed-free product default). */
        defaultHours: z.number().int().min(1).default(24),
        /** The longest lifetime a commander may give a share link. */
        maxHours: z.number().int().min(1).max(24 * 90).default(24 * 7),
      })
      .strict()
      .refine((s) => s.defaultHours <= s.maxHours, { message: "defaultHours must not exceed maxHours", path: ["defaultHours"] })
      .default({ defaultHours: 24, maxHours: 24 * 7 }),
    // Paging and notifications (lib/notify): channels, routes, silence limits.
    notify: NotifyConfig.default(DEFAULT_NOTIFY),
    targets: z.array(TargetConfig),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.targets.forEach((t, i) => {
      const first = seen.get(t.name);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["targets", i, "name"], message: `duplicate name "${t.name}" (also targets[${first}])` });
      } else seen.set(t.name, i);
    });
    try {
      new RegExp(cfg.controls.ticketPattern);
    } catch {
      ctx.addIssue({ code: "custom", path: ["controls", "ticketPattern"], message: "is not a valid regular expression" });
    }
  });

export type FleetConfig = z.infer<typeof FleetConfig>;
export type TargetConfig = z.infer<typeof TargetConfig>;

export class ConfigError extends Error {
  constructor(
    public readonly file: string,
    public readonly problems: string[],
  ) {
    super(`Invalid fleet config ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `["targets", 2, "baseUrl"]` → `targets[2].baseUrl` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || "(root)";
}

export function parseFleetConfig(text: string, file = "fleet config"): FleetConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${e.message.split("\n")[0]}`;
      }),
    );
  }
  const result = FleetConfig.safeParse(doc.toJS());
  if (!result.success) {
    // A bad record key (a threshold rule id) carries the schema's own message in its nested issues.
    const message = (i: z.core.$ZodIssue) => (i.code === "invalid_key" && i.issues[0] ? i.issues[0].message : i.message);
    throw new ConfigError(file, result.error.issues.map((i) => `${formatPath(i.path)}: ${message(i)}`));
  }
  return result.data;
}

export function loadFleetConfig(file: string): FleetConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseFleetConfig(text, file);
}

/**
 * Checks that every secret the config refers to by name is present. Returned as problems rather
 * than thrown so start-up can report them all at once.
 */
export function missingSecrets(cfg: FleetConfig, lookup: (name: string) => string | undefined): string[] {
  const problems: string[] = [];
  cfg.targets.forEach((t, i) => {
    for (const [key, name] of Object.entries(t.credentials)) {
      if (name && lookup(name) === undefined) {
        problems.push(`targets[${i}].credentials.${key}: environment variable ${name} is not set`);
      }
    }
  });
  problems.push(...missingNotifySecrets(cfg.notify, lookup));
  return problems;
}

export function effectivePollIntervalMs(cfg: FleetConfig, t: TargetConfig): number {
  return t.pollIntervalMs ?? cfg.defaults.pollIntervalMs;
}
