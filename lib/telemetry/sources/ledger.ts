import { supabaseLedgerOf } from "../../config/fleet";
import type { Sample } from "../model";
import { failedPoll, type EndpointPoll } from "./health";
import { supabaseLedgerPath } from "./parts";
import { LEDGER_METRICS, createSupabaseLedgerSource, type SupabaseLedgerSource } from "./supabase-ledger";
import type { PollContext } from "./types";

// The trading bot's per-profile ledger read from Supabase (a target with `ledger: { from: supabase }`):
// one PostgREST read through supabase-js per poll, kept under the endpoint key
// `/rest/v1/<table>`. The samples carry the same metric names as the ledger fields of the health
// document (which the health adapter then leaves out), so the rules and panels read one ledger
// whichever source feeds it.

/** Health-document metrics that belong to the ledger: left out of /internal/health when the ledger comes from Supabase. */
export const LEDGER_HEALTH_METRICS: ReadonlySet<string> = new Set([
  "allocated",
  "reserved_for_orders",
  "reserved_for_positions",
  "realized_pnl",
  "available_capital",
]);

/** One client per target (and settings), reused from poll to poll. */
export type LedgerClients = Map<string, { settings: string; source: SupabaseLedgerSource }>;

function roundMicro(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/** The adapter's samples in the health document's vocabulary (rounded the same way, `status_active`). */
function asHealthSamples(samples: Sample[]): Sample[] {
  return samples.map((s) => {
    if (s.metric === LEDGER_METRICS.available_capital) return { ...s, value: roundMicro(s.value) };
    if (s.metric === LEDGER_METRICS.profile_active) return { ...s, metric: "status_active", labels: {} };
    return s;
  });
}

export async function pollSupabaseLedger(ctx: PollContext, clients: LedgerClients): Promise<EndpointPoll> {
  const sb = supabaseLedgerOf(ctx.target);
  if (!sb)
    return failedPoll("ledger", {
      kind: "schema",
      detail: "this target's ledger is not configured to come from Supabase",
    });
  const path = supabaseLedgerPath(sb.table);
  const url = ctx.secret?.(sb.urlEnv);
  const key = ctx.secret?.(sb.keyEnv);
  if (!url)
    return failedPoll(path, {
      kind: "network",
      detail: `environment variable ${sb.urlEnv} (the Supabase project URL) is not set`,
    });
  if (!key)
    return failedPoll(path, {
      kind: "http",
      detail: `environment variable ${sb.keyEnv} (the Supabase API key) is not set`,
    });
  const settings = JSON.stringify([
    url,
    key,
    sb.table,
    sb.schema,
    sb.statusColumn,
    sb.maxRows,
    ctx.timeoutMs,
    ctx.maxBytes,
  ]);
  let entry = clients.get(ctx.target.name);
  if (!entry || entry.settings !== settings) {
    entry = {
      settings,
      source: createSupabaseLedgerSource({
        url,
        key,
        system: ctx.target.name,
        table: sb.table,
        schema: sb.schema,
        statusColumn: sb.statusColumn,
        maxRows: sb.maxRows,
        timeoutMs: ctx.timeoutMs,
        maxBytes: ctx.maxBytes,
      }),
    };
    clients.set(ctx.target.name, entry);
  }
  const r = await entry.source.read(ctx.now);
  if (!r.ok) {
    const status = /^HTTP (\d{3})\b/.exec(r.error.detail)?.[1];
    return failedPoll(path, r.error, status ? { status: Number(status) } : {});
  }
  const poll: EndpointPoll = {
    path,
    ok: true,
    status: 200,
    latencyMs: r.value.latencyMs,
    samples: asHealthSamples(r.value.samples),
    reports: [],
  };
  if (r.value.truncated) {
    // Profiles past the row cap are missing: say so rather than show a complete-looking ledger.
    poll.partial = {
      issues: [
        {
          rule: "row-cap",
          message: `the ledger returned ${sb.maxRows} rows, the configured cap (ledger.maxRows): profiles past it are not read`,
        },
      ],
      issueCount: 1,
      droppedFamilies: [],
    };
  }
  return poll;
}
