import { expect, test } from "@playwright/test";
import { callAction } from "./actions";
import { sim } from "./fleet";
import { restoreSymbol } from "./restore";
import { openIncidentFromCard, resolveIncident } from "./incident-steps";
import { authFile, expectNoAxeViolations } from "./support";

// Replay from the incident room: a responder halts a symbol, the exchange stops honouring halts
// and the post-control watch opens a SEV1; a commander opens an incident from it, scrubs the
// room's replay from the onset back to just before it and sees the finding leave the board, opens
// the full board at the onset (marked as a replay, not live), and follows "changes before onset"
// to the audit records of the control that caused the finding.
// LINK-USD is used by no other fleet spec.

const SYMBOL = "LINK-USD";
const WATCH = `control_watch|spot-exchange|${SYMBOL}`;

test("an incident's replay: scrub its timeline, see the board change, follow a change before onset to its control", async ({
  browser,
  baseURL,
}, info) => {
  test.skip(info.project.name === "phone", "the replay drill runs once (desktop)");
  test.setTimeout(120_000);
  const ticket = `OPS-7${Date.now() % 1_000_000}`;
  const responder = await browser.newContext({ storageState: authFile("responder") });
  const commander = await browser.newContext({ storageState: authFile("commander") });
  const page = await commander.newPage();
  let incidentId: string | undefined;
  try {
    const res = await callAction(
      responder.request,
      "/controls",
      "executeControlAction",
      {
        target: "spot-exchange",
        control: "symbol-mode",
        "p.symbol": SYMBOL,
        "p.mode": "HARD_HALT",
        reason: `replay drill: halting ${SYMBOL}`,
        ticketId: ticket,
        confirm: SYMBOL,
        idempotencyKey: `e2e-replay-${ticket}`,
      },
      { Origin: baseURL! },
    );
    expect(await res.text()).toContain('"state":"succeeded"');
    // The exchange stops honouring halts: the halted symbol trades again, and the watch fires.
    await page.waitForTimeout(2000);
    await sim.setFault("spot-exchange", "ignores-halt");
    await page.goto("/");
    const card = page.locator(`[data-finding="${WATCH}"]`);
    await expect(card).toBeVisible({ timeout: 30_000 });
    incidentId = await openIncidentFromCard(page, card);

    // The room's replay starts at the onset: the watch finding is on the replayed board.
    const replay = page.getByRole("region", { name: "Replay", exact: true });
    await expect(replay.locator("[data-replay-stop]")).toHaveText("Onset");
    await expect(replay.locator(`[data-replay-finding="${WATCH}"]`)).toHaveAttribute("data-state", "critical");
    await expect(replay).toContainText("Replay — not live");
    await expectNoAxeViolations(page);
    // One stop earlier, just before the onset: the finding is not on the board yet.
    await replay.getByRole("button", { name: "◀ Earlier" }).click();
    await expect(replay.locator("[data-replay-stop]")).toHaveText("Just before onset");
    await expect(replay.locator("[data-replay-counts]")).toBeVisible();
    await expect(replay.locator(`[data-replay-finding="${WATCH}"]`)).toHaveCount(0);
    // And with the scrubber (keyboard), forward to the onset again: back on the board.
    await replay.getByLabel(/Replay the board through the incident/).press("ArrowRight");
    await expect(replay.locator("[data-replay-stop]")).toHaveText("Onset");
    await expect(replay.locator(`[data-replay-finding="${WATCH}"]`)).toBeVisible();

    // The full board at that moment: the same lanes and cards, marked as a replay, with its steps.
    await replay.getByRole("link", { name: "Open the board at this moment" }).click();
    await expect(page).toHaveURL(/\/\?at=/);
    await expect(page.getByRole("status").filter({ hasText: "Replay — not live" })).toBeVisible();
    await expect(page.locator(`[data-lane="SEV1"] [data-finding="${WATCH}"]`)).toBeVisible();
    await expect(page.getByRole("link", { name: "◀ Previous change" })).toBeVisible();
    await expectNoAxeViolations(page);
    await page.goBack();

    // What changed before the onset: the halt, linking to its audit records.
    const change = replay.locator('[data-change-kind="control"]').filter({ hasText: ticket });
    await expect(change).toContainText(/Control symbol-mode \(.*symbol=LINK-USD.*\) on spot-exchange/);
    await expect(change).toContainText("mode=HARD_HALT");
    await change.getByRole("link", { name: /Evidence: audit records/ }).click();
    await expect(page).toHaveURL(new RegExp(`/audit\\?target=spot-exchange&ticket=${ticket}`));
    await expect(page.locator('tbody tr[data-outcome="requested"]')).toHaveCount(1);
  } finally {
    await sim.clearFault("spot-exchange").catch(() => {});
    // Restored through the console: the restore replaces the watch, and its SEV1 clears.
    await restoreSymbol(SYMBOL);
    if (incidentId) await resolveIncident(page, incidentId).catch(() => {});
    await responder.close();
    await commander.close();
  }
});
