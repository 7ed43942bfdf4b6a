import { expect, test } from "@playwright/test";
import { LOCAL_USERS } from "./fixtures/users";
import { sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// The live board against the simulated fleet: findings appear and clear without a reload, a dead
// source turns its findings Unknown, and acknowledgement is for responders.

test.describe.configure({ mode: "serial" });

test.describe("live board as a responder", () => {
  test.use({ storageState: authFile("responder") });

  test("a capital invariant violation appears live, is acknowledged, and clears on self-repair", async ({
    page,
  }, info) => {
    test.setTimeout(150_000);
    const profile = info.project.name === "phone" ? "sol-breakout" : "eth-grid";
    await page.goto("/");
    await expect(page.getByTitle("Receiving live updates")).toBeVisible();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await sim.startScenario("capital-invariant-self-repair", "alpha-bot", { profileId: profile });
    const card = page.locator(`[data-rule="capital_invariant"][data-finding*="${profile}"]`);
    await expect(card).toBeVisible({ timeout: 30_000 });
    await expect(card).toContainText(profile);
    await expect(card).toContainText("SEV");
    // Acknowledge first: reconciliation repairs the ledger within a few cycles, and a slow axe
    // pass or a tall phone screenshot must not race the card away.
    await card.getByRole("button", { name: "Acknowledge" }).click();
    await expect(card).toContainText(`Acknowledged by ${LOCAL_USERS.responder.displayName}`);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: `test-results/screens/board-${info.project.name}.png`, fullPage: true });
    // Reconciliation repairs the ledger (seed 000): the card leaves the lanes and is listed as cleared.
    await expect(card).toHaveCount(0, { timeout: 90_000 });
    await page.getByText(/Cleared in the last 15 minutes/).click();
    await expect(page.locator(`[data-cleared*="capital_invariant"][data-cleared*="${profile}"]`)).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await sim.stopScenarios("alpha-bot");
  });

  test("findings of a source that goes dark turn Unknown, never healthy", async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto("/");
    await sim.startScenario("split-brain", "spot-exchange");
    const sev1 = page.locator('[data-lane="SEV1"] [data-rule="split_brain"]').first();
    await expect(sev1).toBeVisible({ timeout: 30_000 });
    await sim.setFault("spot-exchange", "down");
    try {
      await expect(page.locator('[data-lane="unknown"] [data-rule="split_brain"]').first()).toBeVisible({
        timeout: 20_000,
      });
      await expect(page.locator('[data-lane="SEV1"] [data-rule="split_brain"]')).toHaveCount(0);
      await expect(page.locator('[data-rule="telemetry_dark"]').first()).toBeVisible();
    } finally {
      await sim.clearFault("spot-exchange");
      await sim.stopScenarios("spot-exchange");
    }
  });
});

test.describe("live board as a viewer", () => {
  test.use({ storageState: authFile("viewer") });
  test("viewers see findings but cannot acknowledge", async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto("/");
    await sim.startScenario("capital-invariant-persistent", "beta-bot", { profileId: "link-meanrev" });
    try {
      const card = page.locator('[data-rule="capital_invariant"][data-finding*="link-meanrev"]');
      await expect(card).toBeVisible({ timeout: 30_000 });
      await expect(card.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
      await expect(card).toContainText("Not acknowledged");
    } finally {
      await sim.stopScenarios("beta-bot");
    }
  });
});

test.describe("board at the narrowest and widest supported widths", () => {
  test.use({ storageState: authFile("responder") });
  for (const width of [360, 1920]) {
    test(`${width} px: lanes and cards fit without horizontal scrolling, no axe violations`, async ({ page }, info) => {
      test.skip(info.project.name !== "desktop", "one run is enough");
      test.setTimeout(90_000);
      await page.setViewportSize({ width, height: width === 360 ? 780 : 1080 });
      await page.goto("/");
      await sim.startScenario("stale-pending-orders", "beta-bot");
      try {
        await expect(page.locator('[data-rule="stale_pending_orders"]').first()).toBeVisible({ timeout: 30_000 });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await expectNoAxeViolations(page);
        await page.screenshot({ path: `test-results/screens/board-${width}.png` });
      } finally {
        await sim.stopScenarios("beta-bot");
      }
    });
  }
});
