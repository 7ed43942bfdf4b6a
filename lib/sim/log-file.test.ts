import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseShippedEntry } from "../telemetry/shipped/line";
import { startFleet, type Fleet } from "./fleet";
import { asctime, formatLogLine } from "./log-file";
import type { FuturesBot } from "./systems/futures-bot";

// The simulated futures bot's log file, read back with the console's line parser: every line the
// bot writes, in either format, must come back as the record it logged (kind, time, fields).

const dir = mkdtempSync(path.join(tmpdir(), "wf-sim-log-"));
const fleets: Fleet[] = [];
afterAll(async () => {
  for (const f of fleets) await f.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("log line formats", () => {
  it("writes Python logging's text line: asctime, level, the runbook's pattern, key=value with json.dumps for nested fields", () => {
    const rec = {
      kind: "RECONCILIATION_REPORT",
      ts: "2026-12-05T10:15:02.118Z",
      fields: {
        orphaned: 0,
        phantom: 1,
        ok: false,
        note: "two words",
        issues: [{ type: "PHANTOM", symbol: "PF_XBTUSD", registry_qty: 0.5 }],
      },
    };
    expect(formatLogLine(rec, "text")).toBe(
      '2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT orphaned=0 phantom=1 ok=False note="two words" issues=[{"type": "PHANTOM", "symbol": "PF_XBTUSD", "registry_qty": 0.5}]',
    );
    expect(
      formatLogLine(
        {
          kind: "API_CIRCUIT_BREAKER_OPENED",
          ts: rec.ts,
          fields: { message: "API circuit breaker OPENED", consecutive_failures: 3 },
        },
        "text",
      ),
    ).toBe("2026-12-05 10:15:02,118 ERROR API circuit breaker OPENED consecutive_failures=3");
    expect(formatLogLine(rec, "structlog")).toBe(
      '{"event": "RECONCILIATION_REPORT", "orphaned": 0, "phantom": 1, "ok": false, "note": "two words", "issues": [{"type": "PHANTOM", "symbol": "PF_XBTUSD", "registry_qty": 0.5}], "level": "info", "timestamp": "2026-12-05T10:15:02.118Z"}',
    );
    expect(asctime("2026-12-05T10:15:02.118Z")).toBe("2026-12-05 10:15:02,118");
  });
});

describe.each(["text", "structlog"] as const)("the simulated futures bot writing %s", (format) => {
  it("every line parses back to the record the bot logged", async () => {
    const file = path.join(dir, `bot-${format}.log`);
    const fleet = await startFleet({
      config: {
        seed: 7,
        host: "127.0.0.1",
        adminPort: 0,
        systems: [
          {
            name: "kraken-futures",
            kind: "futures-bot",
            port: 0,
            credential: "sim-token-kf",
            logFile: { path: file, format },
          },
        ],
      },
      portBase: 0,
      admin: false,
      startTime: "2026-12-05T10:00:00.000Z",
    });
    fleets.push(fleet);
    fleet.startScenario("orphan-phantom-spike");
    fleet.advance(20 * 60_000);
    const bot = fleet.system("kraken-futures") as FuturesBot;
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    const records = bot.logs();
    expect(lines.length).toBe(records.length);
    expect(records.some((r) => r.kind === "RECONCILIATION_REPORT" && (r.fields.orphaned as number) > 0)).toBe(true);
    lines.forEach((line, i) => {
      const rec = records[i]!;
      const out = parseShippedEntry({ record: line }, "kraken-futures");
      if (out.status !== "report") throw new Error(`line ${i + 1} (${line}) → ${JSON.stringify(out)}`);
      expect(out.report.kind).toBe(rec.kind);
      expect(out.report.observedAt).toBe(Date.parse(rec.ts));
      const { message: _m, ...expected } = rec.fields;
      expect(out.report.fields).toMatchObject(expected);
    });
  });
});
