import { expect, test, type Browser, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { LOCAL_USERS } from "./fixtures/users";
import { authFile, expectNoAxeViolations } from "./support";

// The shared status view: a commander creates a link, anyone with it sees a read-only view with
// no people, notes or controls in it, and revoking it stops an open page at its next update.
// Forged and malformed tokens get a not-found page with no data, and a token opens nothing else.

const POLL_MS = 2000;

async function createLink(browser: Browser, label: string, baseURL: string): Promise<{ url: string; page: Page }> {
  const ctx = await browser.newContext({ storageState: authFile("commander"), baseURL });
  const page = await ctx.newPage();
  await page.goto("/share");
  await page.getByLabel(/^Label/).fill(label);
  await page.getByRole("button", { name: "Create link" }).click();
  const created = page.locator("[data-new-share-url]");
  await expect(created).toContainText("shown only once");
  const url = (await created.getAttribute("data-new-share-url"))!;
  expect(url).toMatch(/\/status\/[A-Za-z0-9_-]{43}$/);
  return { url, page };
}

const PEOPLE = Object.values(LOCAL_USERS).flatMap((u) => [u.username, u.displayName]);

async function expectNothingInternal(html: string) {
  for (const who of PEOPLE) expect(html, `no user names (${who})`).not.toContain(who);
  expect(html).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/);
  for (const word of ["<form", "<button", "Acknowledge", "Run control", "Approve", "Revoke", "ticketId", "Bearer"])
    expect(html, `no ${word}`).not.toContain(word);
}

test.describe("shared status view", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("a commander's link shows a read-only view; revoking it stops the open page at its next update", async ({
    browser,
    page,
    baseURL,
  }, info) => {
    test.setTimeout(120_000);
    const label = `Desk status ${info.project.name}`;
    const { url, page: commander } = await createLink(browser, label, baseURL!);
    await expectNoAxeViolations(commander);

    const res = await page.goto(url);
    expect(res!.status()).toBe(200);
    expect(res!.headers()["referrer-policy"]).toBe("no-referrer");
    await expect(page.getByRole("heading", { level: 1, name: label })).toBeVisible();
    for (const lane of ["SEV1", "SEV2", "SEV3", "Unknown"])
      await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${lane}`) })).toBeVisible();
    await expect(page.locator("[data-updated]")).toContainText(/Updated \d+ s ago/);
    await expectNothingInternal(await page.content());
    await expectNoAxeViolations(page);
    mkdirSync("test-results/screens", { recursive: true });
    await page.screenshot({ path: `test-results/screens/status-${info.project.name}.png`, fullPage: true });

    if (info.project.name === "phone") {
      // Revocation behaves the same at any size; the phone run checks the compact layout only.
      await commander.context().close();
      return;
    }

    // The same page as a wallboard.
    const wall = await browser.newPage({ baseURL });
    await wall.goto(`${url}?view=wall`);
    await expect(wall.locator('main[data-view="wall"]')).toBeVisible();
    await wall.close();

    // Revoke from the share screen; the open status page drops its data at its next poll.
    await commander.reload();
    const row = commander.locator("tr[data-share-link]").filter({ hasText: label });
    await row.getByRole("button", { name: /^Revoke/ }).click();
    await expect(commander.locator("tr[data-share-link]").filter({ hasText: label })).toHaveAttribute(
      "data-state",
      "revoked",
    );
    await expect(page.locator("[data-status-gone]")).toBeVisible({ timeout: POLL_MS * 2 + 1000 });
    await expect(page.locator("[data-status-gone] [role=alert]")).toContainText("revoked");
    await expect(page.locator("[data-status-finding], [data-lane]")).toHaveCount(0);
    // A fresh load of the revoked link is a not-found page with no data.
    const again = await page.goto(url);
    expect(again!.status()).toBe(404);
    await expect(page.locator("[data-lane]")).toHaveCount(0);
    const api = await page.request.get(url.replace("/status/", "/api/status/"));
    expect(api.status()).toBe(410);
    await commander.context().close();
  });

  test("forged and malformed tokens get a not-found page with no data", async ({ page, request }) => {
    for (const token of ["A".repeat(43), "not-a-token", "..%2F..%2Fetc%2Fpasswd", "x".repeat(400)]) {
      const res = await page.goto(`/status/${token}`);
      expect(res!.status(), token).toBe(404);
      await expect(page.locator("[data-status-gone]")).toBeVisible();
      await expect(page.locator("[data-lane], [data-status-finding]")).toHaveCount(0);
      const api = await request.get(`/api/status/${token}`);
      expect(api.status()).toBe(404);
      expect(Object.keys(await api.json())).toEqual(["error", "reason"]);
    }
  });
});

test.describe("an incident's status link", () => {
  test.skip(({ isMobile }) => isMobile, "runs once (desktop); the phone layout is covered above");

  test("shows the incident's status, checklist progress and last update, and no note, person or control", async ({
    browser,
    baseURL,
  }) => {
    test.setTimeout(120_000);
    const ctx = await browser.newContext({ storageState: authFile("commander"), baseURL });
    const room = await ctx.newPage();
    const title = `Status redaction drill ${Date.now()}`;
    const secret = `NOTE-${Math.random().toString(36).slice(2, 10)}`;
    await room.goto("/incidents");
    const form = room.getByRole("form", { name: "Open incident" });
    await form.getByLabel("Title").fill(title);
    await form.getByLabel("Severity").selectOption("SEV2");
    await form.getByLabel("Runbook").selectOption("registry-audit-failure");
    await form.getByLabel(/^Affected systems/).fill("kraken-futures");
    await form.getByRole("button", { name: "Open incident" }).click();
    await expect(room).toHaveURL(/\/incidents\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    const id = room.url().split("/").pop()!;
    const note = room.getByRole("form", { name: "Add a note" });
    await note.getByLabel("Note").fill(`internal only: ${secret} — call the desk lead at ops-lead@example.com`);
    await note.getByRole("button").click();
    await expect(room.getByText(secret).first()).toBeVisible();
    const step = room.locator('[data-testid="checklist"] [data-step]').first();
    await step.getByRole("button", { name: /^Tick step \d+$/ }).click();
    await expect(step).toHaveAttribute("data-done", "true");
    const comms = room.getByRole("form", { name: "Communication update" });
    await comms.getByRole("button", { name: /^Post/ }).click();

    await room.goto(`/share?incident=${id}`);
    await room.getByLabel(/^Label/).fill("Registry incident");
    await room.getByRole("button", { name: "Create link" }).click();
    const url = (await room.locator("[data-new-share-url]").getAttribute("data-new-share-url"))!;
    await ctx.close();

    const anon = await browser.newContext({ baseURL });
    const page = await anon.newPage();
    await page.goto(url);
    const incident = page.locator("[data-status-incident]");
    await expect(incident).toContainText(title);
    await expect(incident).toContainText("investigating");
    await expect(incident).toContainText(/Checklist: 1 of \d+ steps done/);
    await expect(incident).toContainText("Last update");
    // Only kraken-futures is in scope.
    await expect(page.locator("[data-status-finding]").filter({ hasNotText: "kraken-futures" })).toHaveCount(0);
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).not.toContain("ops-lead@example.com");
    await expectNothingInternal(html);
    const api = await (await page.request.get(url.replace("/status/", "/api/status/"))).text();
    expect(api).not.toContain(secret);
    await expectNothingInternal(api);
    await expectNoAxeViolations(page);
    await anon.close();
  });
});

test.describe("a share token opens nothing but the status view", () => {
  test.skip(({ isMobile }) => isMobile, "HTTP-level checks run once (desktop)");

  // Route handlers and server actions with a token are cells of the security matrix
  // (e2e/security/); console pages are checked here. What the pages must not give away is their
  // data, taken from a signed-in render of each: the markers below are checked there first, so a
  // marker the page no longer shows fails the test instead of making the refusal look proven. (A
  // page's own refusal may carry its frame, such as its title, in the redirect's body; never data.)
  test("console pages refuse it: sign-in instead, and none of the page's content", async ({
    browser,
    playwright,
    baseURL,
  }) => {
    const label = `token reach check ${Date.now()}`;
    const { url, page: commander } = await createLink(browser, label, baseURL!);
    const token = url.split("/status/")[1]!;
    const signedIn = commander.request;
    const everyPage = ['aria-label="Main"', LOCAL_USERS.commander.displayName];
    const markers: Record<string, string[]> = {
      "/": [...everyPage, 'data-lane="SEV1"', 'data-system="kraken-futures"'],
      "/share": [...everyPage, label],
      "/controls": [...everyPage, "Cancel all orders", "spot-exchange"],
      "/audit": [...everyPage, "share.create"],
    };
    // The audit log's newest rows as a commander sees them: their hashes are on no other page.
    const auditHtml = await (await signedIn.get("/audit")).text();
    const hashes = [...auditHtml.matchAll(/title="([0-9a-f]{64})"/g)].map((m) => m[1]!).slice(0, 3);
    expect(hashes.length, "the audit page lists row hashes").toBeGreaterThan(0);
    markers["/audit"]!.push(...hashes);
    for (const [path, list] of Object.entries(markers)) {
      const r = await signedIn.get(path);
      expect(r.status(), `${path} signed in`).toBe(200);
      const html = await r.text();
      for (const m of list) expect(html.includes(m), `${path} signed in shows "${m}"`).toBe(true);
    }

    const anon = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const ways: Array<{ name: string; headers: Record<string, string>; suffix: string }> = [
      { name: "bearer header", headers: { Authorization: `Bearer ${token}` }, suffix: "" },
      { name: "cookies", headers: { Cookie: `token=${token}; share=${token}` }, suffix: "" },
      // Past the sign-in shortcut (a session cookie is present): the page's own check must refuse it.
      { name: "as the session cookie", headers: { Cookie: `next-auth.session-token=${token}` }, suffix: "" },
      { name: "query", headers: {}, suffix: `?token=${token}` },
    ];
    for (const w of ways) {
      for (const [path, list] of Object.entries(markers)) {
        const what = `${path} with the token (${w.name})`;
        const r = await anon.get(`${path}${w.suffix}`, { headers: w.headers, maxRedirects: 0 });
        const body = await r.text();
        if (r.status() >= 300 && r.status() < 400) {
          expect(new URL(r.headers()["location"] ?? "", baseURL).pathname, `${what} redirects to sign-in`).toBe(
            "/signin",
          );
        } else {
          // A page whose own check refuses mid-stream carries the redirect in its body; a 403 says it plainly.
          expect([200, 403], `${what}: ${r.status()}`).toContain(r.status());
          if (r.status() === 200) expect(body, `${what} sends the visitor to sign-in`).toMatch(/\/signin/);
        }
        for (const m of list) expect(body.includes(m), `${what} must not contain "${m}"`).toBe(false);
        // Followed to the end, it is the sign-in page, still without the page's content.
        const followed = await anon.get(`${path}${w.suffix}`, { headers: w.headers });
        expect(new URL(followed.url()).pathname, `${what}, followed`).toBe("/signin");
        const signin = await followed.text();
        for (const m of list) expect(signin.includes(m), `${what}, followed, must not contain "${m}"`).toBe(false);
      }
    }
    // The status view still works with it (so the refusals above are about the token's reach).
    expect((await anon.get(`/api/status/${token}`)).status()).toBe(200);
    await commander.context().close();
  });

  test("viewers cannot see share links", async ({ browser, baseURL }) => {
    const viewer = await browser.newPage({ storageState: authFile("viewer"), baseURL });
    await viewer.goto("/share");
    await expect(viewer.getByText(/needs the commander role/)).toBeVisible();
    await expect(viewer.locator("tr[data-share-link]")).toHaveCount(0);
    await viewer.close();
  });
});

test.describe("the board on a flaky connection", () => {
  test.use({ storageState: authFile("responder") });

  test("says it is offline and that its data is old, then recovers", async ({ page, context }) => {
    test.setTimeout(90_000);
    await page.goto("/");
    await expect(page.getByTitle("Receiving live updates")).toBeVisible();
    await context.setOffline(true);
    await expect(page.getByTitle("No connection to the console")).toContainText(/offline since \d\d:\d\d:\d\d UTC/, {
      timeout: 45_000,
    });
    // The board's snapshot is rebuilt every 5 s while live; once it is over 10 s old the warning shows.
    await expect(page.getByRole("alert").filter({ hasText: "not updating" })).toContainText(
      "Do not read it as current",
      { timeout: 20_000 },
    );
    await context.setOffline(false);
    await expect(page.getByTitle("Receiving live updates")).toBeVisible({ timeout: 45_000 });
    await expect(page.getByRole("alert").filter({ hasText: "not updating" })).toHaveCount(0);
  });

  test("the board, a panel and the status view lose the connection and come back the same way (one live client)", async ({
    browser,
    page,
    context,
    baseURL,
  }) => {
    test.setTimeout(120_000);
    const { url: statusUrl, page: commander } = await createLink(browser, "one live client", baseURL!);
    await commander.context().close();
    await page.goto("/");
    const panel = await context.newPage();
    await panel.goto("/profiles");
    const status = await context.newPage();
    await status.goto(statusUrl);
    await expect(page.getByTitle("Receiving live updates")).toBeVisible();
    await expect(panel.locator("[data-live]")).toHaveAttribute("data-live", "live");
    await expect(status.locator("[data-updated]")).toContainText(/Updated/);

    await context.setOffline(true);
    // Each says it is not receiving, in its own words.
    await expect(page.getByTitle("No connection to the console")).toContainText(/offline since \d\d:\d\d:\d\d UTC/, {
      timeout: 45_000,
    });
    await expect(panel.locator("[data-live]")).toHaveAttribute("data-live", "reconnecting", { timeout: 45_000 });
    await expect(status.locator("[data-updated]")).toContainText(/Offline since \d\d:\d\d:\d\d UTC/, {
      timeout: 45_000,
    });

    await context.setOffline(false);
    // And each comes back without a reload: the board and the panel on the stream, the status view by polling.
    await expect(page.getByTitle("Receiving live updates")).toBeVisible({ timeout: 45_000 });
    await expect(panel.locator("[data-live]")).toHaveAttribute("data-live", "live", { timeout: 45_000 });
    await expect(status.locator("[data-updated]")).toContainText(/Updated/, { timeout: 45_000 });
    await panel.close();
    await status.close();
  });

  test("the console can be added to a home screen", async ({ request }) => {
    const res = await request.get("/manifest.webmanifest");
    expect(res.status()).toBe(200);
    const m = (await res.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: Array<{ src: string; sizes: string }>;
    };
    expect(m).toMatchObject({ name: "Watchfloor", start_url: "/", display: "standalone" });
    for (const size of ["192x192", "512x512"]) {
      const icon = m.icons.find((i) => i.sizes === size)!;
      const img = await request.get(icon.src);
      expect(img.status()).toBe(200);
      expect(img.headers()["content-type"]).toBe("image/png");
    }
  });
});
