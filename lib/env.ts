import { z } from "zod";

// The only reader of process.env in Watchfloor. Everything else asks this module.
// A missing or malformed value stops start-up with a message naming the variable.

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), "must be a postgres:// or postgresql:// URL");

/** An http(s) URL: "localhost:3000" parses as a URL with the scheme "localhost:", which no browser uses. */
const httpUrl = (message: string) => z.url({ error: message, protocol: /^https?$/ });

const roleName = z.enum(["viewer", "responder", "commander", "admin"]);

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl.optional(),
    WATCHFLOOR_DATA_DIR: z.string().min(1).default("./data"),
    WATCHFLOOR_FLEET_CONFIG: z.string().min(1).default("config/fleet.yaml"),
    WATCHFLOOR_RUNBOOKS_DIR: z.string().min(1).default("runbooks"),
    // Rules of your own (README "Rules of your own"); a missing file means none. Re-read on change.
    WATCHFLOOR_RULES_FILE: z.string().min(1).default("config/rules.yaml"),
    NEXTAUTH_URL: httpUrl("must be the exact origin browsers use, e.g. http://localhost:3000").optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    OIDC_ISSUER: httpUrl("must be the issuer URL (http or https)").optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().min(1).default("Single sign-on"),
    OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
    // "group=role,group=role"; the highest matching role wins.
    OIDC_ROLE_MAP: z
      .string()
      .default(
        "watchfloor-admins=admin,watchfloor-commanders=commander,watchfloor-responders=responder,watchfloor-viewers=viewer",
      )
      .transform((v, ctx) => {
        const map: Record<string, z.infer<typeof roleName>> = {};
        for (const pair of v
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)) {
          const [group, role] = pair.split("=").map((s) => s?.trim());
          const parsed = roleName.safeParse(role);
          if (!group || !parsed.success) {
            ctx.addIssue({
              code: "custom",
              message: `entry "${pair}" must look like group=viewer|responder|commander|admin`,
            });
            return z.NEVER;
          }
          map[group] = parsed.data;
        }
        return map;
      }),
    // Role given to an OIDC user whose groups match nothing. Empty = refuse sign-in.
    OIDC_DEFAULT_ROLE: z.union([roleName, z.literal("")]).default(""),
    SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
    SIGNIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(300),
    SIGNIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().min(1).default(20),
    WATCHFLOOR_SECURE_COOKIES: bool.optional(),
    // "on": this server process also runs the collector (leading or following); "off": it only
    // serves (run `npm run collector` separately, PostgreSQL only).
    WATCHFLOOR_COLLECTOR: z.enum(["on", "off"]).default("on"),
    // How often the live board is rebuilt with no change to push (so data ages stay current).
    // Changes are pushed as they happen whatever this is.
    WATCHFLOOR_BOARD_REFRESH_MS: z.coerce.number().int().min(1000).max(3_600_000).default(5000),
    // How long finding transitions and source freshness changes are kept for replay (days).
    WATCHFLOOR_FINDING_HISTORY_DAYS: z.coerce
      .number({ error: "must be a whole number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(3650, "must be at most 3650 days")
      .default(30),
  })
  .superRefine((env, ctx) => {
    const oidc = ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const;
    const set = oidc.filter((k) => env[k] !== undefined);
    if (set.length > 0 && set.length < oidc.length) {
      for (const k of oidc) {
        if (env[k] === undefined)
          ctx.addIssue({ code: "custom", path: [k], message: `required when ${set.join(", ")} is set` });
      }
    }
    if (env.NODE_ENV === "production" && !env.NEXTAUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["NEXTAUTH_SECRET"],
        message: "required in production (npm run demo generates one)",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parse an environment record; throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset, as shells and .env files commonly produce them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;
/** The process environment, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Secrets referenced by name from the fleet config (e.g. a target's bearer token). */
export function readNamedSecret(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v;
}

/** Next.js sets NEXT_RUNTIME; only the Node.js runtime may open the database. */
export function isNodeRuntime(): boolean {
  return process.env.NEXT_RUNTIME === undefined || process.env.NEXT_RUNTIME === "nodejs";
}

export function oidcEnabled(e: Env = env()): boolean {
  return Boolean(e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET);
}
