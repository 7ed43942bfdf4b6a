import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";
import { E2E_BASE_URL } from "./e2e/fixtures/users";

// Debian's Chromium where it exists (this project's machines cannot download browsers);
// elsewhere Playwright's own browser.
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const launchOptions = existsSync(chromiumPath)
  ? {
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }
  : {};

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [["list"]] : [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  use: { baseURL: E2E_BASE_URL, trace: "retain-on-failure", launchOptions },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    { name: "desktop", dependencies: ["setup"], use: { viewport: { width: 1280, height: 800 } } },
    {
      name: "phone",
      dependencies: ["setup"],
      // Phone runs what differs on a phone; sign-in, runbook and audit screens are axe-checked at phone width by shell.spec.
      testIgnore: /oidc|server-action|postgres|ingest|signin|runbooks|audit|security\//,
      use: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: devices["Pixel 7"].userAgent },
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
