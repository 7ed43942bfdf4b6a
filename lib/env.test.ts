import { afterEach, describe, expect, it, vi } from "vitest";
import { EnvError, oidcEnabled, parseEnv } from "./env";

// Start-up validation of the environment: a missing or malformed value stops start-up with a
// message that names the variable (README, Configuration). parseEnv is what env() runs on
// process.env; describeStartupError is what the server and the CLI scripts print.

/** The problems parseEnv reports for `source` (fails the test when it does not throw). */
function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as EnvError).problems;
  }
  throw new Error(`parseEnv accepted ${JSON.stringify(source)}`);
}

const SECRET = "s".repeat(32);

describe("parseEnv", () => {
  it("an empty environment gives the documented defaults", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({
      NODE_ENV: "development",
      WATCHFLOOR_DATA_DIR: "./data",
      WATCHFLOOR_FLEET_CONFIG: "config/fleet.yaml",
      WATCHFLOOR_RUNBOOKS_DIR: "runbooks",
      OIDC_NAME: "Single sign-on",
      OIDC_GROUPS_CLAIM: "groups",
      OIDC_DEFAULT_ROLE: "",
      SIGNIN_MAX_FAILURES: 5,
      SIGNIN_LOCKOUT_SECONDS: 300,
      WATCHFLOOR_COLLECTOR: "on",
      WATCHFLOOR_FINDING_HISTORY_DAYS: 30,
    });
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.OIDC_ROLE_MAP).toEqual({
      "watchfloor-admins": "admin",
      "watchfloor-commanders": "commander",
      "watchfloor-responders": "responder",
      "watchfloor-viewers": "viewer",
    });
    expect(oidcEnabled(e)).toBe(false);
  });

  it("accepts good values and converts them", () => {
    const e = parseEnv({
      DATABASE_URL: "postgresql://wf:pw@db:5432/watchfloor",
      NEXTAUTH_URL: "http://localhost:3000",
      NEXTAUTH_SECRET: SECRET,
      OIDC_ISSUER: "https://id.example.com/realms/ops",
      OIDC_CLIENT_ID: "watchfloor",
      OIDC_CLIENT_SECRET: "x",
      OIDC_ROLE_MAP: "ops=commander, sre = responder",
      SIGNIN_MAX_FAILURES: "3",
      WATCHFLOOR_SECURE_COOKIES: "1",
      WATCHFLOOR_COLLECTOR: "off",
    });
    expect(e).toMatchObject({
      DATABASE_URL: "postgresql://wf:pw@db:5432/watchfloor",
      SIGNIN_MAX_FAILURES: 3,
      WATCHFLOOR_SECURE_COOKIES: true,
      WATCHFLOOR_COLLECTOR: "off",
      OIDC_ROLE_MAP: { ops: "commander", sre: "responder" },
    });
    expect(oidcEnabled(e)).toBe(true);
  });

  it("treats empty strings as unset (as .env files and shells produce them)", () => {
    const e = parseEnv({ DATABASE_URL: "", NEXTAUTH_SECRET: "", SIGNIN_MAX_FAILURES: "" });
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.NEXTAUTH_SECRET).toBeUndefined();
    expect(e.SIGNIN_MAX_FAILURES).toBe(5);
  });

  const bad: [what: string, source: Record<string, string>, expected: RegExp][] = [
    [
      "DATABASE_URL that is not a postgres URL",
      { DATABASE_URL: "mysql://db/watchfloor" },
      /^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    ],
    [
      "NEXTAUTH_URL without a scheme",
      { NEXTAUTH_URL: "localhost:3000" },
      /^NEXTAUTH_URL: must be the exact origin browsers use/,
    ],
    [
      "NEXTAUTH_SECRET shorter than 32 characters",
      { NEXTAUTH_SECRET: "short" },
      /^NEXTAUTH_SECRET: must be at least 32 characters$/,
    ],
    ["NEXTAUTH_SECRET missing in production", { NODE_ENV: "production" }, /^NEXTAUTH_SECRET: required in production/],
    ["an unknown NODE_ENV", { NODE_ENV: "staging" }, /^NODE_ENV: /],
    [
      "OIDC_ISSUER that is not a URL",
      { OIDC_ISSUER: "id.example.com", OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" },
      /^OIDC_ISSUER: must be the issuer URL/,
    ],
    [
      "OIDC_ISSUER host:port without a scheme",
      { OIDC_ISSUER: "localhost:8080", OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" },
      /^OIDC_ISSUER: must be the issuer URL \(http or https\)$/,
    ],
    [
      "NEXTAUTH_URL with a non-web scheme",
      { NEXTAUTH_URL: "ftp://localhost:3000" },
      /^NEXTAUTH_URL: must be the exact origin browsers use/,
    ],
    [
      "an OIDC_ROLE_MAP entry with an unknown role",
      { OIDC_ROLE_MAP: "ops=root" },
      /^OIDC_ROLE_MAP: entry "ops=root" must look like group=viewer\|responder\|commander\|admin$/,
    ],
    ["an OIDC_ROLE_MAP entry without a group", { OIDC_ROLE_MAP: "=admin" }, /^OIDC_ROLE_MAP: entry "=admin"/],
    ["an unknown OIDC_DEFAULT_ROLE", { OIDC_DEFAULT_ROLE: "superuser" }, /^OIDC_DEFAULT_ROLE: /],
    ["SIGNIN_MAX_FAILURES that is not a number", { SIGNIN_MAX_FAILURES: "five" }, /^SIGNIN_MAX_FAILURES: /],
    ["SIGNIN_MAX_FAILURES of 0", { SIGNIN_MAX_FAILURES: "0" }, /^SIGNIN_MAX_FAILURES: /],
    ["a fractional SIGNIN_LOCKOUT_SECONDS", { SIGNIN_LOCKOUT_SECONDS: "1.5" }, /^SIGNIN_LOCKOUT_SECONDS: /],
    [
      "WATCHFLOOR_SECURE_COOKIES that is not a boolean",
      { WATCHFLOOR_SECURE_COOKIES: "yes" },
      /^WATCHFLOOR_SECURE_COOKIES: /,
    ],
    ["WATCHFLOOR_COLLECTOR other than on/off", { WATCHFLOOR_COLLECTOR: "maybe" }, /^WATCHFLOOR_COLLECTOR: /],
    [
      "WATCHFLOOR_FINDING_HISTORY_DAYS of 0",
      { WATCHFLOOR_FINDING_HISTORY_DAYS: "0" },
      /^WATCHFLOOR_FINDING_HISTORY_DAYS: must be at least 1 day$/,
    ],
    [
      "a fractional WATCHFLOOR_FINDING_HISTORY_DAYS",
      { WATCHFLOOR_FINDING_HISTORY_DAYS: "2.5" },
      /^WATCHFLOOR_FINDING_HISTORY_DAYS: must be a whole number of days$/,
    ],
  ];
  for (const [what, source, expected] of bad) {
    it(`refuses ${what}, naming the variable`, () => {
      const p = problems(source);
      expect(p, p.join("\n")).toHaveLength(1);
      expect(p[0]).toMatch(expected);
    });
  }

  it("OIDC is all three variables or none: each missing one is named", () => {
    const p = problems({ OIDC_ISSUER: "https://id.example.com" });
    expect(p.sort()).toEqual([
      "OIDC_CLIENT_ID: required when OIDC_ISSUER is set",
      "OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set",
    ]);
  });

  it("reports every bad variable at once, and the error message lists them", () => {
    let err: unknown;
    try {
      parseEnv({ DATABASE_URL: "sqlite:data.db", SIGNIN_MAX_FAILURES: "-1", WATCHFLOOR_COLLECTOR: "auto" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const e = err as EnvError;
    expect(e.problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "DATABASE_URL",
      "SIGNIN_MAX_FAILURES",
      "WATCHFLOOR_COLLECTOR",
    ]);
    expect(e.message).toMatch(/^Invalid environment:\n {2}- /);
    for (const v of ["DATABASE_URL", "SIGNIN_MAX_FAILURES", "WATCHFLOOR_COLLECTOR"])
      expect(e.message).toContain(`  - ${v}: `);
  });
});

describe("env() on process.env and the start-up message", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("env() throws naming the bad variable, and describeStartupError prints that message", async () => {
    vi.stubEnv("SIGNIN_LOCKOUT_SECONDS", "soon");
    vi.resetModules();
    const { env } = await import("./env");
    const { describeStartupError } = await import("./boot");
    let err: unknown;
    try {
      env();
    } catch (e) {
      err = e;
    }
    expect(err, "env() accepted SIGNIN_LOCKOUT_SECONDS=soon").toBeDefined();
    const printed = describeStartupError(err);
    expect(printed).toMatch(/^Invalid environment:/);
    expect(printed).toContain("SIGNIN_LOCKOUT_SECONDS: ");
    expect(printed).not.toMatch(/^Start-up failed/);
  });

  it("env() reads a good process environment", async () => {
    vi.stubEnv("WATCHFLOOR_COLLECTOR", "off");
    vi.stubEnv("DATABASE_URL", "");
    vi.resetModules();
    const { env } = await import("./env");
    expect(env()).toMatchObject({ WATCHFLOOR_COLLECTOR: "off" });
    expect(env().DATABASE_URL).toBeUndefined();
  });
});
