import { expect, test } from "@playwright/test";
import { LOCAL_USERS } from "./fixtures/users";
import { expectNoAxeViolations, signInWithForm } from "./support";

test.describe("sign-in", () => {
  test("a wrong password gets a clear error and no session", async ({ page }) => {
    await signInWithForm(page, LOCAL_USERS.responder.username, "definitely-not-it");
    await expect(page.getByRole("alert").filter({ hasText: "Wrong username or password." })).toBeVisible();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });

  test("an unknown user gets the same error", async ({ page }) => {
    await signInWithForm(page, "nobody-here", "whatever-password");
    await expect(page.getByRole("alert").filter({ hasText: "Wrong username or password." })).toBeVisible();
  });

  test("the sign-in page has no accessibility violations", async ({ page }) => {
    await page.goto("/signin");
    await expect(page.getByRole("heading", { name: "Sign in to Watchfloor" })).toBeVisible();
    await expectNoAxeViolations(page);
  });

  test("protected screens send anonymous visitors to sign-in", async ({ page }) => {
    for (const path of ["/", "/audit", "/admin/users", "/profiles"]) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/signin/);
    }
  });

  test("signing out ends the session", async ({ page }) => {
    await signInWithForm(page, LOCAL_USERS.viewer.username, LOCAL_USERS.viewer.password);
    await expect(page.getByRole("heading", { name: "Severity board" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    // Sign-out is two requests and a navigation; give a loaded machine time.
    await expect(page).toHaveURL(/\/signin/, { timeout: 30_000 });
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });
});
