import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { GENERIC_KINDS, SYSTEM_KINDS } from "../telemetry/model";
import { LOG_FORMATS } from "../telemetry/shipped/line";
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
    /**
     * For trading bots whose ledger lives in Supabase: the defaults of `ledger.urlEnv` and
     * `ledger.keyEnv` (used only with `ledger: { from: supabase }`).
     */
    supabaseUrlEnv: envVarName.optional(),
    supabaseKeyEnv: envVarName.optional(),
    /** Generic exporters behind HTTP basic auth: env vars holding the user name and the password. */
    basicAuthUserEnv: envVarName.optional(),
    basicAuthPasswordEnv: envVarName.optional(),
  })
  .strict();

/** A PostgreSQL identifier as PostgREST takes it in a URL (table, schema, column). */
const pgIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be a table/column name (letters, digits, _; not starting with a digit)");

/**
 * Where a trading bot's per-profile ledger (allocated, reserved_for_orders, reserved_for_positions,
 * realized_pnl) is read: from the bot's own health document (default), or straight from the
 * Supabase table the bot writes (PostgREST through supabase-js).
 */
export const LedgerSourceConfig = z.discriminatedUnion(
  "from",
  [
    z.object({ from: z.literal("health") }).strict(),
    z
      .object({
        from: z.literal("supabase"),
        /** Env var holding the project URL (https://<ref>.supabase.co); default credentials.supabaseUrlEnv. */
        urlEnv: envVarName.optional(),
        /** Env var holding the API key (anon or service role); default credentials.supabaseKeyEnv. */
        keyEnv: envVarName.optional(),
        table: pgIdentifier.default("capital_ledger"),
        schema: pgIdentifier.default("public"),
        /** A column saying whether the profile is active (read only when named). */
        statusColumn: pgIdentifier.optional(),
        /** Row cap sent as `limit`. */
        maxRows: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict(),
  ],
  { error: `must be "health" (the health document) or "supabase"` },
);
export type LedgerSourceConfig = z.infer<typeof LedgerSourceConfig>;

/**
 * Where a target's Prometheus metrics are read: its own `/metrics` (default, `scrape`), or a
 * Prometheus server that already scrapes it (instant queries over the HTTP API).
 */
export const MetricsSourceConfig = z.discriminatedUnion(
  "from",
  [
    z.object({ from: z.literal("scrape") }).strict(),
    z
      .object({
        from: z.literal("prometheus"),
        url: z.url({ error: "invalid URL", abort: true }).refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
        /** Series selector naming this target's scrape job, e.g. {job="alpha-bot"}. */
        selector: z
          .string()
          .trim()
          .regex(/^\{.*\}$/s, 'must be a series selector in braces, e.g. {job="alpha-bot"}')
          .refine((s) => /[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"/.test(s), 'must name at least one label matcher, e.g. {job="alpha-bot"}'),
        /** Env var holding a bearer token for the Prometheus server (a hosted Prometheus). */
        bearerTokenEnv: envVarName.optional(),
      })
      .strict(),
  ],
  { error: `must be "scrape" (the target's /metrics) or "prometheus" (a Prometheus server)` },
);
export type MetricsSourceConfig = z.infer<typeof MetricsSourceConfig>;

/** Kinds whose metrics come from a Prometheus exposition (and so may come from a Prometheus server). */
export const KINDS_WITH_METRICS = ["trading-bot", "spot-exchange"] as const;

/** Per-rule threshold overrides: rule id → parameter → number. Rules validate their own keys. */
export const ThresholdOverrides = z.record(
  z.string().regex(/^[a-z0-9_.-]+$/, "rule ids are lower-case words joined by _ . or -"),
  z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
);

const REPORT_KIND = /^[A-Z][A-Z0-9_]*$/;

/** How a target's shipped log lines become reports (README "Log shippers"). */
export const TargetLogs = z
  .object({
    /** `auto` tells text, structlog and journald records apart by shape; the others insist on one. */
    format: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }).default("auto"),
    /** Replaces the futures-bot runbook's patterns: a kind found as written, or text → kind. */
    patterns: z
      .array(z.union([z.string().regex(REPORT_KIND, "must be an upper-case report kind such as RECONCILIATION_REPORT"), z.object({ match: z.string().min(1), kind: z.string().regex(REPORT_KIND, "must be an upper-case report kind such as RECONCILIATION_REPORT") }).strict()]))
      .min(1)
      .optional(),
    /** For format `regex`: a regular expression whose named groups become the fields. */
    fieldsRegex: z.string().optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.fieldsRegex !== undefined) {
      try {
        if (!/\(\?<[A-Za-z_]/.test(l.fieldsRegex)) ctx.addIssue({ code: "custom", path: ["fieldsRegex"], message: "needs at least one named group, e.g. (?<orphaned>\\d+)" });
        else new RegExp(l.fieldsRegex);
      } catch {
        ctx.addIssue({ code: "custom", path: ["fieldsRegex"], message: "is not a valid regular expression" });
      }
    }
    if (l.format === "regex" && l.fieldsRegex === undefined) ctx.addIssue({ code: "custom", path: ["fieldsRegex"], message: 'is required when format is "regex"' });
  });
export type TargetLogs = z.infer<typeof TargetLogs>;

/** A path on the target, with an optional query (`/metrics`, `/probe?module=http_2xx`). */
const targetPath = z.string().regex(/^\/[^\s#]*$/, "must be a path on the target starting with /, e.g. /metrics");

/** A field of a JSON document by path: `checks.db.latency_ms`, `queues[0].depth`, `workers[*].busy`. */
export const JSON_FIELD_PATH = /^[A-Za-z_$][\w$-]*(?:\[(?:\d+|\*)\]|\.[A-Za-z_$][\w$-]*)*$/;

/**
 * One value picked from a generic health JSON: the sample `metric` (default: the path) from the
 * field at `path`. Numbers as they are, booleans 1/0, strings through `map` (e.g. {ok: 1, down: 0})
 * or as numbers when numeric. With `[*]` in the path, every element gives one entity, named by
 * the element's `entityField` (default: its index).
 */
export const JsonField = z
  .object({
    path: z.string().regex(JSON_FIELD_PATH, "must be a field path such as checks.db.latency_ms or queues[*].depth"),
    metric: z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:.]*$/, "must be a metric name (letters, digits, _ : .)").optional(),
    map: z.record(z.string(), z.number()).optional(),
    entityField: z.string().regex(/^[A-Za-z_$][\w$-]*$/, "must be a field name of the array elements").optional(),
  })
  .strict();
export type JsonField = z.infer<typeof JsonField>;

/** What a `prometheus` target scrapes. */
export const GenericScrapeConfig = z
  .object({
    path: targetPath.default("/metrics"),
    /** Label whose value names the entity of a series (e.g. mountpoint, device); default: none. */
    entityLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name").optional(),
  })
  .strict();

/** What an `http-json` target reads. */
export const GenericJsonConfig = z
  .object({
    path: targetPath.default("/health"),
    fields: z.array(JsonField).min(1, "name at least one field to read"),
  })
  .strict();

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
    /** How long a control call may take before its outcome counts as unknown (default: 5 s or the poll timeout, the longer). */
    controlTimeoutMs: z.number().int().min(1000).max(600_000).optional(),
    credentials: TargetCredentials.default({}),
    /** Trading bots: where the per-profile ledger comes from (default: the health document). */
    ledger: LedgerSourceConfig.optional(),
    /** Where the Prometheus metrics come from (default: scrape the target's /metrics). */
    metrics: MetricsSourceConfig.optional(),
    thresholds: ThresholdOverrides.default({}),
    logs: TargetLogs.optional(),
    /** `prometheus` targets: the exposition path (default /metrics) and the entity label. */
    scrape: GenericScrapeConfig.optional(),
    /** `http-json` targets: the document's path and the fields picked from it. */
    json: GenericJsonConfig.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.scrape && t.kind !== "prometheus")
      ctx.addIssue({ code: "custom", path: ["scrape"], message: `only prometheus targets take scrape (this target is a ${t.kind})` });
    if (t.json && t.kind !== "http-json")
      ctx.addIssue({ code: "custom", path: ["json"], message: `only http-json targets take json (this target is a ${t.kind})` });
    if (t.kind === "http-json" && !t.json)
      ctx.addIssue({ code: "custom", path: ["json"], message: "required for an http-json target: the document path and the fields to read" });
    const basic = [t.credentials.basicAuthUserEnv, t.credentials.basicAuthPasswordEnv];
    if (basic.some(Boolean) && !basic.every(Boolean))
      ctx.addIssue({ code: "custom", path: ["credentials", t.credentials.basicAuthUserEnv ? "basicAuthPasswordEnv" : "basicAuthUserEnv"], message: "basic auth needs both basicAuthUserEnv and basicAuthPasswordEnv" });
    if (basic.some(Boolean) && t.credentials.bearerTokenEnv)
      ctx.addIssue({ code: "custom", path: ["credentials", "basicAuthUserEnv"], message: "a target uses basic auth or a bearer token, not both" });
    if (basic.some(Boolean) && !(GENERIC_KINDS as readonly string[]).includes(t.kind))
      ctx.addIssue({ code: "custom", path: ["credentials", "basicAuthUserEnv"], message: `basic auth is for prometheus and http-json targets (this target is a ${t.kind}; use bearerTokenEnv)` });
    if (t.ledger && t.kind !== "trading-bot") {
      ctx.addIssue({ code: "custom", path: ["ledger"], message: `only trading bots have a ledger source (this target is a ${t.kind})` });
    }
    if (t.metrics && !(KINDS_WITH_METRICS as readonly string[]).includes(t.kind)) {
      ctx.addIssue({ code: "custom", path: ["metrics"], message: `a ${t.kind} exports no Prometheus metrics; only ${KINDS_WITH_METRICS.join(" and ")} targets take a metrics source` });
    }
    const supabase = t.ledger?.from === "supabase" ? t.ledger : undefined;
    if (supabase) {
      if (!supabase.urlEnv && !t.credentials.supabaseUrlEnv) ctx.addIssue({ code: "custom", path: ["ledger", "urlEnv"], message: "required: the environment variable holding the Supabase project URL (or set credentials.supabaseUrlEnv)" });
      if (!supabase.keyEnv && !t.credentials.supabaseKeyEnv) ctx.addIssue({ code: "custom", path: ["ledger", "keyEnv"], message: "required: the environment variable holding the Supabase API key (or set credentials.supabaseKeyEnv)" });
    } else {
      // Named but never read would be a silent misconfiguration.
      for (const key of ["supabaseUrlEnv", "supabaseKeyEnv"] as const) {
        if (t.credentials[key]) ctx.addIssue({ code: "custom", path: ["credentials", key], message: "is read only with ledger: { from: supabase } on this target" });
      }
    }
  });

/** The Supabase ledger settings of a target with the credential names resolved, or undefined. */
export function supabaseLedgerOf(t: TargetConfig): (Extract<LedgerSourceConfig, { from: "supabase" }> & { urlEnv: string; keyEnv: string }) | undefined {
  const l = t.ledger;
  if (l?.from !== "supabase") return undefined;
  const urlEnv = l.urlEnv ?? t.credentials.supabaseUrlEnv;
  const keyEnv = l.keyEnv ?? t.credentials.supabaseKeyEnv;
  if (!urlEnv || !keyEnv) return undefined;
  return { ...l, urlEnv, keyEnv };
}

/** Where a generic target is read: the scrape or JSON settings with defaults applied. */
export function genericPathOf(t: TargetConfig): string | undefined {
  if (t.kind === "prometheus") return t.scrape?.path ?? "/metrics";
  if (t.kind === "http-json") return t.json?.path ?? "/health";
  return undefined;
}

/** The Prometheus metrics settings of a target, or undefined when it is scraped directly. */
export function prometheusMetricsOf(t: TargetConfig): Extract<MetricsSourceConfig, { from: "prometheus" }> | undefined {
  return t.metrics?.from === "prometheus" ? t.metrics : undefined;
}

export const FleetConfig = z
  .object({
    defaults: z
      .object({
        pollIntervalMs: z.number().int().min(250).max(3_600_000).default(2000),
        // Unset: 5 s, or the poll interval when that is shorter (a poll ends before the next is due).
        timeoutMs: z.number().int().min(100).max(60_000).optional(),
        maxResponseBytes: z.number().int().min(1024).default(5 * 1024 * 1024),
      })
      .strict()
      .default({ pollIntervalMs: 2000, maxResponseBytes: 5 * 1024 * 1024 }),
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
    // Freshness must not flap: a poll that may still be waiting when the next one is due would let
    // a slow source read fresh and stale by turns. Every poll ends within its own interval.
    const underDefault: string[] = [];
    cfg.targets.forEach((t, i) => {
      const interval = t.pollIntervalMs ?? cfg.defaults.pollIntervalMs;
      if (t.timeoutMs !== undefined && t.timeoutMs > interval) {
        ctx.addIssue({ code: "custom", path: ["targets", i, "timeoutMs"], message: `${t.timeoutMs} ms is longer than ${t.name}'s poll interval (${interval} ms): a poll must end before the next is due; set timeoutMs to at most pollIntervalMs` });
      } else if (t.timeoutMs === undefined && cfg.defaults.timeoutMs !== undefined && cfg.defaults.timeoutMs > interval) underDefault.push(`${t.name} (${interval} ms)`);
    });
    if (underDefault.length) {
      ctx.addIssue({ code: "custom", path: ["defaults", "timeoutMs"], message: `${cfg.defaults.timeoutMs} ms is longer than the poll interval of ${underDefault.join(", ")}: a poll must end before the next is due; lower it or give those targets their own timeoutMs` });
    }
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
    const ledger = t.ledger?.from === "supabase" ? t.ledger : undefined;
    if (ledger) {
      for (const key of ["urlEnv", "keyEnv"] as const) {
        const name = ledger[key];
        if (name && lookup(name) === undefined) problems.push(`targets[${i}].ledger.${key}: environment variable ${name} is not set`);
      }
      const urlEnv = ledger.urlEnv ?? t.credentials.supabaseUrlEnv;
      const url = urlEnv ? lookup(urlEnv) : undefined;
      if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) {
        problems.push(`targets[${i}].ledger.urlEnv: environment variable ${urlEnv} is not an http(s) URL`);
      }
    }
    const prom = t.metrics?.from === "prometheus" ? t.metrics : undefined;
    if (prom?.bearerTokenEnv && lookup(prom.bearerTokenEnv) === undefined) {
      problems.push(`targets[${i}].metrics.bearerTokenEnv: environment variable ${prom.bearerTokenEnv} is not set`);
    }
  });
  problems.push(...missingNotifySecrets(cfg.notify, lookup));
  return problems;
}

export function effectivePollIntervalMs(cfg: FleetConfig, t: TargetConfig): number {
  return t.pollIntervalMs ?? cfg.defaults.pollIntervalMs;
}

/** A target's poll timeout: its own, the default, else 5 s or its interval when that is shorter. */
export function effectiveTimeoutMs(cfg: FleetConfig, t: TargetConfig): number {
  return t.timeoutMs ?? cfg.defaults.timeoutMs ?? Math.min(5000, effectivePollIntervalMs(cfg, t));
}
