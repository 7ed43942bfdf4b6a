import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { stringify } from "yaml";
import { freePort } from "../lib/testing/postgres";
import { nodeExporterInstalled, startNodeExporter, type TestNodeExporter } from "../lib/testing/node-exporter";
import { addUser, killGroup, startInstance, waitReady, type Instance } from "./console-process";
import { expectNoAxeViolations, signInWithForm } from "./support";

// Any exporter and rules of your own: a console watching a real node_exporter (run by the harness
// on a loopback port) through the generic `prometheus` kind, judged by the shipped example host
// rules. It starts its own console (no simulated fleet), so it runs in the pages lane. The
// sources screen shows the host target and its rules; a rule added to the rules file while the
// console runs puts its finding on the board without a restart; a bad edit is refused on the
// sources screen while the last good rules stay in force.

let exporter: TestNodeExporter;
let dir: string;
let rulesFile: string;
let inst: Instance;

const FORCED = `
  - id: host_memory_forced
    title: Host memory (test threshold)
    targets: { kinds: [prometheus], names: ["host-*"] }
    type: threshold
    metric: node_memory_MemAvailable_bytes
    divideBy: node_memory_MemTotal_bytes
    op: "<"
    value: 1.01
    severity: SEV2
    summary: "{{target}}: {{value | percent}} of memory available (a test threshold of {{threshold | percent}})"
    runbook: https://github.com/prometheus/node_exporter#memory
`;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  expect(nodeExporterInstalled(), "install prometheus-node-exporter (npm run deps:system)").toBe(true);
  exporter = await startNodeExporter();
  dir = mkdtempSync(path.join(tmpdir(), "wf-e2e-exporter-"));
  rulesFile = path.join(dir, "rules.yaml");
  copyFileSync("config/rules.example.yaml", rulesFile);
  writeFileSync(
    path.join(dir, "fleet.yaml"),
    stringify({
      defaults: { pollIntervalMs: 1000, timeoutMs: 800 },
      targets: [
        {
          name: "host-e2e",
          kind: "prometheus",
          label: "Host (node_exporter)",
          baseUrl: exporter.url,
          scrape: { entityLabel: "mountpoint" },
        },
      ],
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    WATCHFLOOR_DATA_DIR: path.join(dir, "data"),
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    WATCHFLOOR_FLEET_CONFIG: path.join(dir, "fleet.yaml"),
    WATCHFLOOR_RULES_FILE: rulesFile,
  };
  await addUser(env, "host-viewer", "viewer", "host-viewer-password");
  inst = startInstance("exporter-sources", await freePort(), env);
  await waitReady(inst);
});

test.afterAll(async () => {
  killGroup(inst, "SIGTERM");
  await exporter?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the node_exporter target and its rules on the sources screen; a rule added live fires on the board; a bad edit is refused", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await signInWithForm(page, "host-viewer", "host-viewer-password", inst.base);
  await page.waitForURL(`${inst.base}/`);
  await page.goto(`${inst.base}/sources`);

  const row = page.locator('tr[data-source="host-e2e"]');
  await expect(row).toContainText("Host (node_exporter)");
  await expect(row).toContainText("prometheus");
  await expect(row.getByTitle("Source freshness: fresh")).toBeVisible({ timeout: 15_000 });
  const metrics = page.locator('[data-part="host-e2e:metrics"]');
  await expect(metrics).toHaveAttribute("data-adapter", "generic-scrape");
  await expect(metrics).toContainText(`${exporter.url}/metrics`);
  // node_exporter's real series count, not a dash.
  await expect(metrics.locator("td").last()).toHaveText(/^\d{3,}$/);
  const rules = page.locator("[data-user-rules]");
  await expect(rules).toContainText("7 rules in force");
  for (const id of ["host_filesystem_filling", "host_memory_low", "host_down", "host_clock_skew"])
    await expect(rules.locator(`[data-user-rule="${id}"]`)).toBeVisible();
  // The example's error-rate rule reads a metric node_exporter does not export: a warning, not an error.
  await expect(page.locator("[data-rules-warnings]")).toContainText(
    /rules\.yaml:\d+: rule http_errors_rate: no target it applies to \(host-e2e\) exports http_requests_errors_total/,
  );
  await expectNoAxeViolations(page);

  // A rule added to the file while the console runs: its finding reaches the board, no restart.
  appendFileSync(rulesFile, FORCED);
  await page.goto(`${inst.base}/`);
  const card = page.locator('[data-rule="host_memory_forced"]');
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(card).toContainText("SEV2");
  await expect(card).toContainText(/host-e2e: \d+(\.\d)?% of memory available \(a test threshold of 101%\)/);
  await expect(card.getByRole("link", { name: "Runbook (external)" })).toHaveAttribute(
    "href",
    "https://github.com/prometheus/node_exporter#memory",
  );
  await expectNoAxeViolations(page);

  // A bad edit: refused with file:line, rule and field; the last good rules stay in force.
  const good = readFileSync(rulesFile, "utf8");
  writeFileSync(
    rulesFile,
    good.replace(/(id: host_memory_forced[\s\S]*?)severity: SEV2/, "$1severity: SEV2\n    for: soon"),
  );
  await page.goto(`${inst.base}/sources`);
  const refused = page.locator("[data-rules-rejected]");
  await expect(refused).toBeVisible({ timeout: 15_000 });
  await expect(refused).toContainText("the last good rules stay in force");
  await expect(refused).toContainText(/rules\.yaml:\d+: rule host_memory_forced: for: "soon" is not a duration/);
  await expect(page.locator("[data-user-rules]")).toContainText("8 rules in force");
  await expectNoAxeViolations(page);
  await page.goto(`${inst.base}/`);
  await expect(page.locator('[data-rule="host_memory_forced"]')).toBeVisible();
});
