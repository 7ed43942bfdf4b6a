import { expect, test } from "@playwright/test";
import { sim } from "./fleet";
import { openIncidentFromCard, resolveIncident } from "./incident-steps";
import { authFile, expectNoAxeViolations } from "./support";

// The incident room says which notifications went out for its findings: a scenario's SEV1 pages,
// a commander opens an incident from the card, and the room lists the deliveries for that finding
// (channel, event, status) and none for other systems' findings.

test.describe("notifications in the incident room", () => {
  test.use({ storageState: authFile("commander") });

  test("the room lists what was sent for its findings", async ({ page }, info) => {
    test.skip(info.project.name !== "desktop", "one run is enough: the list is the same on a phone");
    test.setTimeout(120_000);
    await sim.startScenario("split-brain", "spot-exchange", { timeScale: 10 });
    let id: string | undefined;
    try {
      await page.goto("/");
      const card = page.locator('[data-lane="SEV1"] [data-rule="split_brain"]').first();
      await expect(card).toBeVisible({ timeout: 30_000 });
      id = await openIncidentFromCard(page, card);
      const panel = page.locator('[data-panel="notifications"]');
      await expect(panel.getByRole("heading", { name: "Notifications sent for these findings" })).toBeVisible();
      // The room refreshes itself every few seconds; the firing notification was sent when the finding appeared.
      const firing = panel
        .locator('tr[data-finding^="split_brain|spot-exchange"][data-channel="e2e-pager"]')
        .filter({ has: page.getByRole("cell", { name: "firing", exact: true }) });
      await expect(firing.first()).toBeVisible({ timeout: 30_000 });
      await expect(firing.first()).toContainText("delivered");
      const findings = await panel
        .locator("tr[data-finding]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-finding") ?? ""));
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) expect(f.split("|")[1], `a notification about ${f}`).toBe("spot-exchange");
      await expectNoAxeViolations(page);
    } finally {
      if (id) await resolveIncident(page, id);
      await sim.stopScenarios("spot-exchange");
    }
  });
});
