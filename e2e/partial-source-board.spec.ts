import { expect, test } from "@playwright/test";
import { sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// One odd line among good ones in a 0.0.4 /metrics answer: the source stays fresh, the board tile
// says "partial", and the sources screen names the offending line and the rule it broke.

test.describe.configure({ mode: "serial" });

test.describe("a partial metrics source", () => {
  test.use({ storageState: authFile("viewer") });

  test("shows partial on the board tile and the offending line and rule on the sources screen", async ({
    page,
  }, info) => {
    test.setTimeout(90_000);
    await page.goto("/");
    const tile = page.locator('[data-system="spot-exchange"]');
    await expect(tile).toBeVisible();
    await expect(tile).not.toContainText("partial");
    await sim.setFault("spot-exchange", "odd-metrics-line");
    try {
      // Read as fresh (the other families are current) and partial, live, without a reload.
      await expect(tile).toContainText("partial", { timeout: 20_000 });
      await expect(tile).toContainText("fresh");
      await expectNoAxeViolations(page);

      await page.goto("/sources");
      const row = page.locator('tr[data-source="spot-exchange"]');
      await expect(row).toContainText("partial", { timeout: 10_000 });
      const partial = page.locator('[data-partial-source="spot-exchange"]');
      await expect(partial).toBeVisible();
      await expect(partial).toContainText("/metrics");
      await expect(partial).toContainText("rule: syntax");
      await expect(partial).toContainText(/line \d+/);
      await expect(partial.getByLabel(/Offending line \d+/)).toContainText('{odd="yes"} 1,5');
      await expect(partial).toContainText("Left out:");
      await expectNoAxeViolations(page);
      await page.screenshot({ path: `test-results/screens/partial-source-${info.project.name}.png`, fullPage: true });
    } finally {
      await sim.clearFault("spot-exchange");
    }
    // A complete read clears it.
    await page.goto("/");
    await expect(page.locator('[data-system="spot-exchange"]')).not.toContainText("partial", { timeout: 20_000 });
  });
});
