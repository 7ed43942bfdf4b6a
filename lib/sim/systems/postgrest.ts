// A read-only PostgREST-compatible endpoint, as a Supabase project serves its tables under
// /rest/v1: the simulated trading bots serve their capital ledger this way, so the console reads
// it through supabase-js over HTTP exactly as it would read a real project.
//
// What is implemented (PostgREST 12 behind Supabase's gateway):
// - `apikey` header (or `apikey` query parameter) checked first, as the gateway does: none → 401
//   "No API key found in request", a wrong one → 401 "Invalid API key" (no `code`); an
//   `Authorization: Bearer` that is not the key → 401 PGRST301.
// - `Accept-Profile` picks the schema (default public); another → 406 PGRST106.
// - `select` (plain column names or `*`), `order` (`col.asc|desc[.nullsfirst|nullslast]`, comma
//   separated), `limit`, `offset`, and `eq.` / `in.(…)` filters on columns; an unknown column →
//   400 with PostgreSQL's 42703; a syntax PostgREST would not parse → 400 PGRST100.
// - An unknown table → 404 with 42P01 passed through; writes → 403 42501 (read-only key).
// - `Content-Range: <first>-<last>/<total or *>` (`*/…` when empty), the total only with
//   `Prefer: count=exact`; `Content-Profile`; HEAD answers the headers alone.
// - `unavailable()` (the project unreachable): 503 PGRST002, the answer of a PostgREST that cannot
//   reach its database.

import type { SimRequest, SimResponse } from "../core/http";
import { json } from "../core/http";

export const POSTGREST_PREFIX = "/rest/v1/";

export interface PostgrestTable {
  name: string;
  columns: readonly string[];
  rows(): Record<string, unknown>[];
}

export interface PostgrestOptions {
  /** The project's API key (the simulator's stand-in for the anon key). */
  apiKey: string;
  schema?: string;
  tables: readonly PostgrestTable[];
  /** When it returns true the project answers 503 (its database is unreachable). */
  unavailable?: () => boolean;
}

/** The Supabase API key of a simulated system (derived from its credential; config/fleet.yaml names it by env var). */
export function simSupabaseKey(credential: string): string {
  return `sb-sim-anon-${credential}`;
}

type Err = { code: string | null; details: string | null; hint: string | null; message: string };

function pgError(status: number, e: Partial<Err> & { message: string }): SimResponse {
  return json(status, { code: e.code ?? null, details: e.details ?? null, hint: e.hint ?? null, message: e.message });
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Keys compared without leaking their length through timing does not matter here: a simulator. */
function authError(req: SimRequest, key: string): SimResponse | undefined {
  const given = header(req, "apikey") ?? req.query.get("apikey") ?? undefined;
  if (!given)
    return json(401, {
      message: "No API key found in request",
      hint: "No `apikey` request header or url param was found.",
    });
  if (given !== key)
    return json(401, {
      message: "Invalid API key",
      hint: "Double check your Supabase `anon` or `service_role` API key.",
    });
  const auth = header(req, "authorization");
  if (auth !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m || m[1] !== key) return pgError(401, { code: "PGRST301", message: "JWSError JWSInvalidSignature" });
  }
  return undefined;
}

const RESERVED = new Set(["select", "order", "limit", "offset", "apikey", "columns", "on_conflict"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function missingColumn(table: string, column: string): SimResponse {
  return pgError(400, { code: "42703", message: `column ${table}.${column} does not exist` });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * Answers a request under /rest/v1/, or returns undefined for any other path (the system's own
 * routes handle it).
 */
export function handlePostgrest(req: SimRequest, o: PostgrestOptions): SimResponse | undefined {
  if (!req.path.startsWith(POSTGREST_PREFIX)) return undefined;
  const denied = authError(req, o.apiKey);
  if (denied) return denied;
  if (o.unavailable?.())
    return pgError(503, { code: "PGRST002", message: "Could not query the database for the schema cache. Retrying." });
  const schema = o.schema ?? "public";
  const profile = header(req, req.method === "GET" || req.method === "HEAD" ? "accept-profile" : "content-profile");
  if (profile !== undefined && profile !== schema)
    return pgError(406, { code: "PGRST106", message: `The schema must be one of the following: ${schema}` });
  const name = decodeURIComponent(req.path.slice(POSTGREST_PREFIX.length));
  const table = o.tables.find((t) => t.name === name);
  if (!table) return pgError(404, { code: "42P01", message: `relation "${schema}.${name}" does not exist` });
  if (req.method !== "GET" && req.method !== "HEAD")
    return pgError(403, { code: "42501", message: `permission denied for table ${table.name}` });

  // select
  const selectText = req.query.get("select") ?? "*";
  const columns: string[] = [];
  for (const raw of selectText.split(",")) {
    const c = raw.trim();
    if (c === "*") columns.push(...table.columns);
    else if (!IDENT.test(c))
      return pgError(400, {
        code: "PGRST100",
        details: `unexpected "${c.slice(0, 20)}"`,
        message: `"failed to parse select parameter (${selectText})"`,
      });
    else if (!table.columns.includes(c)) return missingColumn(table.name, c);
    else columns.push(c);
  }

  let rows = table.rows();
  // filters
  for (const [param, value] of req.query) {
    if (RESERVED.has(param)) continue;
    if (!table.columns.includes(param)) return missingColumn(table.name, param);
    const eq = /^eq\.(.*)$/s.exec(value);
    const inList = /^in\.\((.*)\)$/s.exec(value);
    if (eq) rows = rows.filter((r) => String(r[param]) === eq[1]);
    else if (inList) {
      const set = new Set(inList[1]!.split(",").map((x) => x.trim().replace(/^"(.*)"$/, "$1")));
      rows = rows.filter((r) => set.has(String(r[param])));
    } else
      return pgError(400, {
        code: "PGRST100",
        details: `unexpected "${value.slice(0, 20)}" expecting an operator`,
        message: `"failed to parse filter (${value})" (line 1, column 1)`,
      });
  }

  // order
  const order = req.query.get("order");
  if (order) {
    const terms: { col: string; desc: boolean; nullsFirst: boolean }[] = [];
    for (const term of order.split(",")) {
      const [col, ...mods] = term.trim().split(".");
      if (!col || !IDENT.test(col) || mods.some((m) => !["asc", "desc", "nullsfirst", "nullslast"].includes(m))) {
        return pgError(400, {
          code: "PGRST100",
          details: `unexpected "${term.slice(0, 20)}"`,
          message: `"failed to parse order (${order})" (line 1, column 1)`,
        });
      }
      if (!table.columns.includes(col)) return missingColumn(table.name, col);
      const desc = mods.includes("desc");
      terms.push({ col, desc, nullsFirst: mods.includes("nullsfirst") || (desc && !mods.includes("nullslast")) });
    }
    rows = [...rows].sort((a, b) => {
      for (const t of terms) {
        const x = a[t.col];
        const y = b[t.col];
        if (x == null || y == null) {
          if (x == null && y == null) continue;
          return (x == null) === t.nullsFirst ? -1 : 1;
        }
        const c = compare(x, y);
        if (c !== 0) return t.desc ? -c : c;
      }
      return 0;
    });
  }

  // limit / offset
  const intParam = (p: string): number | undefined | SimResponse => {
    const v = req.query.get(p);
    if (v === null) return undefined;
    if (!/^\d+$/.test(v))
      return pgError(400, {
        code: "PGRST100",
        details: `unexpected "${v.slice(0, 20)}" expecting digit`,
        message: `"failed to parse ${p} parameter (${v})" (line 1, column 1)`,
      });
    return Number(v);
  };
  const limit = intParam("limit");
  const offset = intParam("offset");
  if (typeof limit === "object") return limit;
  if (typeof offset === "object") return offset;
  const total = rows.length;
  const start = offset ?? 0;
  const page = rows.slice(start, limit === undefined ? undefined : start + limit);
  const body = page.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));

  const exact = /\bcount=exact\b/.test(header(req, "prefer") ?? "");
  const totalText = exact ? String(total) : "*";
  const range = page.length ? `${start}-${start + page.length - 1}/${totalText}` : `*/${totalText}`;
  const headers = { "content-range": range, "content-profile": schema };
  const res = json(200, body, headers);
  return req.method === "HEAD" ? { ...res, body: "" } : res;
}

/** The columns of the trading bot's ledger table (seed 000's fields, a status and an update time). */
export const CAPITAL_LEDGER_COLUMNS = [
  "profile_id",
  "allocated",
  "reserved_for_orders",
  "reserved_for_positions",
  "realized_pnl",
  "status",
  "updated_at",
] as const;

interface LedgerProfile {
  id: string;
  allocated: number;
  reservedForOrders: number;
  reservedForPositions: number;
  realizedPnl: number;
  status: string;
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** The `capital_ledger` table over a bot's live profiles, one row per profile, as the bot writes it. */
export function capitalLedgerTable(profiles: () => Iterable<LedgerProfile>, nowIso: () => string): PostgrestTable {
  return {
    name: "capital_ledger",
    columns: CAPITAL_LEDGER_COLUMNS,
    rows: () =>
      [...profiles()].map((p) => ({
        profile_id: p.id,
        allocated: cents(p.allocated),
        reserved_for_orders: cents(p.reservedForOrders),
        reserved_for_positions: cents(p.reservedForPositions),
        realized_pnl: cents(p.realizedPnl),
        status: p.status,
        updated_at: nowIso(),
      })),
  };
}
