import { expect, test } from "@playwright/test";
import { readSecrets } from "./secrets";
import { authFile, expectNoAxeViolations } from "./support";

// The log-shipper receivers on the production server, and what the sources screen shows of them:
// a Loki push and an Elasticsearch bulk request with the futures bot's own log lines, one line
// that matches no log pattern, and one rejected line; the sources screen then counts them and
// shows the unparsed and rejected lines.

let token: string | undefined;
const TOKEN = () => (token ??= readSecrets().ingestToken);
const asctime = (t: number) => new Date(t).toISOString().replace("T", " ").replace(".", ",").replace("Z", "");

test.describe("log shippers", () => {
  test.use({ storageState: authFile("viewer") });

  test("Loki push and ES bulk store the bot's lines; the sources screen counts them and shows the unparsed line", async ({
    page,
    request,
  }, info) => {
    const run = `${info.project.name}-${Date.now()}`;
    const now = Date.now();
    const auth = { Authorization: `Basic ${Buffer.from(`promtail:${TOKEN()}`).toString("base64")}` };

    const loki = await request.post("/loki/api/v1/push", {
      headers: { ...auth, "Content-Type": "application/json" },
      data: JSON.stringify({
        streams: [
          {
            stream: { job: "trading-bot" },
            values: [
              [`${now}000000`, `${asctime(now)} INFO CYCLE_SUMMARY positions=2 run=${run}`],
              [`${now + 1}000000`, `${asctime(now + 1)} INFO Connected to Kraken Futures websocket run=${run}`],
            ],
          },
        ],
      }),
    });
    expect(loki.status()).toBe(204);

    const handshake = await request.get("/es", { headers: auth });
    expect(handshake.status()).toBe(200);
    expect(handshake.headers()["x-elastic-product"]).toBe("Elasticsearch");

    const bulk = await request.post("/es/trading-bot/_bulk", {
      headers: { ...auth, "Content-Type": "application/x-ndjson" },
      data: `{"index":{}}\n${JSON.stringify({ message: `${asctime(now + 2)} INFO RECONCILIATION_REPORT orphaned=0 phantom=0 run=${run}` })}\n{"index":{}}\n${JSON.stringify({ message: `${asctime(now + 3)} INFO RECONCILIATION_REPORT note="unclosed run=${run}` })}\n`,
    });
    expect(bulk.status()).toBe(200);
    const answer = await bulk.json();
    expect(answer.errors).toBe(true);
    expect(answer.items.map((i: { index: { status: number } }) => i.index.status)).toEqual([201, 400]);
    expect(answer.items[1].index.error.reason).toMatch(
      /^item 2 \(line 4\): RECONCILIATION_REPORT: value of "note" has an opening quote/,
    );

    await page.goto("/sources");
    const row = page.locator('tr[data-ingest-source="kraken-futures"]');
    await expect(row).toBeVisible();
    const count = async (name: string) =>
      Number(
        await row
          .locator(`[data-count="${name}"]`)
          .innerText()
          .then((t) => t.split(" ")[0]),
      );
    expect(await count("stored")).toBeGreaterThanOrEqual(2);
    expect(await count("unparsed")).toBeGreaterThanOrEqual(1);
    expect(await count("rejected")).toBeGreaterThanOrEqual(1);
    const lines = page.locator('[data-ingest-lines="kraken-futures"]');
    await expect(lines).toContainText(`Connected to Kraken Futures websocket run=${run}`);
    await expect(lines).toContainText("no known log pattern in the line");
    await expect(lines).toContainText(`note="unclosed run=${run}`);
    await expectNoAxeViolations(page);
  });
});
