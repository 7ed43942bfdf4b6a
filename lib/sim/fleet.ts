// Starts a simulated fleet: one listener per system, a shared virtual clock, the scenario
// library, fault injection, and a small admin API.

import type { SystemKind } from "@/lib/telemetry/model";
import { parseSimFleetConfig, type SimFleetConfig, type SimFleetConfigInput } from "./config";
import { SimClock, startRealtimeDriver } from "./core/clock";
import type { ControlCallRecord } from "./core/control";
import {
  FAULT_KINDS,
  SimServer,
  isFaultKind,
  json,
  type ActiveFault,
  type FaultKind,
  type FaultOptions,
  type SimRequest,
  type SimResponse,
} from "./core/http";
import { Rng } from "./core/rng";
import { LOG_FILE_FORMATS, type LogFileFormat } from "./log-file";
import type { SimSystem } from "./core/system";
import { describeScenario, findScenario, listScenarios } from "./scenarios";
import { FuturesBot } from "./systems/futures-bot";
import { SpotExchange } from "./systems/spot-exchange";
import { TradingBot } from "./systems/trading-bot";

/** Virtual start of a manual clock unless the config or options say otherwise. */
export const DEFAULT_MANUAL_START = "2026-01-05T00:00:00.000Z";

export type ClockOption = "manual" | { speed: number };

export interface StartFleetOptions {
  /** Parsed config (loadSimFleetConfig) or a raw object validated here. */
  config: SimFleetConfig | SimFleetConfigInput;
  /** RNG seed; default config.seed, else 1. */
  seed?: number;
  /** "manual" (advance() drives time) or { speed } times real time. Default "manual". */
  clock?: ClockOption;
  host?: string;
  /** 0: every listener on an ephemeral port. N: admin on N, systems on N+1, N+2, ... Unset: config ports. */
  portBase?: number;
  /** Where the futures bots push their NDJSON records. */
  ingest?: { url: string; token: string; retryBaseMs?: number };
  /** Virtual start time (ISO or epoch ms). */
  startTime?: string | number;
  /** Start the admin API listener (default true). */
  admin?: boolean;
}

export interface SimSystemInfo {
  name: string;
  kind: SystemKind;
  url: string;
  port: number;
  credential: string;
}

export interface ScenarioStart {
  name: string;
  target: string;
  startedAt: string;
}

export class FleetError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "FleetError";
  }
}

export class Fleet {
  readonly systems: SimSystemInfo[] = [];
  adminUrl: string | null = null;
  private readonly servers = new Map<string, SimServer>();
  private readonly byName = new Map<string, SimSystem>();
  private admin: SimServer | null = null;
  private driver: { stop(): void } | null = null;
  private stopped = false;

  constructor(
    readonly config: SimFleetConfig,
    readonly seed: number,
    readonly clock: SimClock,
    readonly clockMode: ClockOption,
  ) {}

  /** Builds the systems; listen() opens the ports. */
  static build(opts: StartFleetOptions): Fleet {
    const config = parseSimFleetConfig(opts.config, "startFleet options");
    const seed = opts.seed ?? config.seed ?? 1;
    const mode = opts.clock ?? "manual";
    const start =
      opts.startTime !== undefined
        ? typeof opts.startTime === "number"
          ? opts.startTime
          : Date.parse(opts.startTime)
        : mode === "manual"
          ? Date.parse(config.startTime ?? DEFAULT_MANUAL_START)
          : Math.floor(Date.now() / 1000) * 1000;
    const clock = new SimClock(start);
    const fleet = new Fleet(config, seed, clock, mode);
    const root = new Rng(`watchfloor-sim/${seed}`);
    for (const sc of config.systems) {
      const ctx = { name: sc.name, credential: sc.credential, clock, rng: root.fork(`system/${sc.name}`) };
      let sys: SimSystem;
      if (sc.kind === "trading-bot") sys = new TradingBot(ctx, sc);
      else if (sc.kind === "futures-bot") sys = new FuturesBot(ctx, sc, opts.ingest);
      else sys = new SpotExchange(ctx, sc);
      fleet.byName.set(sc.name, sys);
    }
    return fleet;
  }

  async listen(opts: StartFleetOptions): Promise<void> {
    const host = opts.host ?? this.config.host;
    let i = 0;
    for (const sc of this.config.systems) {
      i++;
      const sys = this.byName.get(sc.name)!;
      const port = opts.portBase === undefined ? sc.port : opts.portBase === 0 ? 0 : opts.portBase + i;
      const server = new SimServer(
        host,
        port,
        (req) => sys.handle(req),
        () => this.clock.iso(),
      );
      const bound = await server.listen();
      this.servers.set(sc.name, server);
      this.systems.push({
        name: sc.name,
        kind: sys.kind,
        url: `http://${host}:${bound}`,
        port: bound,
        credential: sc.credential,
      });
    }
    for (const sys of this.byName.values()) sys.start();
    if (opts.admin ?? true) {
      const port = opts.portBase === undefined ? this.config.adminPort : opts.portBase;
      this.admin = new SimServer(
        host,
        port,
        (req) => this.handleAdmin(req),
        () => this.clock.iso(),
      );
      const bound = await this.admin.listen();
      this.adminUrl = `http://${host}:${bound}`;
    }
    if (this.clockMode !== "manual") {
      const speed = this.clockMode.speed;
      const clock = this.clock;
      this.driver = startRealtimeDriver((ms) => {
        try {
          clock.advance(ms);
        } catch (err) {
          console.error("[sim] clock advance failed:", err);
        }
      }, speed);
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Manual clock only: moves virtual time forward, running every due tick and cycle. */
  advance(ms: number): void {
    if (this.clockMode !== "manual") throw new FleetError(409, "advance() needs a manual clock");
    this.clock.advance(ms);
  }

  system(name: string): SimSystem {
    const s = this.byName.get(name);
    if (!s) throw new FleetError(404, `no system "${name}"; known: ${[...this.byName.keys()].join(", ")}`);
    return s;
  }

  tradingBot(name?: string): TradingBot {
    return this.typed(name, "trading-bot") as TradingBot;
  }

  futuresBot(name?: string): FuturesBot {
    return this.typed(name, "futures-bot") as FuturesBot;
  }

  spotExchange(name?: string): SpotExchange {
    return this.typed(name, "spot-exchange") as SpotExchange;
  }

  private typed(name: string | undefined, kind: SystemKind): SimSystem {
    const s = name ? this.system(name) : [...this.byName.values()].find((x) => x.kind === kind);
    if (!s || s.kind !== kind) throw new FleetError(404, `no ${kind} ${name ? `named "${name}"` : "in the fleet"}`);
    return s;
  }

  info(name: string): SimSystemInfo {
    const i = this.systems.find((s) => s.name === name);
    if (!i) throw new FleetError(404, `no system "${name}"`);
    return i;
  }

  startScenario(name: string, target?: string, options: Record<string, unknown> = {}): ScenarioStart {
    const def = findScenario(name);
    if (!def) throw new FleetError(404, `no scenario "${name}"; see GET /scenarios`);
    const sys = target ? this.system(target) : [...this.byName.values()].find((s) => s.kind === def.kind);
    if (!sys) throw new FleetError(404, `no ${def.kind} in the fleet for scenario "${name}"`);
    if (sys.kind !== def.kind)
      throw new FleetError(400, `scenario "${name}" applies to ${def.kind}, but ${sys.name} is a ${sys.kind}`);
    try {
      const active = sys.startScenario(def, options);
      return { name, target: sys.name, startedAt: active.startedAt };
    } catch (err) {
      throw new FleetError(
        400,
        `scenario "${name}" could not start on ${sys.name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Stops the named scenario on the target, or every scenario on it. */
  stopScenario(target: string, name?: string): string[] {
    return this.system(target).stopScenario(name);
  }

  async setFault(target: string, fault: FaultKind, options: FaultOptions = {}): Promise<void> {
    const sys = this.system(target);
    if (fault === "counter-reset") {
      sys.restart();
      return;
    }
    const halts = haltable(sys);
    if (fault === "ignores-halt" && !halts)
      throw new FleetError(
        400,
        `fault "ignores-halt" applies to a spot exchange or a trading bot, not ${sys.name} (${sys.kind})`,
      );
    // One fault at a time: any other fault (or none) honours halts again.
    if (halts) halts.ignoresHalt = fault === "ignores-halt";
    await this.servers.get(target)!.setFault(fault, options);
  }

  async clearFault(target: string): Promise<void> {
    const sys = this.system(target);
    const halts = haltable(sys);
    if (halts) halts.ignoresHalt = false;
    await this.servers.get(target)!.clearFault();
  }

  fault(target: string): ActiveFault | null {
    return this.servers.get(target)?.fault ?? null;
  }

  controlCalls(target: string): ControlCallRecord[] {
    return this.system(target).controls.calls();
  }

  /** Waits until every futures bot's ingest outbox is empty. */
  async flushIngest(timeoutMs = 10_000): Promise<void> {
    await Promise.all(
      [...this.byName.values()]
        .filter((s): s is FuturesBot => s instanceof FuturesBot)
        .map((s) => s.ingest?.flush(timeoutMs)),
    );
  }

  describe(): Record<string, unknown> {
    return {
      simulated: true,
      seed: this.seed,
      clock: {
        mode: this.clockMode === "manual" ? "manual" : "realtime",
        speed: this.clockMode === "manual" ? null : this.clockMode.speed,
        now: this.clock.iso(),
      },
      adminUrl: this.adminUrl,
      systems: this.systems.map((i) => {
        const sys = this.byName.get(i.name)!;
        return {
          name: i.name,
          kind: i.kind,
          url: i.url,
          port: i.port,
          controls: sys.controls.names(),
          scenarios: sys.scenarios.map((s) => ({ name: s.name, startedAt: s.startedAt, options: s.options })),
          fault: this.fault(i.name),
        };
      }),
    };
  }

  /** Requests a system has received (by path and by user agent); for counting pollers in tests. */
  requestStats(target: string): {
    byPath: Record<string, number>;
    byAgent: Record<string, { count: number; lastAt: number }>;
  } {
    const server = this.servers.get(target);
    if (!server) throw new FleetError(404, `unknown system "${target}"`);
    return {
      byPath: Object.fromEntries(server.requestStats.byPath),
      byAgent: Object.fromEntries(server.requestStats.byAgent),
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.driver?.stop();
    for (const sys of this.byName.values()) if (sys instanceof FuturesBot) sys.stopIngest();
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await this.admin?.close();
  }

  // ---------------------------------------------------------------- admin API

  private handleAdmin(req: SimRequest): SimResponse {
    try {
      return this.routeAdmin(req);
    } catch (err) {
      if (err instanceof FleetError) return json(err.status, { error: err.message });
      return json(500, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private routeAdmin(req: SimRequest): SimResponse {
    const body = (): Record<string, unknown> => {
      if (!req.body.trim()) return {};
      try {
        const v: unknown = JSON.parse(req.body);
        if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        /* fall through */
      }
      throw new FleetError(400, "body must be a JSON object");
    };
    const str = (v: unknown, field: string, required = false): string | undefined => {
      if (v === undefined || v === null) {
        if (required) throw new FleetError(400, `${field} is required`);
        return undefined;
      }
      if (typeof v !== "string") throw new FleetError(400, `${field} must be a string`);
      return v;
    };
    const { method, path } = req;
    if (method === "GET" && path === "/fleet") return json(200, this.describe());
    if (method === "GET" && path === "/scenarios") return json(200, { scenarios: listScenarios() });
    const start = /^\/scenarios\/([^/]+)\/start$/.exec(path);
    if (method === "POST" && start) {
      const b = body();
      const name = decodeURIComponent(start[1]!);
      const options = b.options && typeof b.options === "object" ? (b.options as Record<string, unknown>) : {};
      const r = this.startScenario(name, str(b.target, "target"), options);
      const def = findScenario(name)!;
      return json(200, { ...r, scenario: describeScenario(def) });
    }
    if (method === "POST" && path === "/scenarios/stop") {
      const b = body();
      const target = str(b.target, "target", true)!;
      return json(200, { target, stopped: this.stopScenario(target, str(b.name, "name")) });
    }
    if (method === "POST" && path === "/faults") {
      const b = body();
      const target = str(b.target, "target", true)!;
      const fault = str(b.fault, "fault", true)!;
      if (!isFaultKind(fault)) throw new FleetError(400, `unknown fault "${fault}"; known: ${FAULT_KINDS.join(", ")}`);
      const sys = this.system(target);
      if (fault === "ignores-halt" && !haltable(sys))
        throw new FleetError(
          400,
          `fault "ignores-halt" applies to a spot exchange or a trading bot, not ${sys.name} (${sys.kind})`,
        );
      const options = (b.options && typeof b.options === "object" ? b.options : {}) as FaultOptions;
      void this.setFault(target, fault, options);
      return json(200, { target, fault, options });
    }
    const del = /^\/faults\/([^/]+)$/.exec(path);
    if (method === "DELETE" && del) {
      const target = decodeURIComponent(del[1]!);
      const previous = this.fault(target);
      void this.clearFault(target);
      return json(200, { target, cleared: previous?.fault ?? null });
    }
    if (method === "GET" && path === "/clock")
      return json(200, { now: this.clock.iso(), mode: this.clockMode === "manual" ? "manual" : "realtime" });
    if (method === "POST" && path === "/clock/advance") {
      const ms = Number(body().ms);
      if (!Number.isFinite(ms) || ms < 0) throw new FleetError(400, "ms must be a non-negative number");
      this.advance(ms);
      return json(200, { now: this.clock.iso() });
    }
    const logFile = /^\/systems\/([^/]+)\/log-file$/.exec(path);
    if (logFile && (method === "POST" || method === "DELETE" || method === "GET")) {
      const bot = this.system(decodeURIComponent(logFile[1]!));
      if (!(bot instanceof FuturesBot))
        throw new FleetError(400, `${bot.name} is not a futures bot; only futures bots write a log file`);
      if (method === "POST") {
        const b = body();
        const file = str(b.path, "path", true)!;
        const format = str(b.format, "format") ?? "text";
        if (!(LOG_FILE_FORMATS as readonly string[]).includes(format))
          throw new FleetError(400, `format must be one of ${LOG_FILE_FORMATS.join(", ")}`);
        bot.writeLogFile({ path: file, format: format as LogFileFormat });
      } else if (method === "DELETE") bot.writeLogFile(null);
      return json(200, { target: bot.name, logFile: bot.logFileInfo });
    }
    const calls = /^\/systems\/([^/]+)\/control-calls$/.exec(path);
    if (method === "GET" && calls) return json(200, { calls: this.controlCalls(decodeURIComponent(calls[1]!)) });
    return json(404, { error: `no admin route ${method} ${path}` });
  }
}

export async function startFleet(opts: StartFleetOptions): Promise<Fleet> {
  const fleet = Fleet.build(opts);
  try {
    await fleet.listen(opts);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}

/** Systems whose halts the `ignores-halt` fault can make them ignore. */
function haltable(sys: SimSystem): { ignoresHalt: boolean } | null {
  return sys instanceof SpotExchange || sys instanceof TradingBot ? sys : null;
}
