import { expect, test, type Page } from "@playwright/test";
import { sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// Board filters live in the URL, and a finding has a page of its own. A source that goes dark
// gives a known finding within seconds (poll interval 1 s, stale after two): the futures bot's
// "Telemetry dark" finding, SEV2 at once (docs/rules.md). The filters are checked against it:
// a link with filters opens the filtered board, a reload keeps them, a filter chosen on the page is
// written to the URL beside the others, and filters that do not match hide the card. Its page
// shows the rule, the evidence and the state changes, and follows the finding when it clears.

test.describe.configure({ mode: "serial" });
test.use({ storageState: authFile("responder") });
test.skip(({ isMobile }) => isMobile, "the folded filters at phone width are covered by phone-board.spec");

const SYSTEM = "kraken-futures";
const FINDING = `telemetry_dark|${SYSTEM}|*`;
const cardOf = (page: Page) => page.locator(`article[data-finding="${FINDING}"]`);

/** The system each card on the board belongs to (finding ids are rule|system|entity). */
async function cardSystems(page: Page): Promise<string[]> {
  const ids = await page.locator("article[data-finding]").evaluateAll((els) => els.map((e) => e.dataset.finding!));
  return ids.map((id) => id.split("|")[1]!);
}

async function expectFilteredToKrakenSev2(page: Page) {
  await expect(page).toHaveURL(/[?&]system=kraken-futures(&|$)/);
  await expect(page).toHaveURL(/[?&]severity=SEV2(&|$)/);
  await expect(page.getByLabel("System", { exact: true })).toHaveValue(SYSTEM);
  await expect(page.getByLabel("Severity")).toHaveValue("SEV2");
  await expect(page.locator(`button[data-system="${SYSTEM}"]`)).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator('[data-lane="SEV2"]').locator(cardOf(page))).toBeVisible();
  // Nothing of another severity or another system is shown.
  for (const lane of ["SEV1", "SEV3"]) {
    await expect(page.locator(`[data-lane="${lane}"] article[data-finding]`)).toHaveCount(0);
    await expect(page.locator(`[data-lane="${lane}"]`)).toContainText("Nothing open for this filter.");
  }
  expect(new Set(await cardSystems(page))).toEqual(new Set([SYSTEM]));
}

test("filters in the URL: a link opens the filtered board, a reload keeps it, and a non-matching filter hides the finding", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await sim.setFault(SYSTEM, "down");
  try {
    await page.goto("/");
    await expect(page.locator('[data-lane="SEV2"]').locator(cardOf(page))).toBeVisible({ timeout: 20_000 });
    // The unfiltered board shows the other systems' tiles and no filter.
    await expect(page.getByLabel("System", { exact: true })).toHaveValue("");
    await expect(page.locator(`button[data-system="alpha-bot"]`)).toHaveAttribute("aria-pressed", "false");

    await page.goto(`/?system=${SYSTEM}&severity=SEV2`);
    await expectFilteredToKrakenSev2(page);
    await page.reload();
    await expectFilteredToKrakenSev2(page);
    await expectNoAxeViolations(page);

    // Filters that the finding does not match hide it, while it is still open (the same board,
    // unfiltered, shows it again at the end).
    await page.goto(`/?system=${SYSTEM}&severity=SEV1`);
    await expect(page.locator('[data-lane="SEV1"]')).toBeVisible();
    await expect(cardOf(page)).toHaveCount(0);
    await page.goto("/?system=alpha-bot");
    await expect(page.getByLabel("System", { exact: true })).toHaveValue("alpha-bot");
    await expect(cardOf(page)).toHaveCount(0);
    for (const s of await cardSystems(page)) expect(s).toBe("alpha-bot");
    await page.goto("/?state=warning");
    await expect(page.getByLabel("State")).toHaveValue("warning");
    await expect(cardOf(page)).toHaveCount(0);

    // A filter chosen on the page joins the ones already in the URL, and survives a reload.
    await page.goto("/?severity=SEV2");
    await page.getByLabel("System", { exact: true }).selectOption(SYSTEM);
    await expectFilteredToKrakenSev2(page);
    await page.reload();
    await expectFilteredToKrakenSev2(page);

    // Clearing them gives the whole board back.
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByLabel("Severity")).toHaveValue("");
    await expect(cardOf(page)).toBeVisible();
  } finally {
    await sim.clearFault(SYSTEM);
  }
});

test("finding page: the rule, its evidence and state changes; it follows the finding when it clears", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await sim.setFault(SYSTEM, "down");
  let cleared = false;
  try {
    await page.goto(`/?system=${SYSTEM}`);
    const card = cardOf(page);
    await expect(card).toBeVisible({ timeout: 20_000 });
    const href = await card.locator("h3 a").getAttribute("href");
    expect(decodeURIComponent(href!)).toBe(`/findings/${FINDING}`);

    // Opened by its address, as a link pasted into a chat would open it.
    await page.goto(href!);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Telemetry dark: exposure unknown");
    await expect(page.getByText("SEV2 critical", { exact: true })).toBeVisible();
    const rule = page.getByRole("region", { name: "The rule" });
    await expect(rule).toContainText(SYSTEM);
    await expect(rule).toContainText("the system");
    // Its evidence: the futures bot's data endpoints, each failing while the bot is down.
    const evidence = page.getByRole("region", { name: "Evidence" });
    for (const path of ["/status", "/logs"])
      await expect(evidence.getByRole("term").filter({ hasText: path })).toHaveCount(1);
    await expect(evidence.getByRole("definition").filter({ hasText: /^error$/ })).toHaveCount(2);
    const changes = page.locator('section[aria-labelledby="hist-h"]');
    await expect(changes).toContainText(/→ critical \(SEV2\)/);
    await expect(page.getByRole("link", { name: /^Runbook: / })).toHaveAttribute(
      "href",
      "/runbooks?runbook=telemetry-dark",
    );
    await expectNoAxeViolations(page);

    // The bot answers again: the open page (it refreshes itself) shows the finding cleared and
    // the change that cleared it, and offers no acknowledgement.
    await sim.clearFault(SYSTEM);
    cleared = true;
    await expect(page.getByText("SEV2 cleared", { exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(changes).toContainText(/critical → (ok|warning) \(SEV\d\)/);
    await expect(page.getByText("Cleared: nothing to acknowledge.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);

    await page.getByRole("link", { name: "Back to board" }).click();
    await expect(page).toHaveURL(/\/$/);
  } finally {
    if (!cleared) await sim.clearFault(SYSTEM);
  }
});
