import type { LedgerSourceView } from "@/lib/panels/profiles";
import { FreshnessBadge } from "../ui/freshness-badge";
import { Ago } from "../ui/clock";

// Names where a bot's ledger comes from (its health document or its Supabase table) and how fresh
// that read is; a failing read shows its error kind, and the ledger's values read as unknown.

export function LedgerSource({ ledger, now }: { ledger?: LedgerSourceView; now: number }) {
  if (!ledger) return null;
  return (
    <p
      className="mb-3 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm"
      data-ledger-source={ledger.adapter}
      data-ledger-freshness={ledger.freshness}
    >
      <span>
        <span className="text-muted">Ledger from</span>{" "}
        <span className="font-medium">{ledger.adapter === "supabase" ? "Supabase" : "the health document"}</span>:{" "}
        <span className="font-mono text-xs break-all text-muted">
          {ledger.adapter === "supabase" ? ledger.address : ledger.endpoint}
        </span>
      </span>{" "}
      <FreshnessBadge freshness={ledger.freshness} />{" "}
      <span>
        <span className="text-muted">last read</span> <Ago at={ledger.lastSuccessAt} now={now} withUtc />
      </span>
      {ledger.freshness !== "ok" && ledger.lastError ? (
        <span className="basis-full text-sev1" role="status">
          <span aria-hidden="true">✕ </span>ledger read failing —{" "}
          <span className="font-mono">{ledger.lastError.kind}</span>: {ledger.lastError.detail}
        </span>
      ) : null}
    </p>
  );
}
