import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  AUTO_FORMAT,
  DEFAULT_LOG_PATTERNS,
  parseShippedEntry,
  shippedId,
  timePrefix,
  timeValue,
  type LineFormat,
  type LineOutcome,
} from "./line";
import { parseLogfmt } from "./logfmt";

const runs = Number(process.env.FC_NUM_RUNS ?? 300);
const SRC = "kraken-futures";
const T = Date.parse("2026-12-05T10:15:02.118Z");

const report = (o: LineOutcome) => {
  if (o.status !== "report") throw new Error(`expected a report, got ${JSON.stringify(o)}`);
  return o.report;
};

describe("plain text lines as a Python logging bot writes them", () => {
  it("reads the futures-bot runbook's example line: time prefix, level, pattern, key=value, embedded JSON", () => {
    const line =
      '2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT orphaned=0 phantom=1 qty_mismatch=0 issues=[{"type":"PHANTOM","symbol":"PF_XBTUSD","registry_qty":0.5}]';
    const r = report(parseShippedEntry({ record: line }, SRC));
    expect(r).toEqual({
      system: SRC,
      kind: "RECONCILIATION_REPORT",
      id: shippedId(SRC, T, line),
      observedAt: T,
      fields: {
        orphaned: 0,
        phantom: 1,
        qty_mismatch: 0,
        issues: [{ type: "PHANTOM", symbol: "PF_XBTUSD", registry_qty: 0.5 }],
        level: "info",
      },
    });
  });

  it("maps the runbook's phrase pattern to its kind and keeps free words as the message", () => {
    const r = report(
      parseShippedEntry(
        {
          record:
            "2026-12-05 10:15:02,118 - src.api - WARNING - API circuit breaker OPENED after 3 failures retry_in_s=60",
        },
        SRC,
      ),
    );
    expect(r.kind).toBe("API_CIRCUIT_BREAKER_OPENED");
    expect(r.fields).toEqual({ retry_in_s: 60, message: "after 3 failures", level: "warning" });
  });

  it("reads a whole embedded JSON object after the pattern", () => {
    const r = report(
      parseShippedEntry(
        {
          record:
            '2026-12-05T10:15:02.118Z ERROR KILL_SWITCH_ACTIVATED {"reason":"margin_critical","auction_max_margin_util":91.2}',
        },
        SRC,
      ),
    );
    expect(r).toMatchObject({
      kind: "KILL_SWITCH_ACTIVATED",
      observedAt: T,
      fields: { reason: "margin_critical", auction_max_margin_util: 91.2, level: "error" },
    });
  });

  it("takes the earliest pattern, so a pattern named inside the fields does not change the kind", () => {
    const r = report(
      parseShippedEntry(
        { record: "2026-12-05 10:15:02,118 ERROR KILL_SWITCH_ACTIVATED reason=INVARIANT_VIOLATION" },
        SRC,
      ),
    );
    expect(r.kind).toBe("KILL_SWITCH_ACTIVATED");
    expect(r.fields.reason).toBe("INVARIANT_VIOLATION");
  });

  it("matches whole words only", () => {
    expect(
      parseShippedEntry({ record: "2026-12-05 10:15:02,118 INFO XCYCLE_SUMMARY n=1", shipperTime: T }, SRC),
    ).toMatchObject({ status: "unparsed" });
    expect(
      parseShippedEntry({ record: "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY_V2 n=1", shipperTime: T }, SRC),
    ).toMatchObject({ status: "unparsed" });
  });

  it("honours a zone offset and reads naive times as UTC", () => {
    expect(timePrefix("2026-12-05 11:15:02,118+01:00 x")?.ms).toBe(T);
    expect(timePrefix("2026-12-05 10:15:02.118 x")?.ms).toBe(T);
    expect(timePrefix("2026-02-30 10:15:02 x")).toBeNull();
    expect(timePrefix("Dec 5 10:15:02 x")).toBeNull();
  });

  it("reads epoch seconds, milliseconds, microseconds and nanoseconds, as numbers or digit strings", () => {
    expect(timeValue(T / 1000)).toBe(T);
    expect(timeValue(T)).toBe(T);
    expect(timeValue(`${T}000`)).toBe(T);
    expect(timeValue(`${T}000000`)).toBe(T);
    expect(timeValue("2026-12-05T10:15:02.118Z")).toBe(T);
    expect(timeValue("yesterday")).toBeNull();
    expect(timeValue(42)).toBeNull();
  });

  it("a line without a pattern is unparsed (not an error), with the reason", () => {
    expect(
      parseShippedEntry({ record: "2026-12-05 10:15:02,118 INFO Starting bot v1.4", shipperTime: T }, SRC),
    ).toEqual({
      status: "unparsed",
      line: "2026-12-05 10:15:02,118 INFO Starting bot v1.4",
      reason: "no known log pattern in the line",
    });
  });

  it("rejects a pattern with unreadable fields, naming the kind and the problem", () => {
    expect(
      parseShippedEntry(
        { record: '2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT orphaned=0 note="unclosed' },
        SRC,
      ),
    ).toEqual({
      status: "rejected",
      error: 'RECONCILIATION_REPORT: value of "note" has an opening quote and no closing quote',
    });
    expect(
      parseShippedEntry({ record: '2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT issues=[{"type":}]' }, SRC),
    ).toMatchObject({
      status: "rejected",
      error: expect.stringMatching(/^RECONCILIATION_REPORT: value of "issues" is not valid JSON/),
    });
    expect(
      parseShippedEntry({ record: '2026-12-05 10:15:02,118 INFO KILL_SWITCH_ACTIVATED {"reason":' }, SRC),
    ).toMatchObject({
      status: "rejected",
      error: expect.stringMatching(/^KILL_SWITCH_ACTIVATED: the embedded JSON is not valid/),
    });
  });

  it("rejects a record with no time anywhere, and takes the shipper's time when the line has none", () => {
    expect(parseShippedEntry({ record: "RECONCILIATION_REPORT orphaned=1" }, SRC)).toEqual({
      status: "rejected",
      error: "RECONCILIATION_REPORT: the record carries no time (no timestamp prefix, time field or shipper timestamp)",
    });
    expect(
      report(parseShippedEntry({ record: "RECONCILIATION_REPORT orphaned=1", shipperTime: T }, SRC)).observedAt,
    ).toBe(T);
    // The line's own time wins over the shipper's read time.
    expect(
      report(
        parseShippedEntry(
          { record: "2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT orphaned=1", shipperTime: T + 5000 },
          SRC,
        ),
      ).observedAt,
    ).toBe(T);
  });

  it("rejects a line over 64 KiB", () => {
    const long = `2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY note="${"x".repeat(64 * 1024)}"`;
    expect(parseShippedEntry({ record: long }, SRC)).toEqual({
      status: "rejected",
      error: "line is longer than 64 KiB",
    });
  });

  it("the same source, time and line give the same id; any difference gives another", () => {
    const line = "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY positions=3";
    const a = report(parseShippedEntry({ record: line }, SRC)).id;
    expect(report(parseShippedEntry({ record: line, labels: { job: "x" } }, SRC)).id).toBe(a);
    expect(report(parseShippedEntry({ record: line }, "other")).id).not.toBe(a);
    expect(report(parseShippedEntry({ record: line.replace("=3", "=4") }, SRC)).id).not.toBe(a);
    expect(report(parseShippedEntry({ record: "CYCLE_SUMMARY positions=3", shipperTime: T }, SRC)).id).not.toBe(
      report(parseShippedEntry({ record: "CYCLE_SUMMARY positions=3", shipperTime: T + 1 }, SRC)).id,
    );
  });

  it("labels become fields, below the line's own fields", () => {
    const r = report(
      parseShippedEntry(
        {
          record: "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY job=bot",
          labels: { job: "trading-bot", host: "droplet-1" },
        },
        SRC,
      ),
    );
    expect(r.fields).toEqual({ job: "bot", host: "droplet-1", level: "info" });
  });

  it("uses a configured named-group regex and configured patterns", () => {
    const fmt: LineFormat = {
      format: "regex",
      patterns: [{ match: "recon done", kind: "RECONCILIATION_REPORT" }],
      fieldsRegex: /(?<orphaned>\d+) orphaned, (?<phantom>\d+) phantom(?: \((?<note>[^)]*)\))?/,
    };
    const r = report(
      parseShippedEntry(
        { record: "2026-12-05 10:15:02,118 recon done: 2 orphaned, 0 phantom", shipperTime: T },
        SRC,
        fmt,
      ),
    );
    expect(r).toMatchObject({ kind: "RECONCILIATION_REPORT", fields: { orphaned: 2, phantom: 0 } });
    expect(parseShippedEntry({ record: "2026-12-05 10:15:02,118 recon done: nothing" }, SRC, fmt)).toEqual({
      status: "rejected",
      error: "RECONCILIATION_REPORT: the fields do not match the configured fieldsRegex",
    });
    // The default patterns are not used when the target configures its own.
    expect(parseShippedEntry({ record: "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY n=1" }, SRC, fmt)).toMatchObject({
      status: "unparsed",
    });
  });
});

describe("structured records understood without configuration", () => {
  it("structlog JSON: the event is the pattern, the other keys are the fields, the timestamp is the time", () => {
    const line = JSON.stringify({
      event: "RECONCILIATION_REPORT",
      orphaned: 2,
      phantom: 0,
      issues: [{ type: "ORPHANED", symbol: "PF_ETHUSD" }],
      level: "warning",
      timestamp: "2026-12-05T10:15:02.118Z",
      logger: "recon",
    });
    const r = report(parseShippedEntry({ record: line }, SRC));
    expect(r).toEqual({
      system: SRC,
      kind: "RECONCILIATION_REPORT",
      id: shippedId(SRC, T, line),
      observedAt: T,
      fields: {
        orphaned: 2,
        phantom: 0,
        issues: [{ type: "ORPHANED", symbol: "PF_ETHUSD" }],
        level: "warning",
        logger: "recon",
      },
    });
  });

  it("journald JSON export: MESSAGE is the line, __REALTIME_TIMESTAMP (µs) the time, unit and identifier kept", () => {
    const rec = {
      __CURSOR: "s=abc;i=1",
      __REALTIME_TIMESTAMP: `${T}000`,
      _SYSTEMD_UNIT: "trading-bot.service",
      SYSLOG_IDENTIFIER: "python3",
      PRIORITY: "6",
      MESSAGE: "KILL_SWITCH_ACTIVATED reason=margin_critical auction_max_margin_util=91.2",
    };
    const r = report(parseShippedEntry({ record: rec }, SRC));
    expect(r).toMatchObject({
      kind: "KILL_SWITCH_ACTIVATED",
      observedAt: T,
      fields: {
        reason: "margin_critical",
        auction_max_margin_util: 91.2,
        systemd_unit: "trading-bot.service",
        syslog_identifier: "python3",
      },
    });
    // The same record as a JSON line (journalctl -o json piped by a shipper).
    expect(report(parseShippedEntry({ record: JSON.stringify(rec) }, SRC)).fields.reason).toBe("margin_critical");
    // Fluent Bit's systemd input: journal fields, the time under its own date key.
    expect(
      report(
        parseShippedEntry(
          { record: { date: T / 1000, _SYSTEMD_UNIT: "trading-bot.service", MESSAGE: "CYCLE_SUMMARY positions=1" } },
          SRC,
        ),
      ),
    ).toMatchObject({ observedAt: T, fields: { systemd_unit: "trading-bot.service" } });
    // A binary MESSAGE is exported as bytes.
    const bytes = { ...rec, MESSAGE: [...Buffer.from("CYCLE_SUMMARY positions=1")] };
    expect(report(parseShippedEntry({ record: bytes }, SRC))).toMatchObject({
      kind: "CYCLE_SUMMARY",
      fields: { positions: 1 },
    });
  });

  it("a shipper's JSON with a message field: the message is parsed, the time field used, other scalars kept", () => {
    const r = report(
      parseShippedEntry(
        {
          record: {
            message: "INFO CYCLE_SUMMARY positions=3",
            "@timestamp": "2026-12-05T10:15:02.118Z",
            host: "droplet-1",
          },
        },
        SRC,
      ),
    );
    expect(r).toMatchObject({ kind: "CYCLE_SUMMARY", observedAt: T, fields: { positions: 3, host: "droplet-1" } });
    // Fluent Bit's http output: `date` in epoch seconds, `log` holding the line.
    expect(
      report(parseShippedEntry({ record: { date: T / 1000, log: "CYCLE_SUMMARY positions=3" } }, SRC)).observedAt,
    ).toBe(T);
  });

  it("names what is wrong with a structured record", () => {
    expect(parseShippedEntry({ record: { host: "x" } }, SRC)).toEqual({
      status: "rejected",
      error: "record has no message field (one of message, msg, log, MESSAGE, line, event)",
    });
    expect(parseShippedEntry({ record: { event: "CYCLE_SUMMARY", timestamp: "soon" } }, SRC)).toEqual({
      status: "rejected",
      error: 'timestamp "soon" is not a timestamp',
    });
    expect(parseShippedEntry({ record: [1, 2] }, SRC)).toEqual({
      status: "rejected",
      error: "a record must be a JSON object or a string, not an array",
    });
    expect(parseShippedEntry({ record: { event: "user logged in", timestamp: T } }, SRC)).toMatchObject({
      status: "unparsed",
    });
  });

  it("a target's format insists on that shape", () => {
    const structlog: LineFormat = { format: "structlog", patterns: DEFAULT_LOG_PATTERNS };
    expect(parseShippedEntry({ record: "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY n=1" }, SRC, structlog)).toEqual({
      status: "unparsed",
      line: "2026-12-05 10:15:02,118 INFO CYCLE_SUMMARY n=1",
      reason: "not a structlog JSON record",
    });
    expect(
      report(parseShippedEntry({ record: '{"event":"CYCLE_SUMMARY","n":1,"timestamp":1764929702}' }, SRC, structlog))
        .fields,
    ).toEqual({ n: 1 });
  });
});

// ------------------------------------------------------------------------------------------ properties

/** How a bot writes key=value fields (independent of the parser): bare where unambiguous, else JSON. */
function formatValue(v: unknown): string {
  if (typeof v === "string")
    return /^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(v) && !["true", "false", "null", "True", "False", "None"].includes(v)
      ? v
      : JSON.stringify(v);
  return JSON.stringify(v);
}
const formatFields = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(" ");

const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/).filter((k) => k !== "level" && k !== "message");
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
const scalar = fc.oneof(
  fc.integer(),
  finite,
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
);
const nested = fc.oneof(
  fc.array(fc.dictionary(key, scalar, { maxKeys: 4 }), { maxLength: 3 }),
  fc.dictionary(key, scalar, { maxKeys: 4 }),
);
const fieldsArb = fc.dictionary(key, fc.oneof(scalar, nested), { maxKeys: 8 });
const kindArb = fc.constantFrom(...DEFAULT_LOG_PATTERNS.map((p) => p.match).filter((m) => /^[A-Z_]+$/.test(m)));
const timeArb = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });
const asctime = (t: number) => new Date(t).toISOString().replace("T", " ").replace(".", ",").replace("Z", "");

describe("line parser properties", () => {
  it("property: never throws on any input, and always answers one of the three outcomes", () => {
    const anything = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string().map((s) => `2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT ${s}`),
      fc.string().map((s) => `CYCLE_SUMMARY ${s}={`),
      fc.jsonValue(),
      fc.anything(),
      fc.dictionary(
        fc.constantFrom("MESSAGE", "__REALTIME_TIMESTAMP", "event", "message", "timestamp", "date", "log"),
        fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer()), fc.jsonValue()),
      ),
    );
    fc.assert(
      fc.property(anything, fc.option(fc.double()), (record, shipperTime) => {
        const out = parseShippedEntry({ record, ...(shipperTime !== null ? { shipperTime } : {}) }, SRC, AUTO_FORMAT);
        expect(["report", "unparsed", "rejected"]).toContain(out.status);
        if (out.status === "report") expect(Number.isFinite(out.report.observedAt)).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("property: key=value fields round-trip through a text line", () => {
    fc.assert(
      fc.property(kindArb, fieldsArb, timeArb, (kind, fields, t) => {
        const line = `${asctime(t)} INFO ${kind} ${formatFields(fields)}`;
        const r = report(parseShippedEntry({ record: line }, SRC));
        expect(r.kind).toBe(kind);
        expect(r.observedAt).toBe(t);
        expect(r.fields).toEqual({ ...fields, level: "info" });
      }),
      { numRuns: runs },
    );
  });

  it("property: embedded JSON and structlog JSON round-trip", () => {
    fc.assert(
      fc.property(kindArb, fieldsArb, timeArb, (kind, fields, t) => {
        expect(
          report(parseShippedEntry({ record: `${asctime(t)} ${kind} ${JSON.stringify(fields)}` }, SRC)).fields,
        ).toEqual(fields);
        const structlog = JSON.stringify({ ...fields, event: kind, timestamp: new Date(t).toISOString() });
        const r = report(parseShippedEntry({ record: structlog }, SRC));
        expect(r.fields).toEqual(fields);
        expect(r.observedAt).toBe(t);
      }),
      { numRuns: runs },
    );
  });

  it("property: logfmt parsing never throws and keeps every written pair", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = parseLogfmt(s);
        expect(typeof out.ok).toBe("boolean");
      }),
      { numRuns: runs },
    );
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        expect(parseLogfmt(formatFields(fields))).toEqual({ ok: true, fields, text: "" });
      }),
      { numRuns: runs },
    );
  });
});
