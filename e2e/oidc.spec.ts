import { expect, test } from "@playwright/test";
import { OIDC_USERS } from "./fixtures/users";

// Single sign-on against a real OpenID provider (oidc-provider) running on loopback. The provider
// releases `groups` through userinfo only, so this also proves the claims are merged.
test.describe("single sign-on", () => {
  test("signs in through the provider's login form and takes the role from the groups claim", async ({ page }) => {
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in with Test SSO" }).click();
    await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
    await page.getByLabel("Username").fill(OIDC_USERS.commander.username);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong username or password." })).toBeVisible();
    await page.getByLabel("Username").fill(OIDC_USERS.commander.username);
    await page.getByLabel("Password").fill(OIDC_USERS.commander.password);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: "Severity board" })).toBeVisible();
    await expect(page.getByTitle("Your role")).toHaveText("commander");
    await expect(page.getByText(OIDC_USERS.commander.name)).toBeVisible();
  });

  test("a user in several mapped groups gets the highest of their roles", async ({ page }) => {
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in with Test SSO" }).click();
    await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
    await page.getByLabel("Username").fill(OIDC_USERS.several.username);
    await page.getByLabel("Password").fill(OIDC_USERS.several.password);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("heading", { name: "Severity board" })).toBeVisible();
    // Its groups map to viewer, admin and responder (the default OIDC_ROLE_MAP): admin wins.
    await expect(page.getByTitle("Your role")).toHaveText("admin");
    await expect(page.getByText(OIDC_USERS.several.name)).toBeVisible();
  });

  test("a user in no mapped group is refused with an explanation", async ({ page }) => {
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in with Test SSO" }).click();
    await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
    await page.getByLabel("Username").fill(OIDC_USERS.nogroup.username);
    await page.getByLabel("Password").fill(OIDC_USERS.nogroup.password);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "no group that maps to a Watchfloor role" })).toBeVisible();
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin/);
  });
});
