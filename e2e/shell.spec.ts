import { expect, test } from "@playwright/test";
import { ROLES, type Role } from "../lib/auth/roles";
import { LOCAL_USERS } from "./fixtures/users";
import { authFile, expectNoAxeViolations } from "./support";

// axe: which roles the accessibility sweep runs for on each screen. Screens whose content depends on
// the role (buttons, forms) run for the read-only viewer and for the commander, who sees every
// control; read-only screens run once, as viewer. /reconciliation and /exchange are swept by
// panels.spec at both sizes with live scenarios running, which is the harder case, so not here.
const SCREENS: ReadonlyArray<{ path: string; heading: string; axe: readonly Role[] }> = [
  { path: "/", heading: "Severity board", axe: ["viewer", "commander"] },
  { path: "/profiles", heading: "Profiles", axe: ["viewer"] },
  { path: "/reconciliation", heading: "Reconciliation", axe: [] },
  { path: "/exchange", heading: "Exchange", axe: [] },
  { path: "/incidents", heading: "Incidents", axe: ["viewer", "commander"] },
  { path: "/runbooks", heading: "Runbooks", axe: ["viewer"] },
  { path: "/controls", heading: "Controls", axe: ["viewer", "commander"] },
  { path: "/sources", heading: "Sources", axe: ["viewer", "commander"] },
  { path: "/audit", heading: "Audit log", axe: ["viewer"] },
];

const AXE_ROLES: readonly Role[] = ["viewer", "commander"];

for (const role of ROLES) {
  test.describe(`shell as ${role}`, () => {
    test.use({ storageState: authFile(role) });

    test("shows the user and role, and every screen renders", async ({ page }, info) => {
      test.skip(
        Boolean(info.project.use.isMobile) && !AXE_ROLES.includes(role),
        "at phone width the sweep runs for the axe roles",
      );
      test.setTimeout(120_000);
      await page.goto("/");
      await expect(page.getByTitle("Your role")).toHaveText(role);
      if (!info.project.use.isMobile)
        await expect(page.getByRole("banner").getByText(LOCAL_USERS[role].displayName)).toBeVisible();
      // Screens this role's axe tests below do not open are opened here.
      for (const s of SCREENS.filter((x) => !x.axe.includes(role))) {
        await page.goto(s.path);
        await expect(page.getByRole("heading", { level: 1, name: s.heading })).toBeVisible();
      }
      await page.goto("/");
      await page.screenshot({ path: `test-results/screens/shell-${role}-${info.project.name}.png`, fullPage: true });
    });

    // One test per screen so each has its own time.
    for (const s of SCREENS.filter((x) => x.axe.includes(role))) {
      test(`${s.path} has no accessibility violations`, async ({ page }) => {
        await page.goto(s.path);
        await expect(page.getByRole("heading", { level: 1, name: s.heading })).toBeVisible();
        await expectNoAxeViolations(page);
      });
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
    if (info.project.use.isMobile) {
      await nav.getByText("More").click();
    }
    await nav.getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByText(/Chain verified up to row/)).toBeVisible();
  });
});
