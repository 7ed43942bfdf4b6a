import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { callAction } from "./actions";
import { fleetAdmin, fleetFile, sim } from "./fleet";
import { restoreSymbol } from "./restore";
import { authFile, expectNoAxeViolations } from "./support";

// Controls end to end against the simulated fleet the e2e server runs: a responder HARD_HALTs a
// symbol in one step (protective: no approval) with the blast radius on screen, cancel-all removes
// exactly the open orders the preview showed, a commander's NORMAL (restoring) waits for a second
// person and shows why the halt was put on; and a halt the exchange stops honouring opens a SEV1
// from the post-control watch. Who may call each control action at all is checked by the security
// matrix (e2e/security/).

test.describe.configure({ mode: "serial" });

interface SimSystem {
  name: string;
  url: string;
  credential: string;
}
function spot(): SimSystem {
  const f = JSON.parse(readFileSync(fleetFile(), "utf8")) as { systems: SimSystem[] };
  return f.systems.find((s) => s.name === "spot-exchange")!;
}
async function symbolState(symbol: string) {
  const s = spot();
  const st = (await (
    await fetch(`${s.url}/admin/state`, { headers: { authorization: `Bearer ${s.credential}` } })
  ).json()) as { symbols: { symbol: string; mode: string; tradesLastSecond: number }[]; conflation: boolean };
  return { ...st.symbols.find((x) => x.symbol === symbol)!, conflation: st.conflation };
}
async function simCalls(): Promise<{ idempotencyKey: string | null; ticketId: string | null; executed: boolean }[]> {
  return ((await (await fetch(`${fleetAdmin()}/systems/spot-exchange/control-calls`)).json()) as { calls: never[] })
    .calls;
}
async function resetSymbol(symbol: string) {
  const s = spot();
  await fetch(`${s.url}/control/symbol-mode`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${s.credential}` },
    body: JSON.stringify({
      reason: "e2e clean-up after the halt test",
      ticketId: "E2E-1",
      actor: "e2e",
      idempotencyKey: `e2e-reset-${symbol}-${Date.now()}`,
      params: { symbol, mode: "NORMAL" },
    }),
  });
}

/** executeControlAction called over HTTP, as a hostile client would, optionally from another origin. */
function callExecute(request: APIRequestContext, fields: Record<string, string>, origin?: string) {
  return callAction(request, "/controls", "executeControlAction", fields, origin ? { Origin: origin } : {});
}

const ticket = (tag: string) => `OPS-${tag}${Date.now() % 1_000_000}`;

async function auditOutcomes(page: Page, ticketId: string): Promise<string[]> {
  await page.goto(`/audit?ticket=${ticketId}`);
  return page
    .locator("tbody tr")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-outcome") ?? "").reverse());
}

test("a responder halts a symbol in one step, the preview's open orders are the ones cancel-all removes, and a commander's NORMAL is refused while the runbook's CANCEL_ONLY-first fails, overridden (audited), needs a second person and shows why the halt was put on", async ({
  browser,
  baseURL,
}, info) => {
  test.setTimeout(120_000);
  const phone = info.project.name === "phone";
  const symbol = phone ? "ETH-USD" : "BTC-USD";
  const t = ticket(phone ? "7" : "8");
  const haltReason = `split brain on ${symbol}, halting it now`;
  const device = phone ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } : {};
  const responderCtx = await browser.newContext({ storageState: authFile("responder"), ...device });
  const commanderCtx = await browser.newContext({ storageState: authFile("commander"), ...device });
  const page = await responderCtx.newPage();
  try {
    // ── A responder halts the symbol: protective, one step, no approval ──
    await page.goto(`/controls?target=spot-exchange&control=symbol-mode&symbol=${symbol}&mode=HARD_HALT`);
    const form = page.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(form.getByLabel("Mode")).toHaveValue("HARD_HALT");
    await expect(form.locator("[data-policy]")).toContainText("protective");
    await expect(form.locator("[data-policy]")).toContainText("runs at once, no approval");
    // The confirmation step reads the blast radius from the exchange without being asked.
    await expect(form.locator("[data-preview]")).toContainText(
      new RegExp(`Preview: ${symbol}: NORMAL → HARD_HALT; \\d+ open orders? stay resting`),
    );
    await expect(form.locator('[data-fact="open orders"]')).toContainText(/\d+ \(\$[\d,.]+ notional\)/);
    await expect(form.locator('[data-fact="trades in the last minute"]')).toBeVisible();
    await expect(form.locator('[data-fact="resting liquidity"]')).toContainText(/bids, .* asks/);
    await expectNoAxeViolations(page);
    if (phone) {
      // Phones: critical controls (HARD_HALT) are view-only; the same server action over HTTP, from the responder.
      await expect(form.getByRole("button", { name: "Run control" })).toBeHidden();
      const res = await callExecute(
        responderCtx.request,
        {
          target: "spot-exchange",
          control: "symbol-mode",
          "p.symbol": symbol,
          "p.mode": "HARD_HALT",
          reason: haltReason,
          ticketId: t,
          confirm: symbol,
          idempotencyKey: `e2e-phone-${t}`,
        },
        baseURL,
      );
      expect(await res.text()).toContain('"state":"succeeded"');
    } else {
      await form.getByLabel("Reason (at least 10 characters)").fill(haltReason);
      await form.getByLabel("Ticket ID (e.g. OPS-123)").fill(t);
      await form.getByLabel(`Type ${symbol} to confirm`).fill(symbol);
      await form.getByRole("button", { name: "Run control" }).click();
      await expect(form.locator("[data-request]")).toHaveAttribute("data-request-state", "succeeded", {
        timeout: 15_000,
      });
      await expect(form.locator("[data-request]")).toContainText("symbol mode now HARD_HALT");
    }
    expect((await simCalls()).filter((c) => c.ticketId === t && c.executed)).toHaveLength(1);
    await expect
      .poll(async () => symbolState(symbol), { timeout: 10_000 })
      .toMatchObject({ mode: "HARD_HALT", tradesLastSecond: 0 });
    expect(await auditOutcomes(page, t)).toEqual(["requested", "succeeded", "verified"]);

    if (!phone) {
      // ── Cancel-all: the preview's open orders are exactly the orders it cancels (the book is frozen) ──
      const ct = ticket("9");
      await page.goto(`/controls?target=spot-exchange&control=cancel-all&symbol=${symbol}`);
      const cancel = page.getByRole("form", { name: "Cancel all orders on spot-exchange" });
      const fact = cancel.locator('[data-fact="open orders"] dd');
      await expect(fact).toContainText(/^[\d,]+ \(/);
      const shown = Number((await fact.innerText()).split(" ")[0]!.replace(/,/g, ""));
      expect(shown).toBeGreaterThan(0);
      await cancel.getByLabel("Reason (at least 10 characters)").fill(`halted ${symbol}: clearing its book`);
      await cancel.getByLabel("Ticket ID (e.g. OPS-123)").fill(ct);
      await cancel.getByLabel(`Type ${symbol} to confirm`).fill(symbol);
      await cancel.getByRole("button", { name: "Run control" }).click();
      await expect(cancel.locator("[data-request]")).toHaveAttribute("data-request-state", "succeeded", {
        timeout: 15_000,
      });
      await expect(cancel.locator("[data-request]")).toContainText(
        `no resting orders on ${symbol} (${shown} cancelled)`,
      );
    }

    // ── A commander's NORMAL: restoring, waits for a second person, and shows why the halt was put on ──
    const rt = ticket(phone ? "10" : "11");
    const cpage = await commanderCtx.newPage();
    await cpage.goto(`/controls?target=spot-exchange&control=symbol-mode&symbol=${symbol}&mode=NORMAL`);
    const restore = cpage.getByRole("form", { name: "Set symbol mode on spot-exchange" });
    await expect(restore.locator("[data-policy]")).toContainText("restoring");
    await expect(restore.locator("[data-policy]")).toContainText("a second commander must approve");
    await expect(restore.locator("[data-restores]")).toContainText(
      `This lifts: Set symbol mode: ${symbol} → HARD_HALT`,
    );
    await expect(restore.locator("[data-restores]")).toContainText(`Why: ${haltReason}`);
    await expect(restore.locator("[data-restores]")).toContainText("Put on by e2e-responder");
    // The runbook says CANCEL_ONLY first: straight from HARD_HALT the restore is refused…
    await expect(restore.locator('[data-condition="cancel-only-first"]')).toHaveAttribute("data-ok", "false");
    await expect(restore.locator("[data-conditions]")).toContainText(`${symbol} is HARD_HALT`);
    await restore.getByLabel("Reason (at least 10 characters)").fill(`${symbol} validated, back to trading`);
    await restore.getByLabel("Ticket ID (e.g. OPS-123)").fill(rt);
    await restore.getByRole("button", { name: "Request approval" }).click();
    await expect(restore.locator("[data-not-sent]")).toContainText(
      "Runbook conditions: Resumed in CANCEL_ONLY first, NORMAL only after validation — fails",
    );
    expect((await simCalls()).filter((c) => c.ticketId === rt)).toHaveLength(0);
    // …unless the commander overrides it with a reason, which the audit records as an override.
    await restore.getByLabel("Override as commander (audited)").check();
    await restore
      .getByLabel("Why resume anyway (at least 10 characters)")
      .fill(`${symbol} validated on the standby engine; CANCEL_ONLY skipped`);
    await restore.getByRole("button", { name: "Request approval" }).click();
    await expect(restore.locator("[data-request]")).toHaveAttribute("data-request-state", "pending_approval");
    await expect(restore.locator("[data-request]")).toContainText("Nothing has been sent yet");
    expect((await simCalls()).filter((c) => c.ticketId === rt)).toHaveLength(0);
    expect((await symbolState(symbol)).mode).toBe("HARD_HALT");

    // The requester cannot approve their own restore.
    await cpage.goto("/controls");
    const own = cpage.locator("[data-pending]").filter({ hasText: rt });
    await expect(own).toContainText("you cannot approve your own request");
    await expect(own.getByRole("button", { name: "Approve and run" })).toHaveCount(0);

    // A second person with at least the commander role sees the halt's reason, and approves.
    const approver = await browser.newPage({ storageState: authFile("admin") });
    await approver.goto("/controls");
    const item = approver.locator("[data-pending]").filter({ hasText: rt });
    await expect(item).toContainText("e2e-commander");
    await expect(item.locator("[data-restores]")).toContainText(`Why: ${haltReason}`);
    await item.getByRole("button", { name: "Approve and run" }).click();
    await expect(approver.locator("[data-pending]").filter({ hasText: rt })).toHaveCount(0, { timeout: 15_000 });
    const row = approver.locator("tr[data-request]").filter({ hasText: rt });
    await expect(row).toContainText("succeeded");
    await expect(row).toContainText("symbol mode now NORMAL");
    await expect(row).toContainText("approved by e2e-admin");
    await approver.close();
    expect((await simCalls()).filter((c) => c.ticketId === rt && c.executed)).toHaveLength(1);
    expect((await symbolState(symbol)).mode).toBe("NORMAL");
    expect((await auditOutcomes(cpage, rt)).filter((o) => o !== "preview_refreshed")).toEqual([
      "requested",
      "override",
      "approved",
      "succeeded",
      "verified",
    ]);
    await expect(cpage.locator('tbody tr[data-outcome="override"]')).toContainText("CANCEL_ONLY skipped");
    // The ticket ID leads to the tracker (the e2e fleet config's ticketUrlTemplate).
    await expect(cpage.locator(`tbody tr[data-outcome="requested"] [data-ticket-link="${rt}"]`)).toHaveAttribute(
      "href",
      `https://tracker.example/browse/${rt}`,
    );
    await expectNoAxeViolations(cpage);
    await cpage.screenshot({ path: `test-results/screens/audit-controls-${info.project.name}.png`, fullPage: true });
  } finally {
    if ((await symbolState(symbol)).mode !== "NORMAL") await restoreSymbol(symbol);
    await resetSymbol(symbol);
    await responderCtx.close();
    await commanderCtx.close();
  }
});

test("a halt the exchange does not honour: the post-control watch opens a SEV1 within two poll intervals of the first new trade, linked to the control", async ({
  browser,
  baseURL,
}, info) => {
  test.skip(info.project.name === "phone", "the watch runs once (desktop)");
  test.setTimeout(90_000);
  const symbol = "XRP-USD";
  const t = ticket("12");
  const ctx = await browser.newContext({ storageState: authFile("responder") });
  const page = await ctx.newPage();
  const pollMs = 1000; // the e2e fleet config's pollIntervalMs (scripts/e2e-server.ts)
  try {
    const res = await callExecute(
      ctx.request,
      {
        target: "spot-exchange",
        control: "symbol-mode",
        "p.symbol": symbol,
        "p.mode": "HARD_HALT",
        reason: `watch drill: halting ${symbol}`,
        ticketId: t,
        confirm: symbol,
        idempotencyKey: `e2e-watch-${t}`,
      },
      baseURL,
    );
    const body = await res.text();
    expect(body).toContain('"state":"succeeded"');
    const requestId = /"id":"([0-9a-f-]{36})"/.exec(body)![1]!;
    await expect.poll(async () => (await symbolState(symbol)).tradesLastSecond, { timeout: 10_000 }).toBe(0);
    // While the halt holds, the watch opens nothing (three poll intervals of a halted symbol).
    const board = async () =>
      (
        (await (await page.request.get("/api/board")).json()) as {
          findings: Array<{
            id: string;
            state: string;
            severity: string;
            since: number;
            summary: string;
            control?: { requestId: string; auditSeq: number | null };
          }>;
        }
      ).findings;
    const watchId = `control_watch|spot-exchange|${symbol}`;
    await page.waitForTimeout(3 * pollMs);
    expect((await board()).filter((f) => f.id === watchId)).toEqual([]);

    // The exchange stops honouring halts: XRP-USD trades again while it reports HARD_HALT.
    const faultAt = Date.now();
    await sim.setFault("spot-exchange", "ignores-halt");
    await expect
      .poll(async () => (await board()).find((f) => f.id === watchId && f.state === "critical") ?? null, {
        timeout: 20_000,
      })
      .not.toBeNull();
    const f = (await board()).find((x) => x.id === watchId)!;
    expect(f.severity).toBe("SEV1");
    expect(f.summary).toMatch(new RegExp(`^halt did not hold on ${symbol}: ${symbol} traded again`));
    expect(f.control?.requestId).toBe(requestId);
    // Timestamps of the data, not of the test: the breach is the first sample after the fault
    // that showed a trade, so it cannot predate the fault. (How soon after it is a matter of poll
    // timing on a loaded machine, which is the bench's to measure, not this test's.)
    expect(f.since).toBeGreaterThanOrEqual(faultAt);

    // The card names the control and links its audit record.
    await page.goto("/");
    const card = page.locator(`[data-finding="${watchId}"]`);
    await expect(card).toContainText(`halt did not hold on ${symbol}`);
    await expect(card.locator(`[data-finding-control="${requestId}"]`)).toContainText(
      `Set symbol mode: ${symbol} → HARD_HALT`,
    );
    await card.locator(`[data-finding-control="${requestId}"] a`).click();
    await expect(page).toHaveURL(new RegExp(`/audit\\?ticket=${t}`));
    await expect(page.locator('tbody tr[data-outcome="requested"]')).toHaveCount(1);
  } finally {
    await sim.clearFault("spot-exchange");
    // Restored through the console: the restore replaces the watch, and its SEV1 clears.
    await restoreSymbol(symbol);
    await resetSymbol(symbol);
    await ctx.close();
  }
});

test.describe("executeControlAction called directly over HTTP", () => {
  test.skip(({ isMobile }) => isMobile, "HTTP-level checks run once (desktop)");
  const fields = (t: string) => ({
    target: "spot-exchange",
    control: "conflation",
    "p.on": "on",
    reason: "websocket fan-out overload, conflating",
    ticketId: t,
    idempotencyKey: `e2e-direct-${t}`,
  });

  test("missing reason and ticket give field errors and no call; a responder's valid call runs once even when sent twice", async ({
    playwright,
    baseURL,
  }) => {
    const responder = await playwright.request.newContext({ baseURL, storageState: authFile("responder") });
    const bad = await (
      await callExecute(
        responder,
        {
          target: "spot-exchange",
          control: "conflation",
          "p.on": "on",
          reason: " ",
          ticketId: "",
          idempotencyKey: "e2e-missing-fields-1",
        },
        baseURL,
      )
    ).text();
    expect(bad).toContain("10 non-blank characters");
    expect(bad).toContain("a ticket ID is required");
    expect((await simCalls()).filter((c) => c.idempotencyKey === "e2e-missing-fields-1")).toHaveLength(0);

    const t = ticket("4");
    const [a, b] = await Promise.all([
      callExecute(responder, fields(t), baseURL),
      callExecute(responder, fields(t), baseURL),
    ]);
    expect(await a.text()).toContain('"ok":true');
    expect(await b.text()).toContain('"ok":true');
    expect((await simCalls()).filter((c) => c.ticketId === t)).toHaveLength(1);
    expect((await symbolState("BTC-USD")).conflation).toBe(true);
  });
});
