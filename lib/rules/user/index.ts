import { readFileSync, statSync } from "node:fs";
import { env } from "../../env";
import { RULES } from "../index";
import type { AnyRule } from "../types";
import { compileUserRule, namePattern, ruleMetrics } from "./evaluate";
import { RulesFileError, formatProblem, metricLine, parseRulesFile, type UserRuleSpec } from "./schema";

function where(spec: UserRuleSpec): string {
  const at = metricLine(spec);
  return at ? `${at.file}${at.line !== undefined ? `:${at.line}` : ""}: ` : "";
}

// The rules file the running console uses (WATCHFLOOR_RULES_FILE, default config/rules.yaml).
// Read and validated at start-up (a bad file stops start-up with every problem named), then
// watched: the file's modification time and size are checked at most once a second when the rules
// are asked for, and a change is read again without a restart. A bad edit keeps the last good
// rules and says so (userRulesStatus, shown on the sources screen) until the file is fixed.

export { RulesFileError, formatProblem, parseRulesFile, parseDuration, type UserRuleSpec } from "./schema";
export { compileUserRule, ruleKinds, ruleMetrics, renderSummary } from "./evaluate";

export interface UserRulesStatus {
  file: string;
  /** Whether the file exists (no file: no rules of your own, nothing wrong). */
  present: boolean;
  /** Rules in force. */
  count: number;
  ids: string[];
  /** When the rules in force were read (ms). */
  loadedAt?: number;
  /** The last edit could not be used: its problems; the rules in force are the last good ones. */
  rejected?: { at: number; problems: string[] };
}

/** Ids the rules file may not reuse. */
export function builtInRuleIds(): ReadonlySet<string> {
  return new Set(RULES.map((r) => r.id));
}

/** Reads and compiles a rules file; throws RulesFileError naming file:line, rule and field. */
export function loadRulesFile(file: string): { specs: UserRuleSpec[]; rules: AnyRule[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new RulesFileError(file, [
      { file, message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    ]);
  }
  const specs = parseRulesFile(text, file, builtInRuleIds());
  return { specs, rules: specs.map(compileUserRule) };
}

/** A rules file kept current: re-read when it changes, the last good rules kept on a bad edit. */
export class UserRuleSet {
  private rules: AnyRule[] = [];
  private specs: UserRuleSpec[] = [];
  private stamp = "";
  private checkedAt = -Infinity;
  private present = false;
  private loadedAt?: number;
  private rejected?: { at: number; problems: string[] };

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
    private readonly checkEveryMs = 1000,
  ) {}

  /** First read: throws on a bad file (start-up refuses it); a missing file is no rules. */
  loadOrThrow(): void {
    const stamp = this.fileStamp();
    this.checkedAt = this.now();
    if (stamp === undefined) {
      this.present = false;
      this.stamp = "";
      return;
    }
    const { specs, rules } = loadRulesFile(this.file);
    this.accept(stamp, specs, rules);
  }

  private fileStamp(): string | undefined {
    try {
      const s = statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  private accept(stamp: string, specs: UserRuleSpec[], rules: AnyRule[]) {
    this.stamp = stamp;
    this.present = true;
    this.specs = specs;
    this.rules = rules;
    this.loadedAt = this.now();
    this.rejected = undefined;
  }

  /** The rules in force, after re-reading the file if it changed. */
  current(): readonly AnyRule[] {
    const now = this.now();
    if (now - this.checkedAt < this.checkEveryMs) return this.rules;
    this.checkedAt = now;
    const stamp = this.fileStamp();
    if (stamp === undefined) {
      // Removed: no rules of your own any more (deleting the file is a deliberate change).
      if (this.present) {
        console.warn(`[rules] ${this.file} was removed: no rules of your own are in force`);
        this.present = false;
        this.rules = [];
        this.specs = [];
        this.stamp = "";
        this.rejected = undefined;
      }
      return this.rules;
    }
    if (stamp === this.stamp) return this.rules;
    try {
      const { specs, rules } = loadRulesFile(this.file);
      this.accept(stamp, specs, rules);
      console.info(`[rules] ${this.file} reloaded: ${rules.length} rules in force`);
    } catch (err) {
      this.stamp = stamp; // do not re-read the same bad content every second
      const problems = err instanceof RulesFileError ? err.problems.map(formatProblem) : [(err as Error).message];
      this.rejected = { at: now, problems };
      console.error(
        `[rules] ${this.file} has problems; the last good rules stay in force:\n  ${problems.join("\n  ")}`,
      );
    }
    return this.rules;
  }

  specsInForce(): readonly UserRuleSpec[] {
    return this.specs;
  }

  status(): UserRulesStatus {
    const s: UserRulesStatus = {
      file: this.file,
      present: this.present,
      count: this.rules.length,
      ids: this.rules.map((r) => r.id),
    };
    if (this.loadedAt !== undefined) s.loadedAt = this.loadedAt;
    if (this.rejected) s.rejected = this.rejected;
    return s;
  }
}

const KEY = Symbol.for("watchfloor.user-rules");

function shared(): UserRuleSet {
  const g = globalThis as { [KEY]?: UserRuleSet };
  if (!g[KEY]) {
    const set = new UserRuleSet(env().WATCHFLOOR_RULES_FILE);
    set.loadOrThrow();
    g[KEY] = set;
  }
  return g[KEY];
}

/** Start-up: reads the rules file, throwing RulesFileError on any problem. */
export function loadStartupUserRules(): UserRulesStatus {
  return shared().status();
}

/** The operator's rules in force now (re-read when the file changed). The board engine adds these to the catalog. */
export function userRules(): readonly AnyRule[] {
  return shared().current();
}

/** The rules file's state for the sources screen. */
export function userRulesStatus(): UserRulesStatus {
  const set = shared();
  set.current();
  return set.status();
}

/**
 * Rules whose metrics no target exported in its last reads: a typo, or an exporter that does not
 * have them. A warning, not an error (the exporter may not have been polled yet).
 */
export function unexportedMetricWarnings(
  specs: readonly UserRuleSpec[],
  targets: ReadonlyArray<{ name: string; kind: string; metrics: ReadonlySet<string> | undefined }>,
): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const kinds = spec.targets?.kinds ?? (spec.targets?.names ? undefined : ["prometheus", "http-json"]);
    const names = spec.targets?.names ? namePattern(spec.targets.names) : undefined;
    const applies = targets.filter(
      (t) => (!kinds || kinds.includes(t.kind as never)) && (!names || names.test(t.name)),
    );
    const polled = applies.filter((t) => t.metrics !== undefined);
    if (!polled.length) continue;
    for (const m of ruleMetrics(spec))
      if (!polled.some((t) => t.metrics!.has(m)))
        out.push(
          `${where(spec)}rule ${spec.id}: no target it applies to (${polled.map((t) => t.name).join(", ")}) exports ${m}`,
        );
  }
  return out;
}

/** The shared rule set (sources screen: rules in force and their specs). */
export function userRuleSet(): UserRuleSet {
  return shared();
}
