import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";
import { E2E_BASE_URL } from "./e2e/fixtures/users";

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

// Two lanes run side by side, one worker each. Specs that drive the shared simulated fleet
// (scenarios, faults, controls) or write to the shared audit log and report store (sign-in, ingest)
// run one at a time in the "desktop" then "phone" projects, since their effects would cross (the
// security matrix compares the audit log before and after every refused call); specs that only
// read pages or start their own servers run in the "…-pages" projects beside them.
const FLEET_SPECS =
  /((board|controls|incidents|panels|status|signin|oidc|ingest)\.spec\.ts|security\/matrix\.spec\.ts)$/;
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
  workers: 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [["list"]] : [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  use: { baseURL: E2E_BASE_URL, trace: "retain-on-failure", launchOptions },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    { name: "desktop", dependencies: ["setup"], workers: 1, testMatch: FLEET_SPECS, use: desktop },
    {
      name: "phone",
      dependencies: ["desktop"],
      workers: 1,
      testMatch: FLEET_SPECS,
      testIgnore: PHONE_SKIPS,
      use: phone,
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
  webServer: {
    command: "npx tsx --conditions=react-server scripts/e2e-server.ts",
    url: `${E2E_BASE_URL}/api/health/ready`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
