import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { validateThresholds } from "../rules";
import { lineFormatOf } from "../telemetry/shipped/line";
import { ConfigError, effectivePollIntervalMs, effectiveTimeoutMs, formatPath, loadFleetConfig, missingSecrets, parseFleetConfig, prometheusMetricsOf, supabaseLedgerOf } from "./fleet";

// Start-up validation of the fleet config: YAML validated with zod, every error naming the path
// of the bad field (README: `targets[2].baseUrl: invalid URL`), all errors reported at once.

const GOOD = `
defaults:
  pollIntervalMs: 2000
targets:
  - name: alpha-bot
    kind: trading-bot
    baseUrl: http://127.0.0.1:4101
    credentials: { bearerTokenEnv: SIM_TOKEN_ALPHA }
  - name: kraken-futures
    kind: futures-bot
    baseUrl: http://127.0.0.1:4103
    pollIntervalMs: 5000
  - name: spot-exchange
    kind: spot-exchange
    baseUrl: https://exchange.internal:8443
    thresholds:
      settlement_lag: { t2Seconds: 5, t3Seconds: 30 }
`;

/** The GOOD config with one line replaced. */
function edit(from: string, to: string): string {
  expect(GOOD, `fixture contains ${from}`).toContain(from);
  return GOOD.replace(from, to);
}

/** The problems parseFleetConfig reports (fails the test when it does not throw). */
function problems(text: string): string[] {
  try {
    parseFleetConfig(text, "fleet.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("parseFleetConfig accepted the config");
}

describe("parseFleetConfig", () => {
  it("parses a good config and fills in the defaults", () => {
    const cfg = parseFleetConfig(GOOD);
    expect(cfg.targets.map((t) => [t.name, t.kind])).toEqual([
      ["alpha-bot", "trading-bot"],
      ["kraken-futures", "futures-bot"],
      ["spot-exchange", "spot-exchange"],
    ]);
    expect(cfg.targets[0]).toMatchObject({ simulated: false, credentials: { bearerTokenEnv: "SIM_TOKEN_ALPHA" }, thresholds: {} });
    expect(cfg.defaults).toEqual({ pollIntervalMs: 2000, maxResponseBytes: 5 * 1024 * 1024 });
    expect(cfg.controls).toEqual({ ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$", approvalTtlMinutes: 10, rateLimitPerMinute: 10, policy: {} });
    expect(effectivePollIntervalMs(cfg, cfg.targets[0]!)).toBe(2000);
    expect(effectivePollIntervalMs(cfg, cfg.targets[1]!)).toBe(5000);
    // No timeout given: 5 s, or the interval when that is shorter, so a poll ends before the next.
    expect(effectiveTimeoutMs(cfg, cfg.targets[0]!)).toBe(2000);
    expect(effectiveTimeoutMs(cfg, cfg.targets[1]!)).toBe(5000);
  });

  it("the shipped config/fleet.yaml is valid, thresholds included", () => {
    const cfg = loadFleetConfig(path.resolve(__dirname, "../../config/fleet.yaml"));
    expect(cfg.targets.length).toBeGreaterThan(0);
    expect(validateThresholds(cfg.targets)).toEqual([]);
  });

  const mistakes: [what: string, text: string, expected: string | RegExp][] = [
    ["a bad URL", edit("baseUrl: https://exchange.internal:8443", "baseUrl: not a url"), "targets[2].baseUrl: invalid URL"],
    ["a non-http URL", edit("baseUrl: http://127.0.0.1:4103", "baseUrl: ftp://127.0.0.1:4103"), "targets[1].baseUrl: must be an http(s) URL"],
    ["an unknown kind", edit("kind: futures-bot", "kind: options-bot"), "targets[1].kind: must be one of trading-bot, futures-bot, spot-exchange, prometheus, http-json"],
    ["a negative poll interval", edit("pollIntervalMs: 5000", "pollIntervalMs: -5000"), "targets[1].pollIntervalMs: must be at least 250 ms"],
    ["a negative default poll interval", edit("  pollIntervalMs: 2000", "  pollIntervalMs: -1"), /^defaults\.pollIntervalMs: /],
    ["a poll interval given as a string", edit("pollIntervalMs: 5000", 'pollIntervalMs: "5s"'), /^targets\[1\]\.pollIntervalMs: /],
    ["a duplicate target name", edit("name: kraken-futures", "name: alpha-bot"), 'targets[1].name: duplicate name "alpha-bot" (also targets[0])'],
    ["an upper-case target name", edit("name: spot-exchange", "name: Spot_Exchange"), "targets[2].name: must be lower-case letters, digits and dashes"],
    ["a misspelt target field", edit("pollIntervalMs: 5000", "pollInterval: 5000"), /^targets\[1\]: .*pollInterval/],
    ["a credential that is not an environment variable name", edit("bearerTokenEnv: SIM_TOKEN_ALPHA", "bearerTokenEnv: sim-token"), "targets[0].credentials.bearerTokenEnv: must be an environment variable name (A-Z, 0-9, _)"],
    ["a threshold rule id that is not a rule id", edit("settlement_lag: {", "Settlement Lag: {"), "targets[2].thresholds.Settlement Lag: rule ids are lower-case words joined by _ . or -"],
    ["a ticket pattern that is not a regular expression", `${GOOD}controls:\n  ticketPattern: "[A-Z"\n`, "controls.ticketPattern: is not a valid regular expression"],
    ["a ticket link template without {id}", `${GOOD}controls:\n  ticketUrlTemplate: "https://tracker.example/browse/"\n`, "controls.ticketUrlTemplate: must contain {id} where the ticket ID goes"],
    ["a ticket link template that is no http(s) URL", `${GOOD}controls:\n  ticketUrlTemplate: "javascript:alert({id})"\n`, "controls.ticketUrlTemplate: must be an http(s) URL"],
    ["a policy role that does not exist", `${GOOD}controls:\n  policy:\n    kill-switch: { role: boss }\n`, "controls.policy.kill-switch.role: must be responder, commander or admin"],
    ["a share default longer than the maximum", `${GOOD}share:\n  defaultHours: 48\n  maxHours: 24\n`, "share.defaultHours: defaultHours must not exceed maxHours"],
    ["a target timeout longer than its poll interval", edit("    pollIntervalMs: 5000", "    pollIntervalMs: 5000\n    timeoutMs: 6000"), "targets[1].timeoutMs: 6000 ms is longer than kraken-futures's poll interval (5000 ms): a poll must end before the next is due; set timeoutMs to at most pollIntervalMs"],
    ["a default timeout longer than a target's poll interval", edit("  pollIntervalMs: 2000", "  pollIntervalMs: 2000\n  timeoutMs: 3000"), "defaults.timeoutMs: 3000 ms is longer than the poll interval of alpha-bot (2000 ms), spot-exchange (2000 ms): a poll must end before the next is due; lower it or give those targets their own timeoutMs"],
    ["an unknown top-level section", `${GOOD}alerts: {}\n`, /^\(root\): .*alerts/],
  ];
  for (const [what, text, expected] of mistakes) {
    it(`refuses ${what}, naming the field path`, () => {
      const p = problems(text);
      expect(p, p.join("\n")).toHaveLength(1);
      if (typeof expected === "string") expect(p[0]).toBe(expected);
      else expect(p[0]).toMatch(expected);
    });
  }

  it("refuses a config without targets", () => {
    expect(problems("defaults: {}\n")).toEqual([expect.stringMatching(/^targets: /)]);
  });

  it("reports every mistake at once, and the message names the file and each path", () => {
    const text = GOOD.replace("kind: futures-bot", "kind: options-bot").replace("baseUrl: https://exchange.internal:8443", "baseUrl: nope").replace("pollIntervalMs: 5000", "pollIntervalMs: 0");
    let err: unknown;
    try {
      parseFleetConfig(text, "config/fleet.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe("config/fleet.yaml");
    expect(e.problems.map((p) => p.split(":")[0]).sort()).toEqual(["targets[1].kind", "targets[1].pollIntervalMs", "targets[2].baseUrl"]);
    expect(e.message).toMatch(/^Invalid fleet config config\/fleet\.yaml:\n {2}- /);
    expect(e.message).toContain("  - targets[2].baseUrl: invalid URL");
  });

  it("bad YAML syntax names the line and column", () => {
    const p = problems("targets:\n  - name: alpha-bot\n    kind: [trading-bot\n");
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(/^line \d+, column \d+: /);
  });

  it("bad indentation is a YAML error, not a silently different config", () => {
    const p = problems("targets:\n  - name: alpha-bot\n     kind: trading-bot\n    baseUrl: http://127.0.0.1:4101\n");
    expect(p[0]).toMatch(/^line \d+, column \d+: /);
  });

  it("a key given twice is refused (the second would silently win)", () => {
    const p = problems(edit("baseUrl: http://127.0.0.1:4101", "baseUrl: http://127.0.0.1:4101\n    baseUrl: http://127.0.0.1:4199"));
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(/^line 8, column \d+: .*unique/i);
  });
});

describe("sources per part: ledger and metrics", () => {
  const BOT = "    credentials: { bearerTokenEnv: SIM_TOKEN_ALPHA }";
  const withBot = (lines: string) => edit(BOT, `${BOT}\n${lines}`);

  it("takes a Supabase ledger with its defaults, and a Prometheus metrics source", () => {
    const cfg = parseFleetConfig(
      withBot("    ledger: { from: supabase, urlEnv: LEDGER_URL, keyEnv: LEDGER_KEY }\n    metrics: { from: prometheus, url: 'http://prom:9090', selector: '{job=\"alpha-bot\"}' }"),
    );
    const bot = cfg.targets[0]!;
    expect(supabaseLedgerOf(bot)).toEqual({ from: "supabase", urlEnv: "LEDGER_URL", keyEnv: "LEDGER_KEY", table: "capital_ledger", schema: "public", maxRows: 1000 });
    expect(prometheusMetricsOf(bot)).toEqual({ from: "prometheus", url: "http://prom:9090", selector: '{job="alpha-bot"}' });
    // Unset, every part is read from the target itself.
    expect(supabaseLedgerOf(cfg.targets[2]!)).toBeUndefined();
    expect(prometheusMetricsOf(cfg.targets[2]!)).toBeUndefined();
  });

  it("takes the Supabase credentials from credentials.supabaseUrlEnv/KeyEnv when the ledger does not name them", () => {
    const cfg = parseFleetConfig(edit(BOT, "    credentials: { bearerTokenEnv: SIM_TOKEN_ALPHA, supabaseUrlEnv: SB_URL, supabaseKeyEnv: SB_KEY }\n    ledger: { from: supabase, table: ledger_v2 }"));
    expect(supabaseLedgerOf(cfg.targets[0]!)).toMatchObject({ urlEnv: "SB_URL", keyEnv: "SB_KEY", table: "ledger_v2" });
  });

  const mistakes: Array<[string, string, string]> = [
    ["an unknown ledger source", withBot("    ledger: { from: postgres }"), 'targets[0].ledger.from: must be "health" (the health document) or "supabase"'],
    ["a Supabase ledger without a URL variable", withBot("    ledger: { from: supabase, keyEnv: K }"), "targets[0].ledger.urlEnv: required: the environment variable holding the Supabase project URL (or set credentials.supabaseUrlEnv)"],
    ["a table name PostgREST cannot take", withBot("    ledger: { from: supabase, urlEnv: U, keyEnv: K, table: 'capital ledger' }"), "targets[0].ledger.table: must be a table/column name (letters, digits, _; not starting with a digit)"],
    ["a misspelt ledger field", withBot("    ledger: { from: supabase, urlEnv: U, keyEnv: K, statusColum: status }"), "targets[0].ledger: Unrecognized key: \"statusColum\""],
    ["a ledger on a futures bot", edit("    pollIntervalMs: 5000", "    pollIntervalMs: 5000\n    ledger: { from: health }"), "targets[1].ledger: only trading bots have a ledger source (this target is a futures-bot)"],
    ["a metrics source on a futures bot", edit("    pollIntervalMs: 5000", "    pollIntervalMs: 5000\n    metrics: { from: scrape }"), "targets[1].metrics: a futures-bot exports no Prometheus metrics; only trading-bot and spot-exchange targets take a metrics source"],
    ["an unknown metrics source", withBot("    metrics: { from: thanos }"), `targets[0].metrics.from: must be "scrape" (the target's /metrics) or "prometheus" (a Prometheus server)`],
    ["a Prometheus selector without a matcher", withBot("    metrics: { from: prometheus, url: 'http://prom:9090', selector: '{}' }"), 'targets[0].metrics.selector: must name at least one label matcher, e.g. {job="alpha-bot"}'],
    ["a Prometheus URL that is not http(s)", withBot("    metrics: { from: prometheus, url: 'ftp://prom', selector: '{job=\"a\"}' }"), "targets[0].metrics.url: must be an http(s) URL"],
    ["Supabase credentials on a target whose ledger is not in Supabase", edit(BOT, "    credentials: { bearerTokenEnv: SIM_TOKEN_ALPHA, supabaseKeyEnv: SB_KEY }"), "targets[0].credentials.supabaseKeyEnv: is read only with ledger: { from: supabase } on this target"],
  ];
  for (const [what, text, expected] of mistakes) {
    it(`refuses ${what}, naming the field`, () => {
      expect(problems(text)).toEqual([expected]);
    });
  }

  it("start-up names a ledger or Prometheus secret that is not set, and a URL variable that holds no URL", () => {
    const cfg = parseFleetConfig(
      withBot("    ledger: { from: supabase, urlEnv: LEDGER_URL, keyEnv: LEDGER_KEY }\n    metrics: { from: prometheus, url: 'http://prom:9090', selector: '{job=\"a\"}', bearerTokenEnv: PROM_TOKEN }"),
    );
    expect(missingSecrets(cfg, (n) => (n === "SIM_TOKEN_ALPHA" ? "t" : undefined))).toEqual([
      "targets[0].ledger.urlEnv: environment variable LEDGER_URL is not set",
      "targets[0].ledger.keyEnv: environment variable LEDGER_KEY is not set",
      "targets[0].metrics.bearerTokenEnv: environment variable PROM_TOKEN is not set",
    ]);
    expect(missingSecrets(cfg, (n) => (n === "LEDGER_URL" ? "project.supabase.co" : "set"))).toEqual(["targets[0].ledger.urlEnv: environment variable LEDGER_URL is not an http(s) URL"]);
    expect(missingSecrets(cfg, (n) => (n === "LEDGER_URL" ? "https://abc.supabase.co" : "set"))).toEqual([]);
  });
});

describe("a target's logs format", () => {
  it("defaults to auto with the runbook's patterns, and takes its own patterns and regex", () => {
    expect(parseFleetConfig(GOOD).targets[1]!.logs).toBeUndefined();
    expect(lineFormatOf(undefined).format).toBe("auto");
    const cfg = parseFleetConfig(edit("    pollIntervalMs: 5000", '    pollIntervalMs: 5000\n    logs: { format: regex, patterns: [CYCLE_SUMMARY, { match: "recon done", kind: RECONCILIATION_REPORT }], fieldsRegex: "(?<orphaned>\\\\d+) orphaned" }'));
    const f = lineFormatOf(cfg.targets[1]!.logs);
    expect(f.patterns).toEqual([{ match: "CYCLE_SUMMARY", kind: "CYCLE_SUMMARY" }, { match: "recon done", kind: "RECONCILIATION_REPORT" }]);
    expect(f.fieldsRegex?.exec("3 orphaned")?.groups).toEqual({ orphaned: "3" });
  });

  it("names each bad logs setting", () => {
    const bad = (logs: string) => problems(edit("    pollIntervalMs: 5000", `    pollIntervalMs: 5000\n    logs: ${logs}`));
    expect(bad("{ format: xml }")).toEqual([expect.stringMatching(/^targets\[1\]\.logs\.format: must be one of auto, text, structlog, journald, regex/)]);
    expect(bad("{ format: regex }")).toEqual(['targets[1].logs.fieldsRegex: is required when format is "regex"']);
    expect(bad('{ format: regex, fieldsRegex: "(?<a>[" }')).toEqual(["targets[1].logs.fieldsRegex: is not a valid regular expression"]);
    expect(bad('{ fieldsRegex: "(\\\\d+)" }')).toEqual([expect.stringMatching(/^targets\[1\]\.logs\.fieldsRegex: needs at least one named group/)]);
    expect(bad("{ patterns: [lower_case] }")).toEqual([expect.stringMatching(/^targets\[1\]\.logs\.patterns\[0\]/)]);
  });
});

describe("formatPath", () => {
  it("writes zod paths the way the README shows them", () => {
    expect(formatPath(["targets", 2, "baseUrl"])).toBe("targets[2].baseUrl");
    expect(formatPath(["targets", 0, "thresholds", "settlement_lag", "t2Seconds"])).toBe("targets[0].thresholds.settlement_lag.t2Seconds");
    expect(formatPath([])).toBe("(root)");
  });
});

describe("loadFleetConfig and missingSecrets", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-fleet-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a missing file names the file", () => {
    const file = path.join(dir, "nope.yaml");
    expect(() => loadFleetConfig(file)).toThrow(ConfigError);
    expect(() => loadFleetConfig(file)).toThrow(`Invalid fleet config ${file}:\n  - cannot read file: ENOENT`);
  });

  it("a secret named by the config but not set names the credential path and the variable", () => {
    const cfg = parseFleetConfig(GOOD.replace("    pollIntervalMs: 5000", "    pollIntervalMs: 5000\n    credentials: { ingestTokenEnv: SIM_INGEST_KRAKEN }"));
    expect(missingSecrets(cfg, (name) => (name === "SIM_TOKEN_ALPHA" ? "t" : undefined))).toEqual(["targets[1].credentials.ingestTokenEnv: environment variable SIM_INGEST_KRAKEN is not set"]);
    expect(missingSecrets(cfg, () => "set")).toEqual([]);
  });
});

describe("start-up (loadStartupConfig): threshold overrides are checked against the rule catalog", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wf-startup-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  async function startWith(text: string): Promise<() => unknown> {
    const file = path.join(dir, `fleet-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    vi.stubEnv("WATCHFLOOR_FLEET_CONFIG", file);
    vi.stubEnv("SIM_TOKEN_ALPHA", "t");
    vi.resetModules();
    const { loadStartupConfig } = await import("./current");
    return loadStartupConfig;
  }
  function startupProblems(load: () => unknown): string[] {
    try {
      load();
    } catch (err) {
      // boot was re-imported (fresh env), so its ConfigError is a different class object.
      expect((err as Error).name).toBe("ConfigError");
      return (err as ConfigError).problems;
    }
    throw new Error("start-up accepted the config");
  }

  it("the good config starts", async () => {
    const load = await startWith(GOOD);
    expect(load()).toMatchObject({ targets: [{ name: "alpha-bot" }, { name: "kraken-futures" }, { name: "spot-exchange" }] });
  });

  it("an override for a rule that does not exist stops start-up, naming the path", async () => {
    const load = await startWith(edit("settlement_lag: {", "setlement_lag: {"));
    expect(startupProblems(load)).toEqual(['targets[2].thresholds.setlement_lag: unknown rule "setlement_lag"']);
  });

  it("an override for a rule of another kind, an unknown parameter or a bad value stops start-up", async () => {
    const load = await startWith(
      edit("settlement_lag: { t2Seconds: 5, t3Seconds: 30 }", 'settlement_lag: { t2Secs: 5, t3Seconds: "30s" }\n      capital_invariant: { reconciliationIntervalSeconds: 60 }'),
    );
    const p = startupProblems(load);
    expect(p).toContain("targets[2].thresholds.capital_invariant: rule capital_invariant applies to trading-bot, not spot-exchange");
    expect(p).toContainEqual(expect.stringMatching(/^targets\[2\]\.thresholds\.settlement_lag\.t2Secs: unknown parameter \(known: .*t2Seconds/));
    expect(p).toContainEqual(expect.stringMatching(/^targets\[2\]\.thresholds\.settlement_lag\.t3Seconds: /));
    expect(p).toHaveLength(3);
  });

  it("a missing secret stops start-up too, together with the threshold problems", async () => {
    const load = await startWith(edit("settlement_lag: {", "setlement_lag: {"));
    vi.stubEnv("SIM_TOKEN_ALPHA", "");
    expect(startupProblems(load).sort()).toEqual(["targets[0].credentials.bearerTokenEnv: environment variable SIM_TOKEN_ALPHA is not set", 'targets[2].thresholds.setlement_lag: unknown rule "setlement_lag"']);
  });

  it("the shipped config file is what start-up reads by default", () => {
    expect(readFileSync(path.resolve(__dirname, "../../config/fleet.yaml"), "utf8")).toContain("targets:");
  });
});
