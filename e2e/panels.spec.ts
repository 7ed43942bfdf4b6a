import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// The panels against the simulated fleet at real time: a capital-invariant violation with its
// escalation countdown, the parity integrity watchdog tripping with its auto-resume countdowns,
// and an orphan/phantom spike crossing seed 003's thresholds — each seen as it happens.
// The three scenarios run at once (different targets) so the whole file stays short.

test.describe.configure({ mode: "serial" });
test.use({ storageState: authFile("viewer") });

const PROFILE = {
  desktop: { invariant: "btc-meanrev", parity: "eth-trend" },
  phone: { invariant: "alt-basket", parity: "sol-grid" },
} as const;
const which = (name: string) => (name === "phone" ? PROFILE.phone : PROFILE.desktop);

async function shot(page: Page, name: string, project: string) {
  mkdirSync("test-results/screens", { recursive: true });
  await page.screenshot({ path: `test-results/screens/panels-${name}-${project}.png`, fullPage: true });
}

test.describe("panels with live scenarios", () => {
  test.beforeAll(async ({}, info) => {
    const p = which(info.project.name);
    await sim.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: p.invariant });
    await sim.startScenario("parity-watchdog-trip", "beta-bot", { profileId: p.parity });
    // The spike's timeline (third orphan at T+2m) runs 4× faster; the bot still reconciles once a
    // minute at real time, so the panel sees the counts arrive cycle by cycle as in production.
    await sim.startScenario("orphan-phantom-spike", "kraken-futures", { timeScale: 4 });
  });

  test.afterAll(async () => {
    for (const t of ["alpha-bot", "beta-bot", "kraken-futures"]) await sim.stopScenarios(t).catch(() => {});
  });

  test("profiles: a violating profile cannot be missed; the detail shows cycles and the escalation countdown", async ({
    page,
  }, info) => {
    // Two full-page screenshots at phone size and two axe runs, while the other lane uses the machine.
    test.setTimeout(120_000);
    const { invariant: profile } = which(info.project.name);
    await page.goto("/profiles");
    // A table row on a desktop, a card on a phone.
    const item = info.project.name === "phone" ? "li" : "tr";
    const row = page.locator(`${item}[data-system="alpha-bot"][data-profile="${profile}"]`);
    await expect(row).toHaveAttribute("data-invariant", "violated", { timeout: 30_000 });
    await expect(row).toContainText("VIOLATED");
    await expect(page.getByRole("alert").filter({ hasText: "capital invariant" })).toContainText(
      `alpha-bot / ${profile}`,
    );
    // Violations sort first.
    await expect(page.locator(`${item}[data-profile]`).first()).toHaveAttribute("data-invariant", "violated");
    // Search and filter live in the URL.
    await page.getByLabel("Show").selectOption("violated");
    await expect(page).toHaveURL(/filter=violated/);
    await expect(page.locator(`${item}[data-invariant="ok"]`)).toHaveCount(0);
    await page.getByLabel("Search").fill(profile);
    await expect(page).toHaveURL(new RegExp(`q=${profile}`));
    await expect(page.locator(`${item}[data-profile]`)).toHaveCount(1);
    await expectNoAxeViolations(page);
    await shot(page, "profiles", info.project.name);

    await row.getByRole("link", { name: profile }).click();
    await expect(page).toHaveURL(new RegExp(`/profiles/alpha-bot/${profile}`));
    await expect(page.locator('[data-invariant="violated"]')).toContainText("INVARIANT VIOLATED");
    const escalation = page.locator('[data-escalation="true"]');
    await expect(escalation).toContainText(/\d+ of 3/);
    await expect(escalation.locator("[data-countdown]")).toContainText(/escalate in|ESCALATE NOW/);
    await expect(page.locator('[data-chart="available"]')).toContainText("0 — invariant: must not go below");
    await expect(
      page.locator('[data-panel="invariant"] a[href^="/findings/capital_invariant%7Calpha-bot%7C"]').first(),
    ).toBeVisible();
    await expectNoAxeViolations(page);
    await shot(page, "profile-invariant", info.project.name);
  });

  test("parity: the integrity watchdog trips, with the threshold line and auto-resume countdowns", async ({
    page,
  }, info) => {
    test.setTimeout(75_000);
    const { parity: profile } = which(info.project.name);
    await page.goto(`/profiles/beta-bot/${profile}`);
    const parity = page.locator('[data-panel="parity"]');
    await expect(parity).toContainText("integrity watchdog TRIGGERED", { timeout: 50_000 });
    await expect(parity).toContainText("trading PAUSED");
    await expect(parity.locator('[data-gate="min-pause"]')).toContainText(/ends in/);
    await expect(parity.locator('[data-gate="clean-cycles"]')).toContainText(/of 2/);
    await expect(parity.locator('[data-chart="parity-notional"]')).toContainText("watchdog 0.5 × allocated");
    await expect(parity).toContainText(/of 3/);
    await expectNoAxeViolations(page);
    await shot(page, "profile-parity", info.project.name);
  });

  test("reconciliation: orphaned positions cross the warning and then the windowed critical threshold", async ({
    page,
  }, info) => {
    test.setTimeout(180_000);
    await page.goto("/reconciliation");
    const orphaned = page.locator('[data-chart="recon-orphaned"]');
    await expect(orphaned).toContainText("critical ≥ 3 in 15 min");
    await expect(orphaned.locator("[data-notes]")).toContainText(/≥ 1 in a cycle: [1-9]/, { timeout: 90_000 });
    await expect(page.locator('[data-finding^="recon_orphaned|kraken-futures"]').first()).toBeVisible({
      timeout: 30_000,
    });
    if (info.project.name === "desktop") {
      // Third orphan at T+30s (2 min at 4×), reported at the next cycle: "≥ 3 in the last 15 minutes: 3".
      await expect(orphaned.locator("[data-notes]")).toContainText(/≥ 3 in the last 15 minutes: [3-9]/, {
        timeout: 150_000,
      });
      await expect(page.locator('[data-finding^="recon_orphaned|kraken-futures"]').first()).toContainText(
        "SEV1 critical",
        { timeout: 20_000 },
      );
    }
    await expect(page.locator('[data-audit-field="violations_total"]')).toBeVisible();
    await expectNoAxeViolations(page);
    await shot(page, "reconciliation", info.project.name);
  });
});

test("exchange: every seed 004 dashboard is there, with T2/T3 drawn and a mode per symbol", async ({ page }, info) => {
  test.setTimeout(90_000);
  await page.goto("/exchange?range=1h");
  for (const h of ["Trading API", "Matching engine", "Kafka", "Ledger", "WebSocket edge", "Edge auth", "Leadership"])
    await expect(page.getByRole("heading", { name: h, exact: true })).toBeVisible();
  await expect(page.locator('[data-chart="ledger-settlement"]')).toContainText("T2 5 s — throttle");
  await expect(page.locator('[data-chart="ledger-settlement"]')).toContainText("T3 30 s — SOFT_HALT");
  await expect(page.locator("tr[data-symbol]")).toHaveCount(8, { timeout: 20_000 });
  await expect(page.locator('tr[data-symbol="BTC-USD"]')).toContainText("NORMAL");
  await expect(page.locator('[data-chart="api-latency"] [data-age]')).toContainText(/data \d+ s old/);
  // The table view holds the same data as the chart.
  await page.locator('[data-chart="engine-queue"] summary').click();
  await expect(page.getByRole("region", { name: "Engine queue depth data" })).toContainText("UTC");
  await page.getByRole("link", { name: "7d" }).click();
  // The week's read shares two cores with the other lane's browser and servers.
  await expect(page).toHaveURL(/range=7d/, { timeout: 30_000 });
  await expect(page.locator('[data-chart="engine-queue"]')).toBeVisible({ timeout: 30_000 });
  await expectNoAxeViolations(page);
  await shot(page, "exchange", info.project.name);
});
