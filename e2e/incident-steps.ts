import { expect, type Locator, type Page } from "@playwright/test";

// Opening an incident from a board card and resolving it again, for specs whose subject is
// something else (the board, the phone layout) and that must leave no incident open behind them:
// an open incident covers its findings on the board for every later spec.

const INCIDENT_URL = /\/incidents\/([0-9a-f-]{36})$/;

/** Follows the card's "Open incident" link, submits the pre-filled form, and returns the new incident's id. */
export async function openIncidentFromCard(page: Page, card: Locator): Promise<string> {
  // The board re-renders on every live update; a click that lands on a card being replaced is retried.
  await expect(async () => {
    await card.getByRole("link", { name: "Open incident" }).click({ timeout: 5_000 });
    await expect(page).toHaveURL(/\/incidents\?finding=/, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
  const form = page.getByRole("form", { name: "Open incident" });
  await expect(form.getByLabel("Title")).not.toHaveValue("");
  await form.getByRole("button", { name: "Open incident" }).click();
  await expect(page).toHaveURL(INCIDENT_URL, { timeout: 15_000 });
  return INCIDENT_URL.exec(page.url())![1]!;
}

/** Resolves the incident from its room. */
export async function resolveIncident(page: Page, id: string) {
  await page.goto(`/incidents/${id}`);
  // Steps still open or findings still firing: resolving asks, naming them. The room refreshes
  // live, so what it asks about can change between the choice and the click: try again then.
  await expect(async () => {
    await page.getByLabel("New status").selectOption("resolved");
    const anyway = page.getByLabel(/Resolve anyway/);
    if (await anyway.count()) await anyway.check();
    await page.getByRole("button", { name: "Change status" }).click();
    await expect(page.locator('[data-incident-state="resolved"]')).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
}
