import { gzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { readSecrets } from "./secrets";

// POST /api/ingest on the production server: token checks, per-line validation, idempotent retries.
// The e2e server gives the futures bot a random ingest token and writes it to e2e/.auth/secrets.json.

// Read when a test runs: the file exists once the e2e server has started.
let token: string | undefined;
const TOKEN = () => (token ??= readSecrets().ingestToken);
const lines = (ids: string[]) =>
  ids
    .map((id) =>
      JSON.stringify({
        id,
        kind: "RECONCILIATION_REPORT",
        ts: new Date().toISOString(),
        fields: { orphaned: 1, phantom: 0 },
      }),
    )
    .join("\n") + "\n";

test.describe("report ingest", () => {
  test("without a token → 401, with a wrong token → 403", async ({ request }) => {
    expect((await request.post("/api/ingest", { data: lines(["x1"]) })).status()).toBe(401);
    expect(
      (
        await request.post("/api/ingest", { data: lines(["x1"]), headers: { Authorization: "Bearer not-the-token" } })
      ).status(),
    ).toBe(403);
  });

  test("malformed lines are named; valid ones are stored (207), all-bad is 400", async ({ request }) => {
    const run = `m-${Date.now()}`;
    const body =
      lines([`${run}-1`]) + "{broken\n" + JSON.stringify({ id: `${run}-2`, kind: "bad kind", ts: "x" }) + "\n";
    const res = await request.post("/api/ingest", {
      data: body,
      headers: { Authorization: `Bearer ${TOKEN()}`, "Content-Type": "application/x-ndjson" },
    });
    expect(res.status()).toBe(207);
    const json = await res.json();
    expect(json).toMatchObject({
      source: "kraken-futures",
      stored: 1,
      rejected: [{ line: 2, error: "not valid JSON" }, { line: 3 }],
    });
    const bad = await request.post("/api/ingest", { data: "nope\n", headers: { Authorization: `Bearer ${TOKEN()}` } });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).rejected).toEqual([{ line: 1, error: "not valid JSON" }]);
  });

  test("a retried batch is stored once, gzip accepted", async ({ request }) => {
    const run = `r-${Date.now()}`;
    const batch = lines([`${run}-1`, `${run}-2`, `${run}-3`]);
    const first = await request.post("/api/ingest", {
      data: gzipSync(batch),
      headers: { Authorization: `Bearer ${TOKEN()}`, "Content-Encoding": "gzip" },
    });
    expect(first.status()).toBe(200);
    expect(await first.json()).toMatchObject({ accepted: 3, stored: 3, duplicates: 0 });
    const retry = await request.post("/api/ingest", { data: batch, headers: { Authorization: `Bearer ${TOKEN()}` } });
    expect(retry.status()).toBe(200);
    expect(await retry.json()).toMatchObject({ accepted: 3, stored: 0, duplicates: 3 });
  });
});
