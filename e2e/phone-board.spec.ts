import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { sim } from "./fleet";
import { authFile } from "./support";
import { openIncidentFromCard, resolveIncident } from "./incident-steps";

// A responder's phone (375 × 740) during a SEV1: the first open SEV1 is on the first screen of the
// board, above the bottom navigation, and no screen of the drill (board, incident room, controls,
// profiles) is wider than the phone.

test.describe.configure({ mode: "serial" });
test.use({ storageState: authFile("commander") });

/** How far the page reaches past the right edge of the screen, in CSS pixels (0 when it fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
}

/** The top of the fixed bottom navigation: the first screen ends there. */
async function firstScreenBottom(page: Page): Promise<number> {
  const nav = page.getByRole("navigation", { name: "Main" }).filter({ visible: true });
  const box = await nav.boundingBox();
  return box ? box.y : page.viewportSize()!.height;
}

async function shot(page: Page, name: string) {
  mkdirSync("test-results/screens", { recursive: true });
  await page.screenshot({ path: `test-results/screens/phone-${name}.png` });
}

test("phone: the first open SEV1 is on the first screen, and board, incident room, controls and profiles fit the screen", async ({
  page,
}, info) => {
  test.skip(info.project.name !== "phone", "the phone layout");
  test.setTimeout(150_000);
  // Split-brain at four times its pace: SEV1 findings within seconds, among the fleet's other findings.
  await sim.startScenario("split-brain", "spot-exchange", { timeScale: 4 });
  let incident: string | undefined;
  try {
    await page.goto("/");
    const sev1 = page.locator('[data-lane="SEV1"] article[data-finding]').first();
    await expect(sev1).toBeVisible({ timeout: 30_000 });
    // Nothing scrolled: the card's title and severity are above the bottom navigation as the page opens.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const title = await sev1.locator("h3").boundingBox();
    expect(title, "first SEV1 card title").not.toBeNull();
    expect(title!.y + title!.height, "first SEV1 title ends above the bottom navigation").toBeLessThanOrEqual(
      await firstScreenBottom(page),
    );
    expect(await overflow(page), "board wider than the phone").toBeLessThanOrEqual(0);
    // The filters are folded away but one tap opens them.
    await expect(page.getByLabel("Severity")).toBeHidden();
    await page.getByRole("button", { name: "Filters" }).click();
    await expect(page.getByLabel("Severity")).toBeVisible();
    await page.getByLabel("Severity").selectOption("SEV1");
    await expect(page).toHaveURL(/severity=SEV1/);
    await expect(page.locator('[data-lane="SEV2"] article[data-finding]')).toHaveCount(0);
    await page.goto("/");
    await expect(sev1).toBeVisible();
    await shot(page, "board");

    const card = page.locator('[data-lane="SEV1"] [data-rule="split_brain"]').first();
    incident = await openIncidentFromCard(page, card);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await overflow(page), "incident room wider than the phone").toBeLessThanOrEqual(0);
    await shot(page, "incident-room");

    await page.goto("/controls");
    await expect(page.getByRole("heading", { level: 1, name: "Controls" })).toBeVisible();
    expect(await overflow(page), "controls wider than the phone").toBeLessThanOrEqual(0);
    await shot(page, "controls");

    await page.goto("/profiles");
    const firstProfile = page.locator("li[data-profile]").first();
    await expect(firstProfile).toBeVisible();
    // The key values are on screen: the profile's name, its invariant and its available capital.
    const box = await firstProfile.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
    await expect(firstProfile).toContainText("Available capital");
    await expect(firstProfile.locator("a").first()).toBeInViewport();
    expect(await overflow(page), "profiles wider than the phone").toBeLessThanOrEqual(0);
    await shot(page, "profiles");
  } finally {
    if (incident) await resolveIncident(page, incident);
    await sim.stopScenarios("spot-exchange");
  }
});
