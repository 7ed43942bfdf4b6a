// Shared set-up for the integration tests that run a service on both databases: the driver table
// (embedded PGlite and a database of its own on the throwaway PostgreSQL 15), one actor per role,
// and a fleet config pointing at a simulated test fleet with its credentials.
import { openDatabase, type DbHandle } from "../db/client";
import { ROLES, type Actor, type Role } from "../auth/roles";
import { FleetConfig } from "../config/fleet";
import type { Fleet } from "../sim/fleet";
import { createDatabase, type TestPostgres } from "./postgres";

export type Driver = [name: string, open: () => Promise<DbHandle>];

let databases = 0;

/**
 * PGlite in memory and PostgreSQL 15, for `describe.each`. `server` is read when a database is
 * opened (inside beforeAll), after the suite's own beforeAll has started PostgreSQL.
 */
export function bothDatabases(server: () => TestPostgres, prefix: string): [pglite: Driver, postgres: Driver] {
  return [
    ["PGlite", () => openDatabase({ dataDir: "memory://" })],
    [
      "PostgreSQL 15",
      async () =>
        openDatabase({ url: await createDatabase(server().url, `wf_${prefix}_${process.pid}_${++databases}`) }),
    ],
  ];
}

/** One actor per role, with stable ids (`…000001` viewer to `…000004` admin). */
export function actorsByRole(displayName: (role: Role) => string = (role) => role): Record<Role, Actor> {
  return Object.fromEntries(
    ROLES.map((role, i) => [
      role,
      { id: `00000000-0000-0000-0000-00000000000${i + 1}`, username: role, displayName: displayName(role), role },
    ]),
  ) as Record<Role, Actor>;
}

/**
 * A fleet config for every system of a running test fleet, with the credentials under env-var
 * names returned in `secrets` (pass them where the service resolves credentials).
 */
export function fleetConfigFor(
  fleet: Fleet,
  extra: Record<string, unknown> = {},
): { config: FleetConfig; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const targets = fleet.systems.map((s) => {
    const env = `TEST_TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`;
    secrets[env] = s.credential;
    return { name: s.name, kind: s.kind, baseUrl: s.url, simulated: true, credentials: { bearerTokenEnv: env } };
  });
  return { config: FleetConfig.parse({ targets, ...extra }), secrets };
}
