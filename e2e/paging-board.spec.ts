import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { fleetFile, sim } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// Paging end to end: a scenario raises a SEV1 on the board, the notification reaches the local
// receiver the e2e server started (PagerDuty, Slack and webhook contracts), acknowledging it on the
// board sends PagerDuty's acknowledge, and the deliveries screen lists it as delivered. An admin's test send to one channel arrives and is listed too.

test.describe.configure({ mode: "serial" });

type Received = { kind: string; status: number; body: Record<string, unknown> };
function receiverUrl(): string {
  return (JSON.parse(readFileSync(fleetFile(), "utf8")) as { notifyReceiverUrl: string }).notifyReceiverUrl;
}
async function received(): Promise<Received[]> {
  const res = await fetch(`${receiverUrl()}/api/received`);
  return ((await res.json()) as { received: Received[] }).received;
}

test.describe("paging as a responder", () => {
  test.use({ storageState: authFile("responder") });

  test("a SEV1 from a scenario pages through PagerDuty and chat, and the deliveries screen lists it", async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await sim.startScenario("split-brain", "spot-exchange", { timeScale: 10 });
    try {
      await page.goto("/");
      await expect(page.locator('[data-lane="SEV1"] [data-rule="split_brain"]').first()).toBeVisible({
        timeout: 30_000,
      });
      const isTrigger = (r: Received) =>
        r.kind === "pagerduty" &&
        r.status === 202 &&
        r.body.event_action === "trigger" &&
        String(r.body.dedup_key).startsWith("split_brain|spot-exchange");
      await expect
        .poll(async () => (await received()).filter(isTrigger).length, { timeout: 20_000 })
        .toBeGreaterThan(0);
      const trigger = (await received()).find(isTrigger)!;
      expect(trigger.body.payload).toMatchObject({
        source: "spot-exchange",
        severity: "critical",
        class: "split_brain",
      });
      await expect
        .poll(
          async () =>
            (await received()).some(
              (r) =>
                r.kind === "slack" &&
                r.status === 200 &&
                String(r.body.text).startsWith("SEV1") &&
                String(r.body.text).includes("spot-exchange"),
            ),
          { timeout: 20_000 },
        )
        .toBe(true);

      // Acknowledging on the board sends PagerDuty's acknowledge for the same dedup_key.
      const card = page.locator(`[data-finding="${String(trigger.body.dedup_key)}"]`).first();
      await card.getByRole("button", { name: "Acknowledge" }).click();
      await expect(card).toContainText("Acknowledged by");
      await expect
        .poll(
          async () =>
            (await received()).some(
              (r) =>
                r.kind === "pagerduty" &&
                r.status === 202 &&
                r.body.event_action === "acknowledge" &&
                r.body.dedup_key === trigger.body.dedup_key,
            ),
          { timeout: 20_000 },
        )
        .toBe(true);

      // The receiver has answered; the outbox records the answer just after, and the deliveries
      // screen is read when it loads: look again until both are listed as delivered.
      const pager = page
        .locator('[data-channel="e2e-pager"][data-status="delivered"]')
        .filter({ hasText: "Split-brain" });
      const row = pager.filter({ has: page.getByRole("cell", { name: "firing", exact: true }) }).first();
      await expect(async () => {
        await page.goto("/deliveries");
        await expect(row).toBeVisible({ timeout: 2_000 });
        await expect(
          pager.filter({ has: page.getByRole("cell", { name: "acknowledge", exact: true }) }).first(),
        ).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(row.getByRole("cell").last()).toHaveText(/^\d+\.\d\d s$/);
      await expectNoAxeViolations(page);
    } finally {
      await sim.stopScenarios("spot-exchange");
    }
  });
});

test.describe("paging as an admin", () => {
  test.use({ storageState: authFile("admin") });

  test("send test reaches the channel and is listed", async ({ page }) => {
    const before = (await received()).filter(
      (r) => r.kind === "slack" && String(r.body.text).includes("Test notification"),
    ).length;
    await page.goto("/deliveries");
    await page.getByRole("button", { name: "Send test to e2e-chat" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Queued" })).toBeVisible();
    await expect
      .poll(
        async () =>
          (await received()).filter((r) => r.kind === "slack" && String(r.body.text).includes("Test notification"))
            .length,
        { timeout: 20_000 },
      )
      .toBe(before + 1);
    await page.reload();
    await expect(
      page.locator('[data-channel="e2e-chat"]').filter({ hasText: "Test notification by" }).first(),
    ).toBeVisible();
    await page.goto("/silences");
    await expect(page.getByRole("heading", { name: "Silences and maintenance" })).toBeVisible();
    await expectNoAxeViolations(page);
  });
});
