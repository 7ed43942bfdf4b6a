// The simulator's fleet file (config/sim-fleet.yaml): which systems run, on which ports, with which
// credentials and parameters. Validated with zod; errors name the field path.

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LOG_FILE_FORMATS } from "./log-file";

/** Feature flags and EXIT backfill gates of the trading bot, with the defaults from seed 001. */
export const DEFAULT_TRADING_BOT_FLAGS = {
  ENABLE_RECON_POSITION_PARITY_HEARTBEAT: true,
  RECON_POSITION_PARITY_CONFIRMATIONS: 3,
  RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION: true,
  RECON_POSITION_PARITY_MAX_NOTIONAL_PCT: 0.5,
  ENABLE_RECON_WATCHDOG_AUTO_RESUME: true,
  RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS: 900_000,
  RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES: 2,
  RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS: 1_800_000,
  RECON_POSITION_PARITY_DRY_RUN: false,
  RECON_EXIT_BACKFILL_REQUIRE_STRONG_ATTRIBUTION: true,
  RECON_EXIT_BACKFILL_ALLOW_HEURISTIC_MATCH: false,
  RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES: 5,
} as const;

export const TradingBotFlags = z
  .object({
    ENABLE_RECON_POSITION_PARITY_HEARTBEAT: z.boolean(),
    RECON_POSITION_PARITY_CONFIRMATIONS: z.number().int().min(1),
    RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION: z.boolean(),
    RECON_POSITION_PARITY_MAX_NOTIONAL_PCT: z.number().positive(),
    ENABLE_RECON_WATCHDOG_AUTO_RESUME: z.boolean(),
    RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS: z.number().int().min(0),
    RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES: z.number().int().min(1),
    RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS: z.number().int().min(0),
    RECON_POSITION_PARITY_DRY_RUN: z.boolean(),
    RECON_EXIT_BACKFILL_REQUIRE_STRONG_ATTRIBUTION: z.boolean(),
    RECON_EXIT_BACKFILL_ALLOW_HEURISTIC_MATCH: z.boolean(),
    RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES: z.number().min(0),
  })
  .strict();
export type TradingBotFlags = z.infer<typeof TradingBotFlags>;

const SystemName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");
const Port = z.number().int().min(0).max(65535);
const Credential = z.string().min(8, "credential must be at least 8 characters");

const TradingBotProfile = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case profile id"),
    allocated: z.number().positive(),
    symbols: z.array(z.string().min(1)).min(1).default(["BTC-USD"]),
  })
  .strict();

export const TradingBotConfig = z
  .object({
    name: SystemName,
    kind: z.literal("trading-bot"),
    port: Port,
    credential: Credential,
    profiles: z.array(TradingBotProfile).min(1),
    flags: TradingBotFlags.partial().default({}),
    tradingTickSeconds: z.number().positive().default(5),
    reconciliationIntervalSeconds: z.number().positive().default(30),
    orderSyncIntervalSeconds: z.number().positive().default(60),
    /**
     * What `/internal/health` serves: `full` (the runbook's fields plus the per-profile ledger,
     * parity detail, watchdog state, flags, positions and stale orders this simulator adds) or
     * `runbook` (only the fields the capital-invariant and reconciliation runbooks name), to show
     * what the console makes of a real bot that exports nothing more.
     */
    healthFields: z.enum(["full", "runbook"]).default("full"),
  })
  .strict();
export type TradingBotConfig = z.infer<typeof TradingBotConfig>;

export const FuturesBotConfig = z
  .object({
    name: SystemName,
    kind: z.literal("futures-bot"),
    port: Port,
    credential: Credential,
    coins: z.array(z.string().min(1)).min(1).default(["PF_XBTUSD", "PF_ETHUSD", "PF_SOLUSD", "PF_XRPUSD", "PF_ADAUSD"]),
    startingEquityUsd: z.number().positive().default(50_000),
    maxMarginUtilizationPct: z.number().positive().max(100).default(85),
    cycleIntervalSeconds: z.number().positive().default(30),
    reconciliationIntervalSeconds: z.number().positive().default(60),
    registryAuditIntervalSeconds: z.number().positive().default(600),
    logRetention: z.number().int().min(100).default(20_000),
    ingestBatchSize: z.number().int().min(1).max(5000).default(200),
    /** Also append every record to this file, as a Python bot's logging would (lib/sim/log-file.ts). */
    logFile: z
      .object({ path: z.string().min(1), format: z.enum(LOG_FILE_FORMATS).default("text") })
      .strict()
      .optional(),
  })
  .strict();
export type FuturesBotConfig = z.infer<typeof FuturesBotConfig>;

export const SpotExchangeConfig = z
  .object({
    name: SystemName,
    kind: z.literal("spot-exchange"),
    port: Port,
    credential: Credential,
    symbols: z.array(z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+$/, "symbols look like BTC-USD")).min(1),
    settlementLag: z
      .object({ t2Seconds: z.number().positive().default(5), t3Seconds: z.number().positive().default(30) })
      .strict()
      .default({ t2Seconds: 5, t3Seconds: 30 }),
    bookDepthDefault: z.number().int().min(1).max(1000).default(50),
    wsClients: z.number().int().min(0).default(1200),
  })
  .strict();
export type SpotExchangeConfig = z.infer<typeof SpotExchangeConfig>;

export const SimSystemConfig = z.discriminatedUnion("kind", [TradingBotConfig, FuturesBotConfig, SpotExchangeConfig]);
export type SimSystemConfig = z.infer<typeof SimSystemConfig>;

export const SimFleetConfig = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    adminPort: Port.default(4100),
    seed: z.number().int().optional(),
    /** ISO start of virtual time for a manual clock (a real-time clock starts at now). */
    startTime: z.iso.datetime().optional(),
    systems: z.array(SimSystemConfig).min(1),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Map<string, number>();
    const ports = new Map<number, number>();
    cfg.systems.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({ code: "custom", path: ["systems", i, "name"], message: `duplicate system name "${s.name}"` });
      names.set(s.name, i);
      if (s.port !== 0) {
        if (ports.has(s.port) || s.port === cfg.adminPort)
          ctx.addIssue({ code: "custom", path: ["systems", i, "port"], message: `port ${s.port} is already used` });
        ports.set(s.port, i);
      }
      if (s.kind === "trading-bot") {
        const ids = new Set<string>();
        s.profiles.forEach((p, j) => {
          if (ids.has(p.id))
            ctx.addIssue({
              code: "custom",
              path: ["systems", i, "profiles", j, "id"],
              message: `duplicate profile id "${p.id}"`,
            });
          ids.add(p.id);
        });
      }
    });
  });
export type SimFleetConfig = z.infer<typeof SimFleetConfig>;
export type SimFleetConfigInput = z.input<typeof SimFleetConfig>;

export class SimConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `invalid simulator config ${source}:\n${issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n")}`,
    );
    this.name = "SimConfigError";
  }
}

/** Validates an already-parsed config object. */
export function parseSimFleetConfig(value: unknown, source = "(object)"): SimFleetConfig {
  const r = SimFleetConfig.safeParse(value);
  if (!r.success) {
    throw new SimConfigError(
      source,
      r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  return r.data;
}

export function parseSimFleetYaml(text: string, source = "(yaml)"): SimFleetConfig {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SimConfigError(source, [
      { path: "", message: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` },
    ]);
  }
  return parseSimFleetConfig(value, source);
}

export function loadSimFleetConfig(path = "config/sim-fleet.yaml"): SimFleetConfig {
  return parseSimFleetYaml(readFileSync(path, "utf8"), path);
}
