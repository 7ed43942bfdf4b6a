import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { callAction } from "./actions";
import { fleetAdmin } from "./fleet";
import { authFile, expectNoAxeViolations } from "./support";

// Controls end to end against the simulated fleet the e2e server runs: a commander asks to
// HARD_HALT a symbol, a second person (the admin) approves, the simulated symbol stops trading,
// and the audit log shows requested → approved → succeeded → verified. Who may call each control
// action at all is checked by the security matrix (e2e/security/).

test.describe.configure({ mode: "serial" });

interface SimSystem { name: string; url: string; credential: string }
function spot(): SimSystem {
  const f = JSON.parse(readFileSync("e2e/.auth/fleet.json", "utf8")) as { systems: SimSystem[] };
  return f.systems.find((s) => s.name === "spot-exchange")!;
}
async function symbolState(symbol: string) {
  const s = spot();
  const st = (await (await fetch(`${s.url}/admin/state`, { headers: { authorization: `Bearer ${s.credential}` } })).json()) as { symbols: { symbol: string; mode: string; tradesLastSecond: number }[]; conflation: boolean };
  return { ...st.symbols.find((x) => x.symbol === symbol)!, conflation: st.conflation };
}
async function simCalls(): Promise<{ idempotencyKey: string | null; ticketId: string | null; executed: boolean }[]> {
  return ((await (await fetch(`${fleetAdmin()}/systems/spot-exchange/control-calls`)).json()) as { calls: never[] }).calls;
}
async function resetSymbol(symbol: string) {
  const s = spot();
  await fetch(`${s.url}/control/symbol-mode`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${s.credential}` },
    body: JSON.stringify({ reason: "e2e clean-up after the halt test", ticketId: "E2E-1", actor: "e2e", idempotencyKey: `e2e-reset-${symbol}-${Date.now()}`, params: { symbol, mode: "NORMAL" } }),
  });
}

/** executeControlAction called over HTTP, as a hostile client would, optionally from another origin. */
function callExecute(request: APIRequestContext, fields: Record<string, string>, origin?: string) {
  return callAction(request, "/controls", "executeControlAction", fields, origin ? { Origin: origin } : {});
}

const ticket = (tag: string) => `OPS-${tag}${Date.now() % 1_000_000}`;

async function auditOutcomes(page: Page, ticketId: string): Promise<string[]> {
  await page.goto(`/audit?ticket=${ticketId}`);
  return page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-outcome") ?? "").reverse());
}

test("a commander halts a symbol, a second person approves, the symbol stops trading and the audit shows the trail", async ({ browser, baseURL }, info) => {
  test.setTimeout(120_000);
  const phone = info.project.name === "phone";
  const symbol = phone ? "ETH-USD" : "BTC-USD";
  const t = ticket(phone ? "7" : "8");
  const commanderCtx = await browser.newContext({ storageState: authFile("commander"), ...(phone ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } : {}) });
  const page = await commanderCtx.newPage();
  try {
    await page.goto(`/controls?target=spot-exchange&control=symbol-mode&symbol=${symbol}&mode=HARD_HALT`);
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(form.getByLabel("Symbol")).toHaveValue(symbol);
    await expect(form.getByLabel("Mode")).toHaveValue("HARD_HALT");
    await expect(form).toContainText("a second commander must approve");
    await expectNoAxeViolations(page);
    if (phone) {
      // Phones: critical controls are view-only; the request comes from a desktop (here: the same server action over HTTP).
      await expect(form.getByRole("button", { name: "Request approval" })).toBeHidden();
      await expect(form.getByText("view-only on a phone")).toBeVisible();
      const res = await callExecute(commanderCtx.request, { target: "spot-exchange", control: "symbol-mode", "p.symbol": symbol, "p.mode": "HARD_HALT", reason: "split brain on the symbol, halting it", ticketId: t, confirm: symbol, idempotencyKey: `e2e-phone-${t}` }, baseURL);
      expect(await res.text()).toContain("pending_approval");
    } else {
      await form.getByRole("button", { name: "Preview" }).click();
      await expect(form.getByRole("status")).toContainText(new RegExp(`Preview: ${symbol}: NORMAL → HARD_HALT; \\d+ open orders? stay resting`));
      await form.getByRole("button", { name: "Request approval" }).click();
      await expect(form.getByText("give a reason of at least 10 non-blank characters")).toBeVisible();
      await expect(form.getByText("a ticket ID is required")).toBeVisible();
      await form.getByLabel("Reason (at least 10 characters)").fill("split brain on the symbol, halting it");
      await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(t);
      await form.getByLabel(`Type ${symbol} to confirm`).fill(symbol);
      await form.getByRole("button", { name: "Request approval" }).click();
      await expect(form.getByRole("status")).toContainText("pending approval");
      await expect(form.getByRole("status")).toContainText("Nothing has been sent yet");
    }
    expect((await simCalls()).filter((c) => c.ticketId === t)).toHaveLength(0);
    expect((await symbolState(symbol)).mode).toBe("NORMAL");

    // The requester cannot approve their own request.
    await page.goto("/controls");
    const own = page.locator("[data-pending]").filter({ hasText: t });
    await expect(own).toContainText("you cannot approve your own request");
    await expect(own.getByRole("button", { name: "Approve and run" })).toHaveCount(0);

    // A second person with at least the commander role approves (on a phone too).
    const approver = await browser.newPage({ storageState: authFile("admin") });
    await approver.goto("/controls");
    const item = approver.locator("[data-pending]").filter({ hasText: t });
    await expect(item).toContainText("e2e-commander");
    await item.getByRole("button", { name: "Approve and run" }).click();
    // Once decided it leaves the pending list; the outcome and its verification show under Recent results.
    await expect(approver.locator("[data-pending]").filter({ hasText: t })).toHaveCount(0, { timeout: 15_000 });
    const row = approver.locator("tr[data-request]").filter({ hasText: t });
    await expect(row).toContainText("succeeded");
    await expect(row).toContainText("symbol mode now HARD_HALT");
    await expect(row).toContainText("approved by e2e-admin");
    await approver.close();

    expect((await simCalls()).filter((c) => c.ticketId === t && c.executed)).toHaveLength(1);
    await expect.poll(async () => symbolState(symbol), { timeout: 10_000 }).toMatchObject({ mode: "HARD_HALT", tradesLastSecond: 0 });

    expect(await auditOutcomes(page, t)).toEqual(["requested", "approved", "succeeded", "verified"]);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: `test-results/screens/audit-controls-${info.project.name}.png`, fullPage: true });
  } finally {
    await resetSymbol(symbol);
    await commanderCtx.close();
  }
});

test.describe("executeControlAction called directly over HTTP", () => {
  test.skip(({ isMobile }) => isMobile, "HTTP-level checks run once (desktop)");
  const fields = (t: string) => ({ target: "spot-exchange", control: "conflation", "p.on": "on", reason: "websocket fan-out overload, conflating", ticketId: t, idempotencyKey: `e2e-direct-${t}` });


  test("missing reason and ticket give field errors and no call; a responder's valid call runs once even when sent twice", async ({ playwright, baseURL }) => {
    const responder = await playwright.request.newContext({ baseURL, storageState: authFile("responder") });
    const bad = await (await callExecute(responder, { target: "spot-exchange", control: "conflation", "p.on": "on", reason: " ", ticketId: "", idempotencyKey: "e2e-missing-fields-1" }, baseURL)).text();
    expect(bad).toContain("10 non-blank characters");
    expect(bad).toContain("a ticket ID is required");
    expect((await simCalls()).filter((c) => c.idempotencyKey === "e2e-missing-fields-1")).toHaveLength(0);

    const t = ticket("4");
    const [a, b] = await Promise.all([callExecute(responder, fields(t), baseURL), callExecute(responder, fields(t), baseURL)]);
    expect(await a.text()).toContain('"ok":true');
    expect(await b.text()).toContain('"ok":true');
    expect((await simCalls()).filter((c) => c.ticketId === t)).toHaveLength(1);
    expect((await symbolState("BTC-USD")).conflation).toBe(true);
  });
});
