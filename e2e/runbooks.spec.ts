import { expect, test } from "@playwright/test";
import { RUNBOOKS } from "../lib/rules/runbooks";
import { authFile, expectNoAxeViolations } from "./support";

// The runbooks screen: every runbook listed, search narrows it, a runbook renders as a checklist
// with its warnings and escalation criteria, and the board's ?runbook= links open the runbook.

test.use({ storageState: authFile("viewer") });

test("the list shows every runbook and search narrows it", async ({ page }, info) => {
  await page.goto("/runbooks");
  await expect(page.getByRole("heading", { name: "Runbooks", level: 1 })).toBeVisible();
  const list = page.getByRole("list", { name: "Runbooks" });
  for (const [slug, { title }] of Object.entries(RUNBOOKS)) {
    await expect(list.locator(`[data-runbook="${slug}"]`), title).toHaveCount(1);
  }
  await expect(list.getByRole("listitem")).toHaveCount(Object.keys(RUNBOOKS).length);
  await expectNoAxeViolations(page);
  await page.screenshot({ path: `test-results/screens/runbooks-list-${info.project.name}.png`, fullPage: true });
  await page.screenshot({ path: `test-results/screens/runbooks-list-top-${info.project.name}.png` });

  await page.getByLabel("Search runbooks").fill("HARD_HALT");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=HARD_HALT/);
  await expect(list.locator('[data-runbook="split-brain"]')).toBeVisible();
  await expect(list.locator('[data-runbook="capital-invariant-violation"]')).toHaveCount(0);
  const count = await list.getByRole("listitem").count();
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(Object.keys(RUNBOOKS).length);
  await expect(page.getByTestId("runbook-count")).toContainText(`${count} of ${Object.keys(RUNBOOKS).length}`);

  await page.getByLabel("Search runbooks").fill("no-such-words-anywhere");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No runbook matches the search.")).toBeVisible();
});

test("a runbook renders its steps, warnings, escalation criteria and copyable commands", async ({ page }, info) => {
  await page.goto("/runbooks?runbook=capital-invariant-violation");
  await expect(page).toHaveURL(/\/runbooks\/capital-invariant-violation$/);
  await expect(page.getByRole("heading", { name: "Capital invariant violation", level: 1 })).toBeVisible();

  const checklist = page.getByTestId("checklist");
  await expect(checklist.locator("[data-step]")).toHaveCount(6);
  await expect(checklist.getByRole("heading", { name: "Immediate mitigation" })).toBeVisible();
  const reconcile = checklist.locator('[data-step="reconcile"]');
  await expect(reconcile.getByRole("link", { name: /Open control trigger-reconciliation/ })).toHaveAttribute(
    "href",
    "/controls?control=trigger-reconciliation",
  );
  await expect(checklist.locator('[data-step="cleared"]')).toContainText(
    "Live check: capitalInvariantViolations for this profile == 0",
  );

  await expect(page.getByTestId("warnings").getByRole("listitem")).toHaveCount(3);
  await expect(page.getByTestId("warnings")).toContainText("Do not restart the trading loop");
  await expect(page.getByTestId("escalation").getByRole("listitem")).toHaveCount(3);
  await expect(page.getByTestId("escalation")).toContainText(
    "Escalate after 15 min or 3 cycles if capitalInvariantViolations for this profile > 0 still holds",
  );
  await expect(page.getByRole("heading", { name: "Metrics to check" })).toBeVisible();
  await expect(page.getByText("capital_invariant_profiles").first()).toBeVisible();
  await expectNoAxeViolations(page);
  await page.screenshot({ path: `test-results/screens/runbook-capital-${info.project.name}.png`, fullPage: true });
  await page.screenshot({ path: `test-results/screens/runbook-capital-top-${info.project.name}.png` });

  await page.goto("/runbooks/orphan-phantom-spike");
  const step = page.getByTestId("checklist").locator('[data-step="execute"]');
  await expect(step.locator("pre")).toHaveText("python -m src.tools.sync_positions --execute");
  await page
    .context()
    .grantPermissions(["clipboard-read", "clipboard-write"])
    .catch(() => undefined);
  await step.getByRole("button", { name: /^Copy/ }).click();
  await expect(step.getByRole("button", { name: /^Copy/ })).toContainText(/Copied|Copy failed/);
  await expectNoAxeViolations(page);
});

test("an unknown runbook is a 404 and an unknown ?runbook= says so on the list", async ({ page }) => {
  // The console layout streams first, so the status may already be 200; the page says not found.
  await page.goto("/runbooks/no-such-runbook");
  await expect(page.getByRole("heading", { name: "No such runbook" })).toBeVisible();
  await page.goto("/runbooks?runbook=not-a-runbook");
  await expect(page.getByRole("status").filter({ hasText: "not-a-runbook" })).toBeVisible();
});
