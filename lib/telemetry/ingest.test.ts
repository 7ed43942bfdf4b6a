import { gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import * as crypto from "node:crypto";
import { FleetConfig } from "../config/fleet";
import { decodeBody, envelopeReport, MAX_INGEST_BYTES, sourceForToken } from "./ingest";
import { decodePlainJson } from "./shipped/bodies";
import { readLogLines } from "./sources/logs";
import type { Report } from "./model";

interface IngestRejection {
  line: number;
  error: string;
}

// Every token comparison goes through here, so the test can see what was compared.
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

/** An NDJSON body of envelopes as /api/ingest reads it: decoded, then each record checked. */
function parseIngestLines(text: string, source: string) {
  const decoded = decodePlainJson(text);
  if (!decoded.ok) throw new Error(decoded.error);
  const reports: Report[] = [];
  const rejected: IngestRejection[] = [];
  for (const d of decoded.items) {
    const line = Number(d.ref.replace("line ", ""));
    if ("error" in d) rejected.push({ line, error: d.error });
    else if ("envelope" in d) {
      const r = envelopeReport(d.envelope, source);
      if (r.ok) reports.push(r.report);
      else rejected.push({ line, error: r.error });
    } else rejected.push({ line, error: "not an envelope" });
  }
  return { reports, rejected };
}

const line = (o: Record<string, unknown>) =>
  JSON.stringify({
    id: "r1",
    kind: "RECONCILIATION_REPORT",
    ts: "2026-11-21T10:00:00.000Z",
    fields: { orphaned: 0 },
    ...o,
  });

describe("ingest parsing", () => {
  it("accepts valid lines and names every rejected line by number and reason", () => {
    const text = [
      line({ id: "a" }),
      "not json",
      line({ id: "" }),
      "",
      line({ id: "b", kind: "lower" }),
      line({ id: "c", ts: "yesterday" }),
      line({ id: "d", system: "other-bot" }),
      line({ id: "e" }),
    ].join("\n");
    const { reports, rejected } = parseIngestLines(text, "kraken-futures");
    expect(reports.map((r) => r.id)).toEqual(["a", "e"]);
    expect(reports[0]).toMatchObject({
      system: "kraken-futures",
      kind: "RECONCILIATION_REPORT",
      observedAt: Date.parse("2026-11-21T10:00:00.000Z"),
      fields: { orphaned: 0 },
    });
    expect(rejected).toEqual([
      { line: 2, error: "not valid JSON" },
      { line: 3, error: expect.stringMatching(/^id:/) },
      { line: 5, error: expect.stringMatching(/^kind: must be an upper-case/) },
      { line: 6, error: "ts: expected an ISO-8601 timestamp" },
      { line: 7, error: 'system "other-bot" does not match this token\'s source "kraken-futures"' },
    ]);
  });

  it("keeps the log message with the fields", () => {
    const { reports } = parseIngestLines(
      line({ kind: "API_CIRCUIT_BREAKER_OPENED", message: "API circuit breaker OPENED" }),
      "f",
    );
    expect(reports[0]?.fields.message).toBe("API circuit breaker OPENED");
  });

  it("files a record the same way whether it is pushed or pulled from the log endpoint", () => {
    const records = [
      line({
        id: "kf-00000007",
        system: "kraken-futures",
        kind: "API_CIRCUIT_BREAKER_OPENED",
        message: "API circuit breaker OPENED",
        fields: { failures: 5 },
      }),
      line({ id: "kf-00000008", kind: "CYCLE_SUMMARY", fields: {} }),
      line({ id: "kf-00000009", kind: "not upper" }),
    ].join("\n");
    const pushed = parseIngestLines(records, "kraken-futures");
    const pulled = readLogLines(`${records}\n`, "kraken-futures");
    expect(pulled.reports).toEqual(pushed.reports);
    expect(pushed.reports.map((r) => r.id)).toEqual(["kf-00000007", "kf-00000008"]);
    expect(pushed.reports[0]!.fields).toEqual({ failures: 5, message: "API circuit breaker OPENED" });
    expect(pulled.bad).toEqual([`line 3: ${pushed.rejected[0]!.error}`]);
  });

  it("decodes gzip bodies and refuses other encodings and gzip bombs", () => {
    const text = line({});
    expect(decodeBody(gzipSync(text), "gzip")).toEqual({ ok: true, raw: Buffer.from(text) });
    expect(decodeBody(Buffer.from(text), null)).toEqual({ ok: true, raw: Buffer.from(text) });
    expect(decodeBody(Buffer.from(text), "br")).toMatchObject({ ok: false, status: 415 });
    expect(decodeBody(Buffer.from("nope"), "gzip")).toMatchObject({ ok: false, status: 400 });
    expect(decodeBody(gzipSync(Buffer.alloc(MAX_INGEST_BYTES + 10, 32)), "gzip")).toMatchObject({
      ok: false,
      status: 413,
    });
  });

  it("maps a token to its source and rejects unknown and empty tokens", () => {
    const cfg = FleetConfig.parse({
      targets: [
        { name: "a", kind: "futures-bot", baseUrl: "http://127.0.0.1:1", credentials: { ingestTokenEnv: "TOKEN_A" } },
        { name: "b", kind: "futures-bot", baseUrl: "http://127.0.0.1:2", credentials: { ingestTokenEnv: "TOKEN_B" } },
        { name: "c", kind: "futures-bot", baseUrl: "http://127.0.0.1:3" },
      ],
    });
    const env: Record<string, string> = { TOKEN_A: "alpha-token", TOKEN_B: "bravo-token" };
    expect(sourceForToken(cfg, "bravo-token", (n) => env[n])).toBe("b");
    expect(sourceForToken(cfg, "alpha-token", (n) => env[n])).toBe("a");
    expect(sourceForToken(cfg, "bravo-tokeX", (n) => env[n])).toBeNull();
    expect(sourceForToken(cfg, "", (n) => env[n])).toBeNull();
    // A configured name whose variable is unset has no token at all.
    expect(sourceForToken(cfg, "", () => "")).toBeNull();
  });

  it("compares the same way whichever source matches, and whatever the given token's length", () => {
    const cfg = FleetConfig.parse({
      targets: ["a", "b", "c"].map((n, i) => ({
        name: n,
        kind: "futures-bot",
        baseUrl: `http://127.0.0.1:${i + 1}`,
        credentials: { ingestTokenEnv: `TOKEN_${n.toUpperCase()}` },
      })),
    });
    const env: Record<string, string> = { TOKEN_A: "alpha-token", TOKEN_B: "bravo-token-longer", TOKEN_C: "c" };
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const given of ["alpha-token", "c", "nothing-like-it", "x", "y".repeat(10_000), ""]) {
      compare.mockClear();
      sourceForToken(cfg, given, (n) => env[n]);
      // One fixed-size comparison per configured token: no early return on a match, no length shortcut.
      expect(compare.mock.calls.length, `comparisons for a ${given.length}-character token`).toBe(3);
      for (const [x, y] of compare.mock.calls) expect([(x as Buffer).length, (y as Buffer).length]).toEqual([32, 32]);
    }
  });
});
