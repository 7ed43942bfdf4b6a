// The server the end-to-end tests run against: a throwaway embedded database seeded with known
// users, a real OpenID provider on loopback, and the production build (`next start`).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../lib/db/client";
import { createUser } from "../lib/users/service";
import type { Actor, Role } from "../lib/auth/roles";
import { startOidcProvider } from "../lib/testing/oidc-provider";
import { NotifyReceiver } from "../lib/testing/notify-receiver";
import { loadSimFleetConfig, startFleet } from "../lib/sim";
import { simSupabaseKey } from "../lib/sim/systems/postgrest";
import { stringify } from "yaml";
import { E2E_BASE_URL, E2E_PORT, LOCAL_USERS, OIDC_CLIENT, OIDC_PORT, OIDC_USERS } from "../e2e/fixtures/users";

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "watchfloor-e2e-"));
  const h = await openDatabase({ dataDir });
  const system: Actor = { id: "system", username: "system:e2e", displayName: "e2e", role: "admin" };
  for (const [role, u] of Object.entries(LOCAL_USERS) as [Role, (typeof LOCAL_USERS)[Role]][]) {
    await createUser(h.db, system, { username: u.username, displayName: u.displayName, password: u.password, role });
  }
  await h.close();

  const oidc = await startOidcProvider({
    port: OIDC_PORT,
    clientId: OIDC_CLIENT.id,
    clientSecret: OIDC_CLIENT.secret,
    redirectUri: `${E2E_BASE_URL}/api/auth/callback/oidc`,
    accounts: Object.values(OIDC_USERS),
  });

  // The simulated fleet on ephemeral ports at real time; specs drive scenarios through its admin API
  // (its address is written to e2e/.auth/fleet.json).
  const fleet = await startFleet({
    config: loadSimFleetConfig("config/sim-fleet.yaml"),
    seed: 11,
    clock: { speed: 1 },
    portBase: 0,
  });
  const fleetEnv: Record<string, string> = {};
  const publicEnv: Record<string, string> = {};
  const targets = fleet.systems.map((s) => {
    const tokenEnv = `SIM_TOKEN_${s.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    fleetEnv[tokenEnv] = s.credential;
    // The ledger invariant clears after its window without growth; 30 s instead of 15 min lets
    // ledger-board.spec watch it clear. No other spec waits on that window.
    const thresholds =
      s.kind === "spot-exchange" ? { thresholds: { exchange_ledger_invariant: { windowMinutes: 0.5 } } } : {};
    // As in the demo, beta-bot's ledger is read from its Supabase project (the simulator's PostgREST
    // endpoint) through supabase-js; the URL is not a secret, the key is.
    let ledger = {};
    if (s.name === "beta-bot") {
      fleetEnv.SIM_SUPABASE_KEY_BETA_BOT = simSupabaseKey(s.credential);
      publicEnv.SIM_SUPABASE_URL_BETA_BOT = s.url;
      ledger = {
        ledger: {
          from: "supabase",
          urlEnv: "SIM_SUPABASE_URL_BETA_BOT",
          keyEnv: "SIM_SUPABASE_KEY_BETA_BOT",
          statusColumn: "status",
        },
      };
    }
    return {
      name: s.name,
      kind: s.kind,
      label: s.name,
      baseUrl: s.url,
      simulated: true,
      pollIntervalMs: 1000,
      credentials: {
        bearerTokenEnv: tokenEnv,
        ...(s.kind === "futures-bot" ? { ingestTokenEnv: "INGEST_TOKEN_KRAKEN_FUTURES" } : {}),
      },
      ...ledger,
      ...thresholds,
    };
  });
  // Paging as the demo ships it: channels pointing at a local receiver that implements the Slack,
  // PagerDuty and signed-webhook contracts; specs read what arrived from its /api/received.
  const pagerdutyKey = randomBytes(16).toString("hex");
  const webhookSecret = randomBytes(24).toString("base64url");
  const receiver = await new NotifyReceiver({ pagerdutyRoutingKey: pagerdutyKey, webhookSecret }).start();
  const notify = {
    channels: [
      { name: "e2e-chat", type: "slack", url: `${receiver.url}/slack/ops` },
      {
        name: "e2e-pager",
        type: "pagerduty",
        url: `${receiver.url}/pagerduty/v2/enqueue`,
        routingKeyEnv: "E2E_PAGERDUTY_ROUTING_KEY",
      },
      { name: "e2e-webhook", type: "webhook", url: `${receiver.url}/webhook`, secretEnv: "E2E_WEBHOOK_SECRET" },
    ],
    routes: [
      { match: { severity: "SEV1" }, channels: ["e2e-pager", "e2e-chat", "e2e-webhook"], repeatMinutes: 30 },
      { match: {}, channels: ["e2e-chat", "e2e-webhook"], repeatMinutes: 0 },
    ],
  };
  const fleetFile = path.join(dataDir, "fleet.yaml");
  // Ticket IDs link to a tracker (controls.ticketUrlTemplate); the e2e specs follow no such link.
  // The fleet specs put halts back through the console (a commander asks, the admin approves)
  // right before the next spec asks for its own: 30 requests a minute per user, not 10.
  writeFileSync(
    fleetFile,
    stringify({
      defaults: { pollIntervalMs: 1000, timeoutMs: 800 },
      controls: { ticketUrlTemplate: "https://tracker.example/browse/{id}", rateLimitPerMinute: 30 },
      notify,
      targets,
    }),
  );
  mkdirSync("e2e/.auth", { recursive: true });
  writeFileSync(
    "e2e/.auth/fleet.json",
    JSON.stringify({ adminUrl: fleet.adminUrl, systems: fleet.systems, notifyReceiverUrl: receiver.url }, null, 2),
  );

  // Secrets are random per run and written (not printed) for the specs that need them: the ingest
  // token for ingest.spec, and all of them for the check that none reaches a browser.
  const nextauthSecret = randomBytes(32).toString("base64url");
  const ingestToken = `ingest-${randomBytes(18).toString("base64url")}`;
  writeFileSync(
    "e2e/.auth/secrets.json",
    JSON.stringify(
      {
        nextauthSecret,
        oidcClientSecret: OIDC_CLIENT.secret,
        ingestToken,
        simTokens: Object.values(fleetEnv),
        notifySecrets: [pagerdutyKey, webhookSecret],
        databasePassword: databasePassword(process.env.DATABASE_URL),
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    WATCHFLOOR_DATA_DIR: dataDir,
    NEXTAUTH_URL: E2E_BASE_URL,
    NEXTAUTH_SECRET: nextauthSecret,
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_NAME: "Test SSO",
    SIGNIN_MAX_FAILURES: "20",
    WATCHFLOOR_FLEET_CONFIG: fleetFile,
    ...fleetEnv,
    ...publicEnv,
    INGEST_TOKEN_KRAKEN_FUTURES: ingestToken,
    E2E_PAGERDUTY_ROUTING_KEY: pagerdutyKey,
    E2E_WEBHOOK_SECRET: webhookSecret,
  };
  const server = spawn("npx", ["next", "start", "-p", String(E2E_PORT)], { stdio: "inherit", env });
  const stop = async () => {
    server.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  server.on("exit", async (code) => {
    await oidc.stop();
    await fleet.stop();
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(code ?? 0);
  });
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
