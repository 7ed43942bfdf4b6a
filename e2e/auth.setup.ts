import { expect, test as setup } from "@playwright/test";
import { ROLES } from "../lib/auth/roles";
import { LOCAL_USERS } from "./fixtures/users";
import { authFile, signInWithForm } from "./support";

// Sign in once per role through the real form and keep the session for the other specs.
for (const role of ROLES) {
  setup(`sign in as ${role}`, async ({ page }) => {
    const u = LOCAL_USERS[role];
    await signInWithForm(page, u.username, u.password);
    await expect(page.getByRole("heading", { name: "Severity board" })).toBeVisible();
    await expect(page.getByTitle("Your role")).toHaveText(role);
    await page.context().storageState({ path: authFile(role) });
  });
}
