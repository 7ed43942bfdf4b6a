import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { authFile, expectNoAxeViolations } from "./support";
import { fleetFile } from "./fleet";

// The spot exchange runbook's routine operations and its settlement-lag throttle, as people use
// them against the simulated fleet:
// - the routine-checks screen lists the exchange's daily, weekly and monthly checks; a responder
//   marks one done (note included) and the row shows it done, with who and the note; a viewer
//   sees the list without the button;
// - the throttle control caps one symbol's new orders from the Controls screen, and the exchange
//   reports the cap.

test.describe.configure({ mode: "serial" });

interface SimSystem {
  name: string;
  url: string;
  credential: string;
}
function spot(): SimSystem {
  // The fleet of the server this test runs against (each e2e lane has its own).
  const f = JSON.parse(readFileSync(fleetFile(), "utf8")) as { systems: SimSystem[] };
  return f.systems.find((s) => s.name === "spot-exchange")!;
}
async function throttleOf(symbol: string): Promise<number | null | undefined> {
  const s = spot();
  const st = (await (
    await fetch(`${s.url}/admin/state`, { headers: { authorization: `Bearer ${s.credential}` } })
  ).json()) as { symbols: { symbol: string; throttleOrdersPerSecond?: number | null }[] };
  return st.symbols.find((x) => x.symbol === symbol)?.throttleOrdersPerSecond;
}
async function lift(symbol: string) {
  const s = spot();
  await fetch(`${s.url}/control/symbol-throttle`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${s.credential}` },
    body: JSON.stringify({
      reason: "e2e clean-up after the throttle test",
      ticketId: "E2E-3",
      actor: "e2e",
      idempotencyKey: `e2e-lift-${symbol}-${Date.now()}-${Math.random()}`,
      params: { symbol, off: true },
    }),
  });
}

test.describe("routine checks", () => {
  test.use({ storageState: authFile("responder") });

  test("a responder marks a daily check done; the row shows it done, by whom, with the note", async ({
    page,
  }, info) => {
    const check = info.project.name === "phone" ? "settlement-lag-report" : "reconciliation-summary";
    const note = `summary reviewed (${info.project.name} ${Date.now() % 100000})`;
    await page.goto("/routine");
    await expect(page.getByRole("heading", { name: "Routine checks" })).toBeVisible();
    const rows = page.locator('[data-routine^="spot-exchange:"]');
    await expect(rows).toHaveCount(7);
    const row = page.locator(`[data-routine="spot-exchange:${check}"]`);
    const form = row.getByRole("form");
    await form.getByLabel("Note (optional)").fill(note);
    await form.getByRole("button", { name: "Mark done" }).click();
    await expect(row).toHaveAttribute("data-state", "done");
    await expect(row).toContainText("done today");
    await expect(row).toContainText(note);
    await expect(row).toContainText("Ray Responder");
    await expectNoAxeViolations(page);
  });

  test("a viewer sees the checks without the button", async ({ browser }) => {
    const page = await browser.newPage({ storageState: authFile("viewer") });
    await page.goto("/routine");
    await expect(page.locator('[data-routine="spot-exchange:dr-exercise"]')).toBeVisible();
    await expect(page.getByRole("button", { name: "Mark done" })).toHaveCount(0);
    await expect(page.getByText("Recording a check done needs the responder role.")).toBeVisible();
    await page.close();
  });
});

test.describe("settlement lag throttle", () => {
  test.use({ storageState: authFile("responder") });

  test("a responder throttles one symbol's new orders from the Controls screen; the exchange reports the cap", async ({
    page,
  }, info) => {
    const symbol = info.project.name === "phone" ? "LINK-USD" : "ADA-USD";
    try {
      await page.goto(`/controls?target=spot-exchange&control=symbol-throttle&symbol=${symbol}`);
      const form = page.getByRole("form", { name: "Throttle new orders on spot-exchange" });
      await expect(form.getByLabel("Symbol")).toHaveValue(symbol);
      await form.getByLabel("Throttle").selectOption("on");
      await form.getByLabel("New orders per second").fill("5");
      await form.getByRole("button", { name: "Preview" }).click();
      await expect(form.locator("[data-preview]")).toContainText(
        `${symbol}: no throttle → at most 5 new orders a second`,
      );
      await expect(form.locator("[data-policy]")).toContainText("protective");
      await form.getByLabel("Reason (at least 10 characters)").fill("settlement lag over T2: throttle new orders");
      await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(`OPS-7${Date.now() % 100000}`);
      await form.getByRole("button", { name: "Run control" }).click();
      await expect(form.locator("[data-request]")).toHaveAttribute("data-request-state", "succeeded", {
        timeout: 15_000,
      });
      await expect(form.locator("[data-request]")).toContainText(`${symbol} throttled to 5 new orders a second`);
      expect(await throttleOf(symbol)).toBe(5);
    } finally {
      await lift(symbol);
    }
  });
});
