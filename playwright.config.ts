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
//   server a: "desktop" — the fleet specs at desktop width, but the security matrix;
//   server b: "phone" — the fleet specs at phone width, and the security matrix, which is plain
//             HTTP (no browser, so no width) and runs once.
// Specs that only read pages or start their own servers run on server a in "desktop-pages" and,
// once a lane is free, "phone-pages". Every project depends on "setup" alone: Playwright starts a
// project only when every project of the previous dependency level has finished, so a chain
// (a -> b) would hold b back until the slowest lane of a's level is done.
// A project's baseURL names its server; e2e/fixtures/lane.ts finds the fleet and secrets of the
// running test's server from it.
const FLEET_SPECS =
  /((board|controls|incidents|panels|status|signin|oidc|ingest)\.spec\.ts|security\/matrix\.spec\.ts)$/;
const MATRIX = /security\/matrix\.spec\.ts$/;
// At phone width: what differs on a phone. Sign-in, runbook and audit screens are axe-checked at
// phone width by shell.spec; HTTP-level, security and multi-server specs run once.
const PHONE_SKIPPED = "oidc|postgres|ingest|signin|runbooks|audit|crash|db-loss|shippers|paging-board";
const PHONE_SKIPS = new RegExp(`((${PHONE_SKIPPED})\\.spec\\.ts|security/.*)$`);
// The phone fleet lane skips the same, but for the matrix, which runs there (see above).
const PHONE_FLEET_SKIPS = new RegExp(`((${PHONE_SKIPPED})\\.spec\\.ts|security/(?!matrix\\.spec\\.ts$).*)$`);
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
  // One retry on CI: two servers, three browsers and two simulated fleets share two cores, and a
  // few specs that wait on live timing fail now and then under that load. A spec that passes only
  // on its retry is listed as "flaky" at the end of the run (and is a bug to chase); one that
  // fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
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
      testIgnore: MATRIX,
      use: desktop,
    },
    {
      name: "phone",
      dependencies: ["setup"],
      workers: 1,
      testMatch: FLEET_SPECS,
      testIgnore: PHONE_FLEET_SKIPS,
      use: { ...phone, baseURL: LANES.b.baseUrl },
    },
    { name: "desktop-pages", dependencies: ["setup"], workers: 1, testIgnore: FLEET_SPECS, use: desktop },
    // Last: the lane that finishes first takes it up.
    { name: "phone-pages", dependencies: ["setup"], workers: 1, testIgnore: [FLEET_SPECS, PHONE_SKIPS], use: phone },
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
