import { expect, test } from "@playwright/test";
import { authFile, expectNoAxeViolations } from "./support";

// The audit screen for a viewer: the chain badge, filters in the URL, and NDJSON / CSV exports
// (viewer and above; anonymous callers get 401).

test.describe("audit log as a viewer", () => {
  test.use({ storageState: authFile("viewer") });

  test("shows the verified chain, filters by action and outcome, and passes axe", async ({ page }) => {
    await page.goto("/audit");
    await expect(page.getByText(/Chain verified up to row \d+ at/)).toBeVisible();
    await page.getByLabel("Action starts with").fill("auth.");
    await page.getByLabel("Outcome").fill("succeeded");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=auth\.&.*outcome=succeeded/);
    const actions = await page.locator("tbody tr td:nth-child(4)").allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.startsWith("auth."))).toBe(true);
    await expectNoAxeViolations(page);
  });

  test("exports NDJSON and CSV with the same filters", async ({ page, playwright, baseURL }, info) => {
    test.skip(Boolean(info.project.use.isMobile), "exports are checked once");
    const nd = await page.request.get("/api/audit/export?format=ndjson&action=auth.");
    expect(nd.status()).toBe(200);
    expect(nd.headers()["content-type"]).toContain("application/x-ndjson");
    const lines = (await nd.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; action: string; hash: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.action.startsWith("auth.") && /^[0-9a-f]{64}$/.test(l.hash))).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));

    const csv = await page.request.get("/api/audit/export?format=csv&action=auth.");
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe(
      "seq,at,actorName,actorRole,action,target,ticketId,reason,outcome,responseSummary,idempotencyKey,params,approval,clientAddress,prevHash,hash",
    );
    expect(rows.length).toBe(lines.length + 1);

    const bad = await page.request.get("/api/audit/export?format=csv&from=yesterday-ish");
    expect(bad.status()).toBe(400);

    // An explicit empty storage state: request contexts made inside a described block inherit its `use` options.
    const anon = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const refused = await anon.get("/api/audit/export?format=ndjson", { maxRedirects: 0 });
    expect(refused.status()).toBe(401);
    expect(await refused.text()).not.toContain('"hash"');
  });
});
