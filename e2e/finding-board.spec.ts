import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { LOCAL_USERS } from "./fixtures/users";
import { sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";
import { resolveIncident } from "./incident-steps";

// From a finding to its incident without duplicates: the finding page acknowledges, opens an
// incident and leads back to the board; once an incident is open for a finding, its board card and
// its page link to that incident and no longer offer to open another one — until it is resolved.

test.describe.configure({ mode: "serial" });
test.use({ storageState: authFile("commander") });

const INCIDENT_URL = /\/incidents\/([0-9a-f-]{36})$/;

test("finding page: acknowledge, open incident, back to board; the card then links the open incident instead of offering another", async ({
  page,
}, info) => {
  test.skip(info.project.name !== "desktop", "the same pages at phone width are covered by phone-board.spec");
  test.setTimeout(120_000);
  await sim.startScenario("ghost-position", "beta-bot", { profileId: "eth-trend" });
  let incident: string | undefined;
  try {
    await page.goto("/");
    const card = page.locator('[data-rule="ghost_position"][data-finding*="eth-trend"]');
    // Critical from the first cycle that sees the untracked position; acknowledgements hold per state onset.
    await expect(card).toContainText("SEV1 critical", { timeout: 40_000 });
    await expect(card.getByRole("link", { name: "Open incident" })).toBeVisible();
    mkdirSync("test-results/screens", { recursive: true });
    await page.screenshot({ path: "test-results/screens/board-sev1-desktop.png" });
    const findingHref = await card.locator("h3 a").getAttribute("href");
    expect(findingHref).toMatch(/^\/findings\//);

    await page.goto(findingHref!);
    const actions = page.getByRole("navigation", { name: "Finding actions" });
    await expect(actions.getByRole("link", { name: "Back to board" })).toBeVisible();
    await expect(actions.getByRole("link", { name: /^Runbook: / })).toBeVisible();
    await actions.getByRole("button", { name: "Acknowledge" }).click();
    await expect(actions).toContainText(`Acknowledged by ${LOCAL_USERS.commander.displayName}`);
    // The acknowledgement is recorded, not only shown: a fresh load of the page lists it.
    await page.reload();
    await expect(page.getByRole("region", { name: "Acknowledgements" })).toContainText(
      LOCAL_USERS.commander.displayName,
    );
    await expectNoAxeViolations(page);
    await page.screenshot({ path: "test-results/screens/finding-desktop.png" });

    await actions.getByRole("link", { name: "Open incident" }).click();
    await expect(page).toHaveURL(/\/incidents\?finding=/);
    const form = page.getByRole("form", { name: "Open incident" });
    await expect(form.getByLabel("Title")).toHaveValue(/Ghost position/i);
    await form.getByRole("button", { name: "Open incident" }).click();
    await expect(page).toHaveURL(INCIDENT_URL, { timeout: 15_000 });
    incident = INCIDENT_URL.exec(page.url())![1]!;
    const title = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();

    // The finding page now links the open incident and offers no second one.
    await page.goto(findingHref!);
    const link = actions.getByRole("link", { name: /^Incident open: / });
    await expect(link).toHaveAttribute("href", `/incidents/${incident}`);
    await expect(link).toContainText(title);
    await expect(actions.getByRole("link", { name: "Open incident", exact: true })).toHaveCount(0);

    // So does the card on the board, reached by the page's own way back.
    await actions.getByRole("link", { name: "Back to board" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTitle("Receiving live updates")).toBeVisible();
    await expect(card.locator(`a[data-incident-link="${incident}"]`)).toBeVisible();
    await expect(card.getByRole("link", { name: "Open incident", exact: true })).toHaveCount(0);

    // Resolved, the incident no longer covers the finding: the live board offers "Open incident" again.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    const room = await page.context().newPage();
    await resolveIncident(room, incident);
    incident = undefined;
    await room.close();
    await expect(card.getByRole("link", { name: "Open incident", exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(card.locator("a[data-incident-link]")).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  } finally {
    if (incident) await resolveIncident(page, incident);
    await sim.stopScenarios("beta-bot");
  }
});
