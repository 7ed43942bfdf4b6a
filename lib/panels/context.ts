import "server-only";
import { requireRole, type Actor } from "../auth/roles";
import { getBoard } from "../board/api";
import { getReplayBoard } from "../replay/api";
import type { BoardFinding, BoardSnapshot, SystemTile } from "../board/snapshot";
import { getFleetConfig } from "../config/current";
import type { TargetConfig } from "../config/fleet";
import { findingId, resolveParams, ruleById, type RuleParams } from "../rules";
import type { Freshness } from "../collector/freshness";
import type { SystemKind } from "../telemetry/model";
import { TelemetryReader } from "./data";
import type { RangeKey } from "./shape";

// What every panel service starts from: the caller checked as a viewer, the current board (for
// findings and each system's freshness), the configured targets and a telemetry reader.

/** A system as the panels show it: its freshness decides whether its values may look healthy. */
export interface PanelSystem {
  name: string;
  label: string;
  kind: SystemKind;
  simulated: boolean;
  freshness: Freshness;
  lastSuccessAt?: number;
  lastError?: string;
}

/** A finding as a panel links to it. */
export interface PanelFinding {
  id: string;
  href: string;
  ruleId: string;
  entity: string;
  title: string;
  summary: string;
  state: BoardFinding["state"];
  severity: BoardFinding["severity"];
  since: number;
  escalationDueAt?: number;
  escalation?: string;
}

export function findingHref(id: string): string {
  return `/findings/${encodeURIComponent(id)}`;
}

export function toPanelFinding(f: BoardFinding): PanelFinding {
  return {
    id: f.id,
    href: findingHref(f.id),
    ruleId: f.ruleId,
    entity: f.entity,
    title: f.title,
    summary: f.summary,
    state: f.state,
    severity: f.severity,
    since: f.since,
    ...(f.escalationDueAt !== undefined ? { escalationDueAt: f.escalationDueAt } : {}),
    ...(f.escalation ? { escalation: f.escalation } : {}),
  };
}

export class PanelContext {
  readonly reader: TelemetryReader;
  private readonly systems: Map<string, SystemTile>;

  constructor(
    readonly now: number,
    readonly board: BoardSnapshot,
    readonly targets: readonly TargetConfig[],
    /** Replayed at a past moment (`now`): telemetry from the database only, up to then. */
    readonly replay = false,
  ) {
    this.reader = new TelemetryReader(now, replay ? null : undefined);
    this.systems = new Map(board.systems.map((s) => [s.name, s]));
  }

  targetsOf(kind: SystemKind): TargetConfig[] {
    return this.targets.filter((t) => t.kind === kind);
  }

  target(name: string): TargetConfig | undefined {
    return this.targets.find((t) => t.name === name);
  }

  system(t: TargetConfig): PanelSystem {
    const tile = this.systems.get(t.name);
    return {
      name: t.name,
      label: t.label ?? t.name,
      kind: t.kind,
      simulated: t.simulated,
      freshness: tile?.freshness ?? "no_data",
      ...(tile?.lastSuccessAt !== undefined ? { lastSuccessAt: tile.lastSuccessAt } : {}),
      ...(tile?.lastError ? { lastError: tile.lastError } : {}),
    };
  }

  /** Open findings (not ok) matching the filter, most urgent first (the board's order). */
  findings(pred: (f: BoardFinding) => boolean): PanelFinding[] {
    return this.board.findings.filter(pred).map(toPanelFinding);
  }

  /** The open finding with this exact id, if any. */
  finding(ruleId: string, system: string, entity: string): PanelFinding | undefined {
    const id = findingId(ruleId, system, entity);
    const f = this.board.findings.find((x) => x.id === id);
    return f ? toPanelFinding(f) : undefined;
  }

  /** A rule's thresholds for a target: seed defaults with the target's overrides. */
  params(ruleId: string, target: TargetConfig): RuleParams {
    const rule = ruleById(ruleId);
    return rule ? resolveParams(rule, target) : {};
  }
}

/**
 * With `at` (a moment from a URL, parsed and checked here), the panels as they were then: the
 * board replayed at that moment and telemetry up to it, so charts end at that moment.
 */
export async function panelContext(actor: Actor | null, now = Date.now(), at?: unknown): Promise<PanelContext> {
  requireRole(actor, "viewer");
  if (at !== undefined) {
    const board = await getReplayBoard(actor, at);
    return new PanelContext(board.replay.at, board, getFleetConfig().targets, true);
  }
  const board = await getBoard(actor);
  return new PanelContext(now, board, getFleetConfig().targets);
}

export interface RangeWindow {
  range: RangeKey;
  from: number;
  to: number;
}
