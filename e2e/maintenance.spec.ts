import { expect, test, type Browser } from "@playwright/test";
import { LOCAL_USERS } from "./fixtures/users";
import { authFile, expectNoAxeViolations } from "./support";

// A maintenance window scheduled ahead is announced before it starts: on the board with its
// systems, times, ticket and author, and on a shared status view with its systems and times only.

test.describe.configure({ mode: "serial" });

async function shareLink(browser: Browser, baseURL: string, label: string): Promise<string> {
  const ctx = await browser.newContext({ storageState: authFile("commander"), baseURL });
  const page = await ctx.newPage();
  await page.goto("/share");
  await page.getByLabel(/^Label/).fill(label);
  await page.getByRole("button", { name: "Create link" }).click();
  const url = (await page.locator("[data-new-share-url]").getAttribute("data-new-share-url"))!;
  await ctx.close();
  return url;
}

test.describe("maintenance windows ahead", () => {
  test.use({ storageState: authFile("commander") });

  test("the board and the status view announce a window before it starts", async ({ page, browser, baseURL }, info) => {
    test.skip(info.project.name.startsWith("phone"), "one run is enough: the notice is the same on every size");
    test.setTimeout(150_000);
    const ticket = `OPS-${Date.now() % 100000}`;
    // Tomorrow 10:00–11:00 UTC: ahead whenever the test runs, and never across midnight (a window
    // across midnight is written with both dates).
    const now = new Date();
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 10, 0));
    await page.goto("/silences");
    await page.getByRole("radio", { name: /Maintenance window/ }).check();
    await page.getByRole("checkbox", { name: "beta-bot", exact: true }).check();
    await page.getByLabel(/^Starts/).fill(start.toISOString().slice(0, 16));
    await page.getByLabel(/^Duration/).fill("1");
    await page.getByLabel(/^Ticket ID/).fill(ticket);
    await page.getByLabel(/^Reason/).fill("replacing the host's disk");
    await page.getByRole("button", { name: "Create" }).click();
    const row = page.locator("[data-silence]").filter({ hasText: ticket });
    await expect(row).toBeVisible();
    try {
      const hm = (d: Date) => d.toISOString().slice(11, 16);
      const end = new Date(start.getTime() + 3_600_000);
      await page.goto("/");
      const notice = page.locator("[data-maintenance-notice]");
      const item = notice.locator('[data-maintenance="beta-bot"]').filter({ hasText: ticket });
      await expect(item).toBeVisible({ timeout: 15_000 });
      await expect(item).toContainText(`${start.toISOString().slice(0, 10)} ${hm(start)}`);
      await expect(item).toContainText(hm(end));
      await expect(item).toContainText(`by ${LOCAL_USERS.commander.displayName}`);
      await expectNoAxeViolations(page);

      const status = await browser.newContext({ storageState: { cookies: [], origins: [] }, baseURL });
      const viewer = await status.newPage();
      await viewer.goto(await shareLink(browser, baseURL!, "Maintenance notice"));
      const shown = viewer
        .locator("[data-maintenance-notice] li")
        .filter({ hasText: `${start.toISOString().slice(0, 10)} ${hm(start)}–${hm(end)} UTC` });
      await expect(shown).toBeVisible({ timeout: 15_000 });
      await expect(shown).toContainText("beta-bot");
      const html = await viewer.content();
      expect(html).not.toContain(ticket);
      expect(html).not.toContain(LOCAL_USERS.commander.displayName);
      await expectNoAxeViolations(viewer);
      await status.close();
    } finally {
      await page.goto("/silences");
      await page.locator("[data-silence]").filter({ hasText: ticket }).getByRole("button", { name: "End now" }).click();
      await expect(page.locator("[data-silence]").filter({ hasText: ticket })).toHaveCount(0);
    }
  });
});
