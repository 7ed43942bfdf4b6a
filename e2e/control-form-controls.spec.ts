import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { fleetAdmin, fleetFile } from "./fleet";
import { restoreSymbol } from "./restore";
import { authFile, expectNoAxeViolations } from "./support";

// The control form as people use it, against the simulated fleet:
// - what the form shows is what it sends, and after a success nothing that would undo it is left
//   filled in (a second click cannot restore the previous mode);
// - every submit either sends or says why not;
// - a pre-filled link (a runbook checklist's) opens that one control, filled in and focused;
// - approvals (a restore: a symbol back to NORMAL) show on the approver's navigation and board,
//   and the requester's view follows the request from pending to its outcome without a reload;
// - the runbook's "global SOFT_HALT" is one call for every symbol, a commander's;
// - the page fits a phone's width.

test.describe.configure({ mode: "serial" });

interface SimSystem {
  name: string;
  url: string;
  credential: string;
}
interface SimCall {
  idempotencyKey: string | null;
  ticketId: string | null;
  executed: boolean;
  control: string;
  params: Record<string, unknown>;
}
function spot(): SimSystem {
  const f = JSON.parse(readFileSync(fleetFile(), "utf8")) as { systems: SimSystem[] };
  return f.systems.find((s) => s.name === "spot-exchange")!;
}
async function exchangeState() {
  const s = spot();
  return (await (
    await fetch(`${s.url}/admin/state`, { headers: { authorization: `Bearer ${s.credential}` } })
  ).json()) as { symbols: { symbol: string; mode: string }[]; withdrawalsHalted: boolean };
}
async function callsFor(ticket: string): Promise<SimCall[]> {
  const all = (
    (await (await fetch(`${fleetAdmin()}/systems/spot-exchange/control-calls`)).json()) as { calls: SimCall[] }
  ).calls;
  return all.filter((c) => c.ticketId === ticket);
}
async function simControl(control: string, params: Record<string, unknown>) {
  const s = spot();
  await fetch(`${s.url}/control/${control}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${s.credential}` },
    body: JSON.stringify({
      reason: "e2e clean-up after the control form test",
      ticketId: "E2E-2",
      actor: "e2e",
      idempotencyKey: `e2e-clean-${control}-${Date.now()}-${Math.random()}`,
      params,
    }),
  });
}
const ticket = (tag: string) => `OPS-${tag}${Date.now() % 1_000_000}`;
const noSideScroll = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);

test.use({ storageState: authFile("commander") });

test("the form sends exactly what it shows, and after a success nothing that would undo it is pre-filled", async ({
  page,
}, info) => {
  test.setTimeout(90_000);
  const phone = info.project.name === "phone";
  const symbol = phone ? "AVAX-USD" : "DOGE-USD";
  const t = ticket(phone ? "31" : "32");
  try {
    // Withdrawals: choosing "off" and previewing keeps "off" on screen, and the preview speaks of "off".
    await page.goto("/controls?target=spot-exchange&control=withdrawals-halt");
    const w = page.getByRole("form", { name: "Halt withdrawals on spot-exchange" });
    const halt = w.getByLabel("Withdrawals halt");
    await expect(halt).toHaveValue("");
    await halt.selectOption("off");
    await w.getByRole("button", { name: "Preview" }).click();
    await expect(w.locator("[data-preview]")).toContainText("→ running");
    await expect(halt).toHaveValue("off");
    await expect(w.locator("[data-policy]")).toContainText("elevated");
    // Withdrawals back on put money at risk: restoring, a commander's request and a second person's approval.
    await expect(w.locator("[data-policy]")).toContainText("restoring");
    await expect(w.locator("[data-policy]")).toContainText("a second commander must approve");
    // Submit without a reason: it says why it was not sent, and nothing reaches the exchange.
    await w.getByRole("button", { name: "Request approval" }).click();
    await expect(w.locator("[data-not-sent]")).toContainText("Not sent: fix the 2 fields marked above.");
    await expect(w.getByText("give a reason of at least 10 non-blank characters")).toBeVisible();
    await expect(w.getByText("a ticket ID is required")).toBeVisible();
    await expect(halt).toHaveValue("off");
    expect(await callsFor(t)).toHaveLength(0);

    // Symbol mode: CANCEL_ONLY on one symbol is sent as shown.
    await page.goto("/controls?target=spot-exchange&control=symbol-mode");
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(form.getByLabel("Mode")).toHaveValue("");
    await form.getByLabel("Symbol").fill(symbol);
    await form.getByLabel("Mode").selectOption("CANCEL_ONLY");
    await form.getByRole("button", { name: "Preview" }).click();
    await expect(form.locator("[data-preview]")).toContainText(`${symbol}: NORMAL → CANCEL_ONLY`);
    await expect(form.getByLabel("Mode")).toHaveValue("CANCEL_ONLY");
    await expect(form.getByLabel("Symbol")).toHaveValue(symbol);
    await form.getByLabel("Reason (at least 10 characters)").fill("ledger in doubt: cancel only on the symbol");
    await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(t);
    await form.getByRole("button", { name: "Run control" }).click();
    await expect(form.locator("[data-request]")).toHaveAttribute("data-request-state", "succeeded", {
      timeout: 15_000,
    });
    await expect(form.locator("[data-request]")).toContainText("symbol mode now CANCEL_ONLY");
    const sent = (await callsFor(t)).filter((c) => c.executed);
    expect(sent.map((c) => c.params)).toEqual([{ symbol, mode: "CANCEL_ONLY" }]);
    expect((await exchangeState()).symbols.find((s) => s.symbol === symbol)!.mode).toBe("CANCEL_ONLY");

    // Safe empty state: no mode, no symbol, no reason; the ticket stays for the next step.
    await expect(form.getByLabel("Mode")).toHaveValue("");
    await expect(form.getByLabel("Symbol")).toHaveValue("");
    await expect(form.getByLabel("Reason (at least 10 characters)")).toHaveValue("");
    await expect(form.getByLabel("Ticket ID (e.g. OPS-123)")).toHaveValue(t);
    // One more click sends nothing and says why.
    await form.getByRole("button", { name: "Run control" }).click();
    await expect(form.locator("[data-not-sent]")).toContainText("Not sent: fix the 3 fields marked above.");
    await expect(form.getByText("choose a mode", { exact: true })).toBeVisible();
    await expect(form.getByText("choose a symbol (or every symbol)", { exact: true })).toBeVisible();
    await expect(form.getByText("give a reason of at least 10 non-blank characters")).toBeVisible();
    await expect(form).not.toContainText("Invalid input");
    expect((await callsFor(t)).filter((c) => c.executed)).toHaveLength(1);
    expect((await exchangeState()).symbols.find((s) => s.symbol === symbol)!.mode).toBe("CANCEL_ONLY");
    await expectNoAxeViolations(page);
  } finally {
    await restoreSymbol(symbol);
    await simControl("symbol-mode", { symbol, mode: "NORMAL" });
  }
});

test("a pre-filled link opens that control alone, filled in and focused", async ({ page }, info) => {
  const symbol = info.project.name === "phone" ? "AVAX-USD" : "DOGE-USD";
  // The runbook checklist's format, with `system=` as well as `target=`.
  await page.goto(`/controls?system=spot-exchange&control=symbol-mode&symbol=${symbol}&mode=CANCEL_ONLY`);
  const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
  await expect(form).toBeInViewport();
  await expect(form.getByLabel("Symbol")).toHaveValue(symbol);
  await expect(form.getByLabel("Mode")).toHaveValue("CANCEL_ONLY");
  await expect(form.getByLabel("Reason (at least 10 characters)")).toBeFocused();
  await expect(page.getByRole("heading", { name: "Set symbol mode — spot-exchange" })).toBeVisible();
  // Only this control is on the page: not the whole catalog.
  await expect(page.locator("main form")).toHaveCount(1);
  expect(await noSideScroll(page)).toBe(true);
  await page.screenshot({ path: `test-results/screens/control-form-${info.project.name}.png`, fullPage: true });

  // A link without the system finds the one system that has the control; the runbook writes the
  // halt as on=true, which the select shows as "on" (and sends as on).
  await page.goto("/controls?control=withdrawals-halt&on=true");
  const w = page.getByRole("form", { name: "Halt withdrawals on spot-exchange" });
  await expect(w.getByLabel("Withdrawals halt")).toHaveValue("on");
  await expect(w.locator("[data-policy]")).toContainText("critical");
  // A link to a control that does not exist says so.
  await page.goto("/controls?system=spot-exchange&control=reboot-everything");
  await expect(page.locator("[data-open-control] [role=alert]")).toContainText(
    "No control “reboot-everything” on spot-exchange",
  );
});

test("a responder sees what their role cannot run, and cannot pick it", async ({ browser }, info) => {
  const ctx = await browser.newContext({
    storageState: authFile("responder"),
    ...(info.project.name === "phone" ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } : {}),
  });
  const page = await ctx.newPage();
  try {
    // Withdrawals act on the whole exchange: both ways a commander's, so a responder has no such control.
    await page.goto("/controls?target=spot-exchange&control=withdrawals-halt");
    await expect(page.locator("[data-open-control] [role=alert]")).toContainText(
      "No control “withdrawals-halt” on spot-exchange that your role (responder) can open",
    );
    // A halt of one symbol is the responder's to run at once; putting it back to NORMAL is not.
    await page.goto("/controls?target=spot-exchange&control=symbol-mode");
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    const mode = form.getByLabel("Mode");
    await expect(mode.locator("option", { hasText: "NORMAL — needs commander" })).toBeDisabled();
    await expect(mode.locator("option", { hasText: /^HARD_HALT$/ })).toBeEnabled();
    // The exchange-wide scope is a commander's.
    await expect(form.getByLabel("Scope").locator("option", { hasText: "Every symbol" })).toBeDisabled();
    await form.getByLabel("Symbol").fill("BTC-USD");
    await mode.selectOption("HARD_HALT");
    await expect(form.locator("[data-policy]")).toContainText("protective");
    await expect(form.locator("[data-policy]")).toContainText("needs responder");
    await expect(form.locator("[data-policy]")).toContainText("runs at once, no approval");
    // A link that asks for more than the role may do is shown as view-only, with no button to send it.
    await page.goto("/controls?target=spot-exchange&control=symbol-mode&symbol=BTC-USD&mode=NORMAL");
    await expect(page.locator("[data-view-only]")).toContainText(
      "needs the commander role; you are signed in as responder",
    );
    await expect(page.getByRole("button", { name: /Run control|Request approval/ })).toHaveCount(0);
    expect(await noSideScroll(page)).toBe(true);
  } finally {
    await ctx.close();
  }
});

test("when the affected symbols are unknown, one exchange-wide SOFT_HALT sets every symbol in one audited call", async ({
  page,
}, info) => {
  test.skip(
    info.project.name === "phone",
    "the exchange-wide halt runs once (desktop); the phone checks the form fits",
  );
  test.setTimeout(60_000);
  const t = ticket("33");
  try {
    await page.goto("/controls?target=spot-exchange&control=symbol-mode&scope=all&mode=SOFT_HALT");
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(form.getByLabel("Scope")).toHaveValue("all");
    await expect(form.getByLabel("Symbol")).toHaveCount(0);
    await form.getByRole("button", { name: "Preview" }).click();
    await expect(form.locator("[data-preview]")).toContainText("all 8 symbols");
    await expect(form.locator("[data-policy]")).toContainText("needs commander");
    await form.getByLabel("Reason (at least 10 characters)").fill("ledger invariant failing, affected symbols unknown");
    await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(t);
    await form.getByLabel("Type spot-exchange to confirm").fill("spot-exchange");
    await form.getByRole("button", { name: "Run control" }).click();
    await expect(form.locator("[data-request]")).toHaveAttribute("data-request-state", "succeeded", {
      timeout: 15_000,
    });
    await expect(form.locator("[data-request]")).toContainText("all 8 symbols now SOFT_HALT");
    const calls = (await callsFor(t)).filter((c) => c.executed);
    expect(calls.map((c) => c.params)).toEqual([{ scope: "all", mode: "SOFT_HALT" }]);
    expect((await exchangeState()).symbols.map((s) => s.mode)).toEqual(Array(8).fill("SOFT_HALT"));
    await page.goto(`/audit?ticket=${t}`);
    const outcomes = await page
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-outcome") ?? "").reverse());
    expect(outcomes).toEqual(["requested", "succeeded", "verified"]);
  } finally {
    await restoreSymbol("all");
    await simControl("symbol-mode", { scope: "all", mode: "NORMAL" });
  }
});

test("an approval shows on the approver's navigation and board, and the requester's view follows it without a reload", async ({
  browser,
  page,
}, info) => {
  test.setTimeout(120_000);
  const phone = info.project.name === "phone";
  const symbol = "LINK-USD";
  const t = ticket(phone ? "34" : "35");
  const approverCtx = await browser.newContext({
    storageState: authFile("admin"),
    ...(phone ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } : {}),
  });
  const approver = await approverCtx.newPage();
  try {
    // The symbol is in CANCEL_ONLY (set directly on the exchange); putting it back to NORMAL is a restore.
    await simControl("symbol-mode", { symbol, mode: "CANCEL_ONLY" });
    // The approver is on the board before anything is requested.
    await approver.goto("/");
    const badge = approver.locator("[data-approvals-badge]").filter({ visible: true }).first();
    const before = Number((await badge.getAttribute("data-approvals-badge", { timeout: 1000 }).catch(() => null)) ?? 0);

    await page.goto(`/controls?target=spot-exchange&control=symbol-mode&symbol=${symbol}&mode=NORMAL`);
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(form.locator("[data-policy]")).toContainText("restoring");
    // The runbook's condition holds (CANCEL_ONLY first): nothing to override.
    await expect(form.locator('[data-condition="cancel-only-first"]')).toHaveAttribute("data-ok", "true");
    await form
      .getByLabel("Reason (at least 10 characters)")
      .fill("split brain resolved, symbol validated in CANCEL_ONLY");
    await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(t);
    await form.getByRole("button", { name: "Request approval" }).click();
    await expect(form.locator("[data-request]")).toHaveAttribute("data-request-state", "pending_approval");
    await expect(form.locator("[data-request]")).toContainText("Nothing has been sent yet");

    // The approver's navigation and board show it without a reload.
    await expect(badge).toHaveAttribute("data-approvals-badge", String(before + 1), { timeout: 20_000 });
    const banner = approver.locator("[data-approvals-banner]");
    await expect(banner).toHaveAttribute("data-approvals-banner", String(before + 1));
    await approver.screenshot({ path: `test-results/screens/approvals-board-${info.project.name}.png` });
    await banner.getByRole("link").click();
    await expect(approver).toHaveURL(/\/controls/);
    await approver
      .locator("[data-pending]")
      .filter({ hasText: t })
      .getByRole("button", { name: "Approve and run" })
      .click();
    await expect(approver.locator("[data-pending]").filter({ hasText: t })).toHaveCount(0, { timeout: 15_000 });
    // Decided: the approver's badge drops back.
    if (before === 0)
      await expect(approver.locator("[data-approvals-badge]").filter({ visible: true })).toHaveCount(0, {
        timeout: 15_000,
      });
    else
      await expect(approver.locator("[data-approvals-badge]").filter({ visible: true }).first()).toHaveAttribute(
        "data-approvals-badge",
        String(before),
        { timeout: 15_000 },
      );

    // The requester's page, untouched since the request, shows the outcome.
    const card = form.locator("[data-request]").first();
    await expect(card).toHaveAttribute("data-request-state", "succeeded", { timeout: 20_000 });
    await expect(card).toContainText("Approved by e2e-admin");
    await expect(card).toContainText("symbol mode now NORMAL");
    expect((await callsFor(t)).filter((c) => c.executed)).toHaveLength(1);
    expect((await exchangeState()).symbols.find((s) => s.symbol === symbol)!.mode).toBe("NORMAL");
  } finally {
    await simControl("symbol-mode", { symbol, mode: "NORMAL" });
    await approverCtx.close();
  }
});

test("the Controls page fits the screen, its recent results lead with the control", async ({ page }, info) => {
  await page.goto("/controls");
  await expect(page.getByRole("heading", { name: "Catalog" })).toBeVisible();
  expect(await noSideScroll(page)).toBe(true);
  if (info.project.name === "phone") {
    await expect(page.getByRole("navigation", { name: "Main" }).filter({ visible: true })).toBeInViewport();
    const first = page.locator("[data-request-card]").first();
    await expect(first).toBeVisible();
    await expect(page.getByRole("region", { name: "Recent control requests" })).toBeHidden();
  } else {
    await expect(page.locator("thead th").first()).toHaveText("Control");
  }
  await page.screenshot({ path: `test-results/screens/controls-${info.project.name}.png`, fullPage: true });
  await expectNoAxeViolations(page);
});
