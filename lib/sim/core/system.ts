// Base class of a simulated system: name, kind, credential, its own RNG stream, a metrics
// registry, the shared control endpoint, routing, and the scenarios running on it.

import type { SystemKind } from "@/lib/telemetry/model";
import type { SimClock, TimerHandle } from "./clock";
import { ControlEndpoint, checkBearer } from "./control";
import type { Handler, SimRequest, SimResponse } from "./http";
import { json } from "./http";
import { Registry } from "./metrics";
import type { Rng } from "./rng";

export interface SystemContext {
  name: string;
  credential: string;
  clock: SimClock;
  rng: Rng;
}

export interface ScenarioRunContext {
  /** Scenario options given at start (e.g. { profileId } or { symbol }). */
  options: Record<string, unknown>;
  rng: Rng;
  startedAt: number;
  /** Scratch space for the scenario's own bookkeeping (ids it created, etc.). */
  state: Record<string, unknown>;
}

export interface ScenarioStep<S> {
  /** Milliseconds after the scenario starts. */
  at: number;
  /** What happens (or what the system is expected to show) at this point. */
  label: string;
  run?: (sys: S, ctx: ScenarioRunContext) => void;
}

export interface ScenarioDef<S = SimSystem> {
  name: string;
  kind: SystemKind;
  /** Seed runbook the scenario comes from (e.g. "000"). */
  seed: string;
  playbook: string;
  description: string;
  /** self: recovers on its own; control: a control mitigates it; none: needs escalation. */
  recovery: "self" | "control" | "none";
  /** What the operator or the system does to end it. */
  recoveryNote: string;
  steps: ScenarioStep<S>[];
  /** Undo the scenario's injected conditions (stopScenario). */
  stop?: (sys: S, ctx: ScenarioRunContext) => void;
}

/** Types a scenario against its system class; the fleet stores them untyped. */
export function defineScenario<S extends SimSystem>(def: ScenarioDef<S>): ScenarioDef<SimSystem> {
  return def as unknown as ScenarioDef<SimSystem>;
}

export interface ActiveScenario {
  name: string;
  startedAt: string;
  options: Record<string, unknown>;
  def: ScenarioDef<SimSystem>;
  ctx: ScenarioRunContext;
  timers: TimerHandle[];
}

interface Route {
  handler: Handler;
  auth: boolean;
}

export abstract class SimSystem {
  readonly name: string;
  abstract readonly kind: SystemKind;
  readonly credential: string;
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly metrics = new Registry();
  readonly controls: ControlEndpoint;
  readonly scenarios: ActiveScenario[] = [];
  private routes = new Map<string, Route>();
  private scenarioCount = 0;

  constructor(ctx: SystemContext) {
    this.name = ctx.name;
    this.credential = ctx.credential;
    this.clock = ctx.clock;
    this.rng = ctx.rng;
    this.controls = new ControlEndpoint(
      ctx.credential,
      () => this.clock.iso(),
      () => this.authGate(),
    );
  }

  /** Schedules the system's loops on the clock. Called once by the fleet. */
  abstract start(): void;

  /** Refuses correct credentials while set (e.g. the auth provider is unreachable). */
  protected authGate(): { status: number; message: string } | null {
    return null;
  }

  /** Hook after every answered request (e.g. counting responses by status). */
  protected afterResponse(_req: SimRequest, _res: SimResponse): void {}

  /** Process-restart semantics: counters restart from zero. */
  restart(): void {
    this.metrics.resetCounters();
    this.onRestart();
  }

  protected onRestart(): void {}

  protected route(method: string, path: string, handler: Handler, opts: { auth?: boolean } = {}): void {
    this.routes.set(`${method} ${path}`, { handler, auth: opts.auth ?? false });
  }

  iso(ms: number = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  handle(req: SimRequest): SimResponse {
    const res = this.dispatch(req);
    this.afterResponse(req, res);
    return res;
  }

  private dispatch(req: SimRequest): SimResponse {
    if (req.path.startsWith("/control/"))
      return this.controls.handle(decodeURIComponent(req.path.slice("/control/".length)), req);
    if (req.path === "/admin/control-calls") {
      const auth = checkBearer(req, this.credential);
      if (auth.response) return auth.response;
      return json(200, { system: this.name, calls: this.controls.calls() });
    }
    const r = this.routes.get(`${req.method} ${req.path}`);
    if (!r) {
      const other = [...this.routes.keys()].some((k) => k.endsWith(` ${req.path}`));
      return other ? json(405, { error: "method_not_allowed" }) : json(404, { error: "not_found", path: req.path });
    }
    if (r.auth) {
      const auth = checkBearer(req, this.credential, () => this.authGate());
      if (auth.response) return auth.response;
    }
    return r.handler(req);
  }

  /**
   * Starts a scenario. `options.timeScale` (1–60, default 1) runs its timeline that many times
   * faster — the steps come sooner, the system's own cycles keep their pace — for drills and tests
   * that cannot wait out a many-minute playbook.
   */
  startScenario(def: ScenarioDef<SimSystem>, options: Record<string, unknown> = {}): ActiveScenario {
    const scale = options.timeScale ?? 1;
    if (typeof scale !== "number" || !Number.isFinite(scale) || scale < 1 || scale > 60) {
      throw new Error(`timeScale must be a number from 1 to 60, got ${JSON.stringify(scale)}`);
    }
    const startedAt = this.clock.now();
    this.scenarioCount++;
    const ctx: ScenarioRunContext = {
      options,
      rng: this.rng.fork(`scenario/${def.name}/${this.scenarioCount}`),
      startedAt,
      state: {},
    };
    const active: ActiveScenario = { name: def.name, startedAt: this.iso(startedAt), options, def, ctx, timers: [] };
    this.scenarios.push(active);
    for (const step of def.steps) {
      const run = step.run;
      if (!run) continue;
      if (step.at === 0) run(this, ctx);
      else active.timers.push(this.clock.at(startedAt + Math.round(step.at / scale), () => run(this, ctx)));
    }
    return active;
  }

  /** Stops the named scenario, or all of them; returns the names stopped. */
  stopScenario(name?: string): string[] {
    const stopped: string[] = [];
    for (const a of [...this.scenarios]) {
      if (name && a.name !== name) continue;
      for (const t of a.timers) t.cancel();
      a.def.stop?.(this, a.ctx);
      this.scenarios.splice(this.scenarios.indexOf(a), 1);
      stopped.push(a.name);
    }
    return stopped;
  }

  /** True while a scenario of this name runs on the system. */
  hasScenario(name: string): boolean {
    return this.scenarios.some((s) => s.name === name);
  }
}
