// Supabase ledger adapter: reads a trading bot's per-profile capital ledger (seed 000: allocated,
// reserved_for_orders, reserved_for_positions, realized_pnl) straight from its Supabase project
// through supabase-js (PostgREST underneath), validates the rows with zod and maps them into
// Samples. It never throws: transport problems, PostgREST errors and rows that do not validate all
// come back as a typed SourceError.
//
// Read-only by design — seed 000 says not to edit ledger rows by hand, and nothing here can.

import { createClient, type SupabaseClient, type SupabaseClientOptions } from "@supabase/supabase-js";
import { z } from "zod";
import type { Sample, SourceError, SourceResult } from "../model";

/** The seed's ledger table name; deployments that renamed it pass `table`. */
export const DEFAULT_LEDGER_TABLE = "capital_ledger";
export const DEFAULT_LEDGER_SCHEMA = "public";
/** A ledger has one row per profile; more than this is not a ledger we understand. */
export const DEFAULT_MAX_ROWS = 1000;

export const LEDGER_FIELDS = ["allocated", "reserved_for_orders", "reserved_for_positions", "realized_pnl"] as const;
export type LedgerField = (typeof LEDGER_FIELDS)[number];

/** Metric names of the samples this adapter produces. */
export const LEDGER_METRICS = {
  allocated: "allocated",
  reserved_for_orders: "reserved_for_orders",
  reserved_for_positions: "reserved_for_positions",
  realized_pnl: "realized_pnl",
  /** allocated − reserved_for_orders − reserved_for_positions + realized_pnl (seed 000's invariant). */
  available_capital: "available_capital",
  /** 1 when the status column says the profile is active, else 0 (only with `statusColumn`). */
  profile_active: "profile_active",
} as const;

export interface SupabaseLedgerOptions {
  /** Project URL, e.g. https://<project-ref>.supabase.co (the REST API is under /rest/v1). */
  url: string;
  /** API key (anon or service role); sent as `apikey` and `Authorization: Bearer`. */
  key: string;
  /** Fleet target name the samples belong to. */
  system: string;
  /** Default "capital_ledger" — the ledger table named in seed 000. */
  table?: string;
  /** Default "public"; another schema must be exposed by the project's API settings. */
  schema?: string;
  /**
   * Name of a status column (e.g. "status") to read as well. Left out of the select unless set,
   * because PostgREST rejects the whole request (42703) when a selected column does not exist.
   */
  statusColumn?: string;
  /** Status values meaning "active" (case-insensitive); default ["active"]. Booleans map directly. */
  activeStatuses?: readonly string[];
  /** Row cap sent as `limit`; default 1000. */
  maxRows?: number;
  /** Covers the whole request including the body. */
  timeoutMs: number;
  /** Response bodies larger than this are refused while streaming. */
  maxBytes: number;
  /** The fetch supabase-js uses (tests inject recorded responses); default the global fetch. */
  fetch?: typeof fetch;
}

export interface LedgerRow {
  profileId: string;
  allocated: number | null;
  reserved_for_orders: number | null;
  reserved_for_positions: number | null;
  realized_pnl: number | null;
  /** Present only when a status column is configured. */
  status?: string | boolean | null;
}

export interface LedgerReadResult {
  samples: Sample[];
  rows: LedgerRow[];
  /** True when the row cap was reached, so profiles past it may be missing. */
  truncated: boolean;
  latencyMs: number;
}

export interface SupabaseLedgerSource {
  /** One read of the ledger; `now` (ms) becomes every sample's observedAt, default the time of the answer. */
  read(now?: number): Promise<SourceResult<LedgerReadResult>>;
}

// --- row validation -------------------------------------------------------------------------

// PostgREST renders `numeric` as JSON numbers, but string forms turn up too (numeric cast to
// text in a view, proxies that stringify big values, NaN/Infinity which JSON cannot carry).
const NUMERIC_TEXT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const SPECIAL_NUMERIC: Readonly<Record<string, number>> = {
  nan: NaN,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
};

const NumericCell = z.union([
  z.number(),
  z.string().transform((text, ctx) => {
    if (NUMERIC_TEXT.test(text)) return Number(text);
    const special = SPECIAL_NUMERIC[text.trim().toLowerCase()];
    if (special !== undefined) return special;
    ctx.addIssue({ code: "custom", message: `not a number: ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }),
  z.null(),
]);

const ProfileIdCell = z.union([z.string().min(1, "empty profile_id"), z.number().int().transform(String)]);
const StatusCell = z.union([z.string(), z.boolean(), z.null()]);

function describeCellIssue(error: z.ZodError, value: unknown, expected: string): string {
  // A union reports one issue per branch. A branch of the right type that still failed (numeric
  // grammar, empty id) says the useful thing; otherwise the value had the wrong type altogether.
  const specific = error.issues
    .flatMap((i) =>
      i.code === "invalid_union" ? ((i as { errors?: z.core.$ZodIssue[][] }).errors?.flat() ?? []) : [i],
    )
    .find((i) => i.code !== "invalid_type" && i.code !== "invalid_union");
  if (specific) return specific.message;
  const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return `expected ${expected}, got ${got}`;
}

/** Validates PostgREST's `data` into ledger rows; errors name the row index and the field. */
export function parseLedgerRows(data: unknown, opts: { statusColumn?: string } = {}): SourceResult<LedgerRow[]> {
  if (!Array.isArray(data))
    return fail("schema", `expected an array of ledger rows, got ${data === null ? "null" : typeof data}`);
  const rows: LedgerRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const raw: unknown = data[i];
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      return fail("schema", `row ${i}: expected an object`);
    const cells = raw as Record<string, unknown>;
    const where = (field: string) =>
      `row ${i}${typeof cells.profile_id === "string" ? ` (profile_id ${JSON.stringify(cells.profile_id)})` : ""}, field ${field}`;

    if (!Object.hasOwn(cells, "profile_id")) return fail("schema", `${where("profile_id")}: missing`);
    const id = ProfileIdCell.safeParse(cells.profile_id);
    if (!id.success)
      return fail(
        "schema",
        `${where("profile_id")}: ${describeCellIssue(id.error, cells.profile_id, "a non-empty string or an integer")}`,
      );
    const first = seen.get(id.data);
    if (first !== undefined)
      return fail("schema", `row ${i}: duplicate profile_id ${JSON.stringify(id.data)} (first at row ${first})`);
    seen.set(id.data, i);

    const row: LedgerRow = {
      profileId: id.data,
      allocated: null,
      reserved_for_orders: null,
      reserved_for_positions: null,
      realized_pnl: null,
    };
    for (const field of LEDGER_FIELDS) {
      // A column we selected but the row lacks means the response is not what we asked for.
      if (!Object.hasOwn(cells, field)) return fail("schema", `${where(field)}: missing`);
      const cell = NumericCell.safeParse(cells[field]);
      if (!cell.success)
        return fail(
          "schema",
          `${where(field)}: ${describeCellIssue(cell.error, cells[field], "a number, a numeric string or null")}`,
        );
      row[field] = cell.data;
    }
    if (opts.statusColumn) {
      const status = StatusCell.safeParse(cells[opts.statusColumn] ?? null);
      if (!status.success) return fail("schema", `${where(opts.statusColumn)}: expected a string, boolean or null`);
      row.status = status.data;
    }
    rows.push(row);
  }
  return { ok: true, value: rows };
}

/**
 * One Sample per non-null ledger field, plus the derived available capital when all four fields
 * are present. A null field yields no sample: reading it as 0 would invent capital.
 */
export function ledgerRowsToSamples(
  rows: readonly LedgerRow[],
  system: string,
  observedAt: number,
  opts: { activeStatuses?: readonly string[] } = {},
): Sample[] {
  const active = new Set((opts.activeStatuses ?? ["active"]).map((s) => s.toLowerCase()));
  const out: Sample[] = [];
  const push = (entity: string, metric: string, value: number, labels: Record<string, string> = {}) =>
    out.push({ system, entity, metric, labels, value, observedAt });
  for (const row of rows) {
    for (const field of LEDGER_FIELDS) {
      const v = row[field];
      if (v !== null) push(row.profileId, LEDGER_METRICS[field], v);
    }
    const { allocated, reserved_for_orders, reserved_for_positions, realized_pnl } = row;
    if (
      allocated !== null &&
      reserved_for_orders !== null &&
      reserved_for_positions !== null &&
      realized_pnl !== null
    ) {
      push(
        row.profileId,
        LEDGER_METRICS.available_capital,
        allocated - reserved_for_orders - reserved_for_positions + realized_pnl,
      );
    }
    if (row.status !== undefined && row.status !== null) {
      const on = typeof row.status === "boolean" ? row.status : active.has(row.status.toLowerCase());
      push(row.profileId, LEDGER_METRICS.profile_active, on ? 1 : 0, { status: String(row.status) });
    }
  }
  return out;
}

// --- the source -----------------------------------------------------------------------------

function fail(kind: SourceError["kind"], detail: string): { ok: false; error: SourceError } {
  return { ok: false, error: { kind, detail } };
}

type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<"public">["realtime"]>["transport"]>;

// supabase-js builds a Realtime client in its constructor and, on Node < 22 (no global
// WebSocket), refuses to start without a transport. We never subscribe, so hand it one that
// would only fail if something tried to open a socket.
const NoRealtime = function NoRealtime() {
  throw new Error("the Supabase ledger source does not use Realtime");
} as unknown as RealtimeTransport;

/** Thrown inside our fetch wrapper when the body is over the cap; surfaces as an error result. */
class BodyTooLarge extends Error {}

/**
 * Wraps fetch so the body is read completely (under the request's abort signal) and refused past
 * `maxBytes`, before supabase-js sees it. Oversized answers are remembered per signal so read()
 * can report them as such rather than as a generic fetch failure.
 */
function limitedFetch(inner: typeof fetch, maxBytes: number, oversized: WeakMap<AbortSignal, string>): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const signal = init?.signal ?? undefined;
    const refuse = async (detail: string): Promise<never> => {
      await res.body?.cancel().catch(() => {});
      if (signal) oversized.set(signal, detail);
      throw new BodyTooLarge(detail);
    };
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > maxBytes)
      return refuse(`response of ${declared} bytes exceeds the ${maxBytes}-byte cap`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => {});
          return refuse(`response exceeds the ${maxBytes}-byte cap`);
        }
        chunks.push(value);
      }
    }
    const nullBody = [101, 204, 205, 304].includes(res.status);
    return new Response(nullBody ? null : Buffer.concat(chunks), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}

interface PostgrestErrorShape {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

function describePostgrestError(status: number, e: PostgrestErrorShape): string {
  const message = (e.message ?? "").replace(/\s+/g, " ").slice(0, 200);
  let detail = `HTTP ${status}${e.code ? ` ${e.code}` : ""}: ${message || "(no message)"}`;
  if (e.details) detail += ` — ${String(e.details).slice(0, 200)}`;
  if (e.hint) detail += ` (hint: ${String(e.hint).slice(0, 200)})`;
  return detail;
}

export function createSupabaseLedgerSource(opts: SupabaseLedgerOptions): SupabaseLedgerSource {
  const table = opts.table ?? DEFAULT_LEDGER_TABLE;
  const schema = opts.schema ?? DEFAULT_LEDGER_SCHEMA;
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const columns = ["profile_id", ...LEDGER_FIELDS, ...(opts.statusColumn ? [opts.statusColumn] : [])].join(",");
  const oversized = new WeakMap<AbortSignal, string>();
  let client: SupabaseClient | undefined;

  const getClient = () =>
    (client ??= createClient(opts.url, opts.key, {
      global: { fetch: limitedFetch(opts.fetch ?? ((input, init) => fetch(input, init)), opts.maxBytes, oversized) },
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: NoRealtime },
    }));

  return {
    async read(now?: number): Promise<SourceResult<LedgerReadResult>> {
      const started = performance.now();
      const signal = AbortSignal.timeout(opts.timeoutMs);
      try {
        const res = await getClient()
          .schema(schema)
          .from(table)
          .select(columns)
          .order("profile_id", { ascending: true })
          .limit(maxRows)
          .abortSignal(signal)
          // The collector polls again soon; retrying inside one poll would outlive its timeout.
          .retry(false);
        const latencyMs = performance.now() - started;
        if (res.error) {
          const capped = oversized.get(signal);
          if (capped) return fail("http", capped);
          if (res.status === 0) {
            if (signal.aborted) return fail("timeout", `no complete answer within ${opts.timeoutMs} ms`);
            return fail("network", describeNetworkFailure(res.error));
          }
          if (res.status >= 200 && res.status < 300)
            return fail(
              "parse",
              `response is not JSON: ${(res.error.message ?? "").replace(/\s+/g, " ").slice(0, 120)}`,
            );
          return fail("http", describePostgrestError(res.status, res.error));
        }
        const rows = parseLedgerRows(res.data, { statusColumn: opts.statusColumn });
        if (!rows.ok) return rows;
        const samples = ledgerRowsToSamples(rows.value, opts.system, now ?? Date.now(), {
          activeStatuses: opts.activeStatuses,
        });
        return { ok: true, value: { samples, rows: rows.value, truncated: rows.value.length >= maxRows, latencyMs } };
      } catch (e) {
        // supabase-js reports failures as values; this is for the unexpected (e.g. an invalid URL).
        if (signal.aborted) return fail("timeout", `no complete answer within ${opts.timeoutMs} ms`);
        return fail("network", e instanceof Error ? e.message : String(e));
      }
    },
  };
}

/** A one-off read with a fresh client (the collector keeps a source from createSupabaseLedgerSource). */
export function readSupabaseLedger(opts: SupabaseLedgerOptions, now?: number): Promise<SourceResult<LedgerReadResult>> {
  return createSupabaseLedgerSource(opts).read(now);
}

function describeNetworkFailure(e: PostgrestErrorShape): string {
  // postgrest-js puts "Caused by: <name>: <message> (<code>)" in details for fetch failures.
  const code = /\((E[A-Z0-9_]+|UND_ERR_[A-Z_]+)\)/.exec(e.details ?? "")?.[1];
  const message = (e.message ?? "fetch failed").replace(/\s+/g, " ").slice(0, 160);
  return code ? `${code}: ${message}` : message;
}
