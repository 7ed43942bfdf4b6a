import { expect, test, type APIRequestContext } from "@playwright/test";
import { LOCAL_USERS } from "./fixtures/users";
import { callAction } from "./actions";
import { authFile } from "./support";

// Calls the privileged "set a user's role" server action directly over HTTP, the way a hostile
// client would, bypassing the UI. The service must refuse anonymous and viewer callers with
// nothing changed; the same call as an admin must work (so the test can fail).

/** The "set a user's role" action as React's client would call it: [prevState, FormData]. */
function callSetRole(request: APIRequestContext, username: string, role: string, origin?: string) {
  return callAction(request, "/admin/users", "setUserRoleAction", { username, role }, origin ? { Origin: origin } : {});
}

async function roleOf(request: APIRequestContext, username: string): Promise<string> {
  const html = await (await request.get("/admin/users")).text();
  const m = html.match(new RegExp(`id="role-${username}"[^>]*>[\\s\\S]*?<option[^>]*value="(\\w+)"[^>]*selected`));
  if (!m) throw new Error(`could not read ${username}'s role from the users screen`);
  return m[1]!;
}

test.describe("privileged server action called directly", () => {
  const target = LOCAL_USERS.responder.username;

  test("is refused for anonymous callers, with nothing changed", async ({ playwright, baseURL }) => {
    const anon = await playwright.request.newContext({ baseURL });
    const res = await callSetRole(anon, target, "admin", baseURL);
    expect(await res.text()).not.toContain('"ok":true');
    const admin = await playwright.request.newContext({ baseURL, storageState: authFile("admin") });
    expect(await roleOf(admin, target)).toBe("responder");
  });

  test("is refused for a viewer, with nothing changed and nothing audited", async ({ playwright, baseURL }) => {
    const viewer = await playwright.request.newContext({ baseURL, storageState: authFile("viewer") });
    const res = await callSetRole(viewer, target, "admin", baseURL);
    const body = await res.text();
    expect(body).toContain("needs the admin role");
    const admin = await playwright.request.newContext({ baseURL, storageState: authFile("admin") });
    expect(await roleOf(admin, target)).toBe("responder");
    const audit = await (await admin.get(`/audit?action=user.set_role`)).text();
    expect(audit).not.toContain(`user:${target}`);
  });

  test("is refused from a foreign origin even for an admin", async ({ playwright, baseURL }) => {
    const admin = await playwright.request.newContext({ baseURL, storageState: authFile("admin") });
    const res = await callSetRole(admin, target, "commander", "https://evil.example");
    expect(res.ok()).toBe(false);
    expect(await roleOf(admin, target)).toBe("responder");
  });

  test("works for an admin (the same call, so this test can fail)", async ({ playwright, baseURL }) => {
    const admin = await playwright.request.newContext({ baseURL, storageState: authFile("admin") });
    const res = await callSetRole(admin, LOCAL_USERS.viewer.username, "viewer", baseURL);
    expect(await res.text()).toContain('"ok":true');
    const audit = await (await admin.get(`/audit?action=user.set_role`)).text();
    expect(audit).toContain(`user:${LOCAL_USERS.viewer.username}`);
  });
});
