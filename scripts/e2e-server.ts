// A server the end-to-end tests run against: a throwaway embedded database seeded with known
// users, a real OpenID provider on loopback, a simulated fleet, a paging receiver and the
// production build (`node server.mjs`, as `npm start`). `--lane b` starts the second one (LANES in
// e2e/fixtures/users.ts: its own ports and files), so two sets of fleet specs can run at once.
// Both sign sessions with E2E_NEXTAUTH_SECRET when it is set (playwright.config.ts sets it) and
// seed the accounts with the same ids, so a session stored from one is valid on the other.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { openDatabase } from "../lib/db/client";
import { users } from "../lib/db/schema";
import { createUser } from "../lib/users/service";
import type { Actor, Role } from "../lib/auth/roles";
import { startOidcProvider } from "../lib/testing/oidc-provider";
import { NotifyReceiver } from "../lib/testing/notify-receiver";
import { loadSimFleetConfig, startFleet } from "../lib/sim";
import { simSupabaseKey } from "../lib/sim/systems/postgrest";
import { stringify } from "yaml";
import { LANES, LOCAL_USERS, OIDC_CLIENT, OIDC_USERS, type LaneName } from "../e2e/fixtures/users";

/** `--lane a|b` (default a); anything else is refused by name. */
function laneArg(argv: string[]): LaneName {
  const i = argv.indexOf("--lane");
  const name = i < 0 ? "a" : argv[i + 1];
  if (name !== "a" && name !== "b") throw new Error(`--lane must be "a" or "b", not ${JSON.stringify(name)}`);
  return name;
}

/** The same id for an account on every e2e server: a uuid derived from its username. */
function accountId(username: string): string {
  const h = createHash("sha256").update(`watchfloor-e2e-account:${username}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function main() {
  const lane = LANES[laneArg(process.argv.slice(2))];
  const E2E_BASE_URL = lane.baseUrl;
  const dataDir = mkdtempSync(path.join(tmpdir(), `watchfloor-e2e-${lane.name}-`));
  const h = await openDatabase({ dataDir });
  const system: Actor = { id: "system", username: "system:e2e", displayName: "e2e", role: "admin" };
  for (const [role, u] of Object.entries(LOCAL_USERS) as [Role, (typeof LOCAL_USERS)[Role]][]) {
    await createUser(h.db, system, { username: u.username, displayName: u.displayName, password: u.password, role });
    await h.db
      .update(users)
      .set({ id: accountId(u.username) })
      .where(eq(users.username, u.username));
  }
  await h.close();

  const oidc = await startOidcProvider({
    port: lane.oidcPort,
    clientId: OIDC_CLIENT.id,
    clientSecret: OIDC_CLIENT.secret,
    redirectUri: `${E2E_BASE_URL}/api/auth/callback/oidc`,
    accounts: Object.values(OIDC_USERS),
  });

  // The simulated fleet on ephemeral ports at real time; specs drive scenarios through its admin API
  // (its address is written to fleet.json in the lane's directory, e2e/fixtures/users.ts).
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
  mkdirSync(lane.dir, { recursive: true });
  writeFileSync(
    path.join(lane.dir, "fleet.json"),
    JSON.stringify({ adminUrl: fleet.adminUrl, systems: fleet.systems, notifyReceiverUrl: receiver.url }, null, 2),
  );

  // Secrets are random per run and written (not printed) for the specs that need them: the ingest
  // token for ingest.spec, and all of them for the check that none reaches a browser.
  const nextauthSecret = process.env.E2E_NEXTAUTH_SECRET || randomBytes(32).toString("base64url");
  const ingestToken = `ingest-${randomBytes(18).toString("base64url")}`;
  writeFileSync(
    path.join(lane.dir, "secrets.json"),
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
  const server = spawn(process.execPath, ["server.mjs", "-p", String(lane.port)], { stdio: "inherit", env });
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
