import { expect, test } from "@playwright/test";
import { ROLES } from "../lib/auth/roles";
import { LOCAL_USERS } from "./fixtures/users";
import { authFile, expectNoAxeViolations } from "./support";

const SCREENS = [
  { path: "/", heading: "Severity board" },
  { path: "/profiles", heading: "Profiles" },
  { path: "/reconciliation", heading: "Reconciliation" },
  { path: "/exchange", heading: "Exchange" },
  { path: "/incidents", heading: "Incidents" },
  { path: "/runbooks", heading: "Runbooks" },
  { path: "/controls", heading: "Controls" },
  { path: "/sources", heading: "Sources" },
  { path: "/audit", heading: "Audit log" },
];

const AXE_ROLES: readonly string[] = ["viewer", "commander"];

for (const role of ROLES) {
  test.describe(`shell as ${role}`, () => {
    test.use({ storageState: authFile(role) });

    test("shows the user and role, and every screen renders", async ({ page }, info) => {
      test.skip(info.project.name === "phone" && !AXE_ROLES.includes(role), "at phone width the sweep runs for the axe roles");
      test.setTimeout(120_000);
      await page.goto("/");
      await expect(page.getByTitle("Your role")).toHaveText(role);
      if (info.project.name === "desktop") await expect(page.getByText(LOCAL_USERS[role].displayName)).toBeVisible();
      for (const s of SCREENS) {
        await page.goto(s.path);
        await expect(page.getByRole("heading", { level: 1, name: s.heading })).toBeVisible();
      }
      await page.goto("/");
      await page.screenshot({ path: `test-results/screens/shell-${role}-${info.project.name}.png`, fullPage: true });
    });

    // Screens differ by role only in what they offer (forms, buttons): axe runs for the read-only
    // view and for the role that sees every control, one test per screen so each has its own time.
    if (AXE_ROLES.includes(role)) {
      for (const s of SCREENS) {
        test(`${s.path} has no accessibility violations`, async ({ page }) => {
          await page.goto(s.path);
          await expect(page.getByRole("heading", { level: 1, name: s.heading })).toBeVisible();
          await expectNoAxeViolations(page);
        });
      }
    }

    test("the users screen is for admins only", async ({ page }) => {
      await page.goto("/admin/users");
      if (role === "admin") {
        await expect(page.getByRole("heading", { name: "Users and roles" })).toBeVisible();
        await expectNoAxeViolations(page);
      } else {
        await expect(page.getByRole("heading", { name: "Users and roles" })).toHaveCount(0);
        await expect(page.getByText(/needs the admin role/)).toBeVisible();
      }
    });
  });
}

test.describe("navigation", () => {
  test.use({ storageState: authFile("responder") });
  test("main navigation reaches every screen", async ({ page }, info) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" }).filter({ visible: true });
    if (info.project.name === "phone") {
      await nav.getByText("More").click();
    }
    await nav.getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByText(/Chain verified up to row/)).toBeVisible();
  });
});
