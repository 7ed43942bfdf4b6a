import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { LANES } from "./e2e/fixtures/users";

// Both e2e servers sign sessions with this secret, so the sessions the setup project stores on the
// first are valid on the second (scripts/e2e-server.ts). Random per run; the servers inherit it.
process.env.E2E_NEXTAUTH_SECRET ??= randomBytes(32).toString("base64url");

// Debian's Chromium where it exists (this project's machines cannot download browsers);
// elsewhere Playwright's own browser.
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const launchOptions = existsSync(chromiumPath)
  ? {
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    }
  : {};

// Three lanes run side by side, one worker each, on two e2e servers (scripts/e2e-server.ts; LANES
// in e2e/fixtures/users.ts), each with its own database, simulated fleet and paging receiver.
// Specs that drive a simulated fleet (scenarios, faults, controls) or write to the audit log and
// report store (sign-in, ingest) run one at a time per server, since their effects would cross
// (the security matrix compares the audit log before and after every refused call):
//   server a: "desktop" — the fleet specs but those of LANE_B_SPECS;
//   server b: "desktop-b" (LANE_B_SPECS) then "phone" (the fleet specs at phone width).
// Specs that only read pages or start their own servers run on server a in "desktop-pages" then
// "phone-pages" beside them. A project's baseURL names its server; e2e/fixtures/lane.ts finds the
// fleet and secrets of the running test's server from it.
const FLEET_SPECS =
  /((board|controls|incidents|panels|status|signin|oidc|ingest)\.spec\.ts|security\/matrix\.spec\.ts)$/;
// The desktop fleet specs that run on server b ahead of the phone lane, chosen so that both
// servers' fleet lanes take about as long. They must not need server a's OpenID provider.
const LANE_B_SPECS = /(ledger-board\.spec\.ts|security\/matrix\.spec\.ts)$/;
// At phone width: what differs on a phone. Sign-in, runbook and audit screens are axe-checked at
// phone width by shell.spec; HTTP-level, security and multi-server specs run once.
const PHONE_SKIPS =
  /((oidc|postgres|ingest|signin|runbooks|audit|crash|db-loss|shippers|paging-board)\.spec\.ts|security\/.*)$/;
const desktop = { viewport: { width: 1280, height: 800 } };
const phone = {
  viewport: { width: 375, height: 740 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  userAgent: devices["Pixel 7"].userAgent,
};

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 3,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [["list"]] : [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  use: { baseURL: LANES.a.baseUrl, trace: "retain-on-failure", launchOptions },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    {
      name: "desktop",
      dependencies: ["setup"],
      workers: 1,
      testMatch: FLEET_SPECS,
      testIgnore: LANE_B_SPECS,
      use: desktop,
    },
    {
      name: "desktop-b",
      dependencies: ["setup"],
      workers: 1,
      testMatch: LANE_B_SPECS,
      use: { ...desktop, baseURL: LANES.b.baseUrl },
    },
    {
      name: "phone",
      dependencies: ["desktop-b"],
      workers: 1,
      testMatch: FLEET_SPECS,
      testIgnore: PHONE_SKIPS,
      use: { ...phone, baseURL: LANES.b.baseUrl },
    },
    { name: "desktop-pages", dependencies: ["setup"], workers: 1, testIgnore: FLEET_SPECS, use: desktop },
    {
      name: "phone-pages",
      dependencies: ["desktop-pages"],
      workers: 1,
      testIgnore: [FLEET_SPECS, PHONE_SKIPS],
      use: phone,
    },
  ],
  webServer: Object.values(LANES).map((lane) => ({
    name: lane.name === "a" ? "WebServer" : `WebServer ${lane.name}`,
    command: `npx tsx --conditions=react-server scripts/e2e-server.ts --lane ${lane.name}`,
    url: `${lane.baseUrl}/api/health/ready`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
  })),
});
