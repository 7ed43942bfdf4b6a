import { expect, test, type Page } from "@playwright/test";
import { authFile, expectNoAxeViolations } from "./support";

// Error and not-found states of console screens render inside the shell: the navigation stays, so
// a responder whose screen failed is one click from the next screen, not on a bare error page.

test.use({ storageState: authFile("viewer") });

// The sidebar on a desktop, the bottom bar on a phone: whichever is shown.
const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" }).filter({ visible: true }).first();

test("a screen that fails while rendering shows its error inside the shell, and the navigation works", async ({
  page,
}) => {
  // The live stream delivers a board message that is newest by time but has nothing else in it,
  // as a broken server would: rendering the board from it fails.
  await page.route("**/api/stream", (route) =>
    route.fulfill({
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
      body: `event: board\ndata: ${JSON.stringify({ generatedAt: 8.64e15 })}\n\n`,
    }),
  );
  await page.goto("/");
  const alert = page.getByRole("alert").filter({ hasText: "This screen failed to load" });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("Nothing on this screen can be read as healthy");
  await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
  await expect(page.getByTitle("Your role")).toHaveText("viewer");
  await expect(mainNav(page)).toBeVisible();
  await expectNoAxeViolations(page);

  // Incidents is in the navigation at every width (Runbooks is under "More" on a phone).
  await mainNav(page).getByRole("link", { name: "Incidents" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  await expect(alert).toHaveCount(0);
});

test("an unknown or malformed id shows not-found inside the shell", async ({ page }) => {
  for (const path of ["/findings/no_such_rule%7Cnowhere%7C*", "/findings/%25E0%25A4%25A"]) {
    // No status check: the console's loading state streams the page, so the 200 is sent before
    // the page finds out the id is unknown (Next then marks it noindex).
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1, name: "Nothing here" })).toBeVisible();
    await expect(mainNav(page)).toBeVisible();
    await expect(page.getByTitle("Your role")).toHaveText("viewer");
  }
  await expectNoAxeViolations(page);
  await page.getByRole("link", { name: "Back to the board" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Severity board" })).toBeVisible();
});
