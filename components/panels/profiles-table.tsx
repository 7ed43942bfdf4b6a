"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import type { ProfileRow } from "@/lib/panels/profiles";
import { Badge } from "../ui/badge";
import { TableScroll } from "../ui/table-scroll";
import { fmtNum } from "../charts/format";

// The profile list: sortable, filterable and searchable, with every choice in the URL so a link
// shows the same view. A violating profile sorts first, has its own marker column and a banner —
// never colour alone.

type SortKey =
  | "profile"
  | "system"
  | "allocated"
  | "reservedForOrders"
  | "reservedForPositions"
  | "realizedPnl"
  | "available"
  | "invariant";

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: "invariant", label: "Invariant" },
  { key: "profile", label: "Profile" },
  { key: "system", label: "Bot" },
  { key: "allocated", label: "Allocated", numeric: true },
  { key: "reservedForOrders", label: "Reserved for orders", numeric: true },
  { key: "reservedForPositions", label: "Reserved for positions", numeric: true },
  { key: "realizedPnl", label: "Realized PnL", numeric: true },
  { key: "available", label: "Available capital", numeric: true },
];

const INVARIANT_RANK = { violated: 0, unknown: 1, ok: 2 } as const;

export const FILTERS = [
  { value: "", label: "All profiles" },
  { value: "violated", label: "Invariant violated" },
  { value: "unhealthy", label: "Trading loop unhealthy" },
  { value: "paused", label: "Watchdog paused" },
  { value: "inactive", label: "Inactive" },
  { value: "unknown", label: "State unknown" },
] as const;

function compare(a: ProfileRow, b: ProfileRow, key: SortKey): number {
  if (key === "invariant")
    return INVARIANT_RANK[a.invariant] - INVARIANT_RANK[b.invariant] || (a.available ?? 0) - (b.available ?? 0);
  if (key === "profile") return a.profile.localeCompare(b.profile);
  if (key === "system") return a.system.localeCompare(b.system) || a.profile.localeCompare(b.profile);
  const x = a[key];
  const y = b[key];
  if (x === null && y === null) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return x - y;
}

function InvariantCell({ row }: { row: ProfileRow }) {
  if (row.invariant === "violated")
    return (
      <Badge tone="sev1" title="available capital is below zero">
        <span aria-hidden="true">▲</span> VIOLATED
      </Badge>
    );
  if (row.invariant === "unknown")
    return (
      <Badge tone="unknown" title="The data is not fresh enough to tell">
        <span aria-hidden="true">?</span> unknown
      </Badge>
    );
  return (
    <Badge tone="ok">
      <span aria-hidden="true">✓</span> holds
    </Badge>
  );
}

function yesNo(v: boolean | null, yes: string, no: string) {
  if (v === null) return <span className="text-unknown">? unknown</span>;
  return v ? (
    <span>{yes}</span>
  ) : (
    <span className="font-semibold text-sev1">
      <span aria-hidden="true">✕ </span>
      {no}
    </span>
  );
}

/** The bot's label, with its id when the two differ. */
function BotName({ r }: { r: ProfileRow }) {
  return r.systemLabel === r.system ? (
    <span className="font-mono">{r.system}</span>
  ) : (
    <>
      {r.systemLabel} <span className="font-mono text-muted">({r.system})</span>
    </>
  );
}

function ProfileCard({ r }: { r: ProfileRow }) {
  const violated = r.invariant === "violated";
  const href = `/profiles/${encodeURIComponent(r.system)}/${encodeURIComponent(r.profile)}`;
  return (
    <li
      data-profile={r.profile}
      data-system={r.system}
      data-invariant={r.invariant}
      className={`rounded-xl border bg-surface p-3 ${violated ? "border-sev1 bg-sev1/10 shadow-[inset_4px_0_0_var(--wf-sev1)]" : r.fresh ? "border-line" : "border-line shadow-[inset_4px_0_0_var(--wf-unknown)]"}`}
    >
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <Link
            href={href}
            className="inline-flex min-h-10 items-center font-medium break-all underline decoration-line underline-offset-2 hover:decoration-fg"
          >
            {r.profile}
          </Link>
          <p className="text-xs text-muted">
            <BotName r={r} />
          </p>
        </div>
        <InvariantCell row={r} />
      </div>
      <p className={`mt-2 text-sm ${violated ? "font-bold text-sev1" : ""}`}>
        Available capital{" "}
        <span className="font-mono">
          {violated ? <span aria-hidden="true">▲ </span> : null}
          {fmtNum(r.available)}
        </span>
      </p>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
        <dt className="text-muted">Allocated</dt>
        <dd className="text-right font-mono">{fmtNum(r.allocated)}</dd>
        <dt className="text-muted">Reserved for orders</dt>
        <dd className="text-right font-mono">{fmtNum(r.reservedForOrders)}</dd>
        <dt className="text-muted">Reserved for positions</dt>
        <dd className="text-right font-mono">{fmtNum(r.reservedForPositions)}</dd>
        <dt className="text-muted">Realized PnL</dt>
        <dd className="text-right font-mono">{fmtNum(r.realizedPnl)}</dd>
        <dt className="text-muted">Trading loop</dt>
        <dd className="text-right">{yesNo(r.tradingLoopHealthy, "healthy", "unhealthy")}</dd>
        <dt className="text-muted">Watchdog</dt>
        <dd className="text-right">
          {r.watchdog === null ? (
            <span className="text-unknown">? unknown</span>
          ) : r.watchdog === "paused" ? (
            <span className="font-semibold text-sev1">
              <span aria-hidden="true">‖ </span>paused
            </span>
          ) : (
            "running"
          )}
        </dd>
        <dt className="text-muted">Status</dt>
        <dd className="text-right">
          {r.status === null ? (
            <span className="text-unknown">? unknown</span>
          ) : r.status === "active" ? (
            "active"
          ) : (
            <span className="font-semibold text-sev2">inactive</span>
          )}
        </dd>
      </dl>
      {r.findings.length ? (
        <ul className="mt-2 space-y-0.5 text-xs">
          {r.findings.slice(0, 3).map((f) => (
            <li key={f.id}>
              <Link href={f.href} className="inline-flex min-h-8 items-center text-muted underline">
                {f.severity} {f.state}: {f.title}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function ProfilesTable({ rows }: { rows: ProfileRow[] }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const q = params.get("q") ?? "";
  const filter = params.get("filter") ?? "";
  const system = params.get("system") ?? "";
  const sort = (COLUMNS.some((c) => c.key === params.get("sort")) ? params.get("sort") : "invariant") as SortKey;
  const dir = params.get("dir") === "desc" ? "desc" : "asc";

  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  };

  const systems = useMemo(() => [...new Map(rows.map((r) => [r.system, r.systemLabel])).entries()], [rows]);
  const visible = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = rows.filter((r) => {
      if (system && r.system !== system) return false;
      if (needle && !`${r.profile} ${r.system} ${r.systemLabel}`.toLowerCase().includes(needle)) return false;
      if (filter === "violated") return r.invariant === "violated";
      if (filter === "unhealthy") return r.tradingLoopHealthy === false;
      if (filter === "paused") return r.watchdog === "paused";
      if (filter === "inactive") return r.status === "inactive";
      if (filter === "unknown") return r.invariant === "unknown";
      return true;
    });
    list.sort(
      (a, b) =>
        (dir === "asc" ? 1 : -1) * compare(a, b, sort) ||
        a.system.localeCompare(b.system) ||
        a.profile.localeCompare(b.profile),
    );
    return list;
  }, [rows, q, filter, system, sort, dir]);

  const toggleSort = (key: SortKey) =>
    set({ sort: key === "invariant" ? "" : key, dir: sort === key && dir === "asc" ? "desc" : "" });

  return (
    <div>
      <form
        role="search"
        aria-label="Filter profiles"
        className="mb-3 grid grid-cols-2 items-end gap-3 md:flex md:flex-wrap"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="col-span-2 min-w-48 md:flex-none">
          <label htmlFor="pf-q" className="block text-xs text-muted">
            Search
          </label>
          <input
            id="pf-q"
            type="search"
            value={q}
            onChange={(e) => set({ q: e.target.value })}
            placeholder="profile or bot"
            className="min-h-10 w-full rounded-md border border-line bg-bg px-2"
          />
        </div>
        <div>
          <label htmlFor="pf-filter" className="block text-xs text-muted">
            Show
          </label>
          <select
            id="pf-filter"
            value={filter}
            onChange={(e) => set({ filter: e.target.value })}
            className="min-h-10 w-full rounded-md border border-line bg-bg px-2 md:w-auto"
          >
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="pf-system" className="block text-xs text-muted">
            Bot
          </label>
          <select
            id="pf-system"
            value={system}
            onChange={(e) => set({ system: e.target.value })}
            className="min-h-10 w-full rounded-md border border-line bg-bg px-2 md:w-auto"
          >
            <option value="">All bots</option>
            {systems.map(([name, label]) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="col-span-2 md:hidden">
          <label htmlFor="pf-sort" className="block text-xs text-muted">
            Sort by
          </label>
          <select
            id="pf-sort"
            value={`${sort}:${dir}`}
            onChange={(e) => {
              const [key, d] = e.target.value.split(":") as [SortKey, "asc" | "desc"];
              set({ sort: key === "invariant" ? "" : key, dir: d === "desc" ? "desc" : "" });
            }}
            className="min-h-10 w-full rounded-md border border-line bg-bg px-2"
          >
            {COLUMNS.flatMap((c) => [
              <option key={`${c.key}:asc`} value={`${c.key}:asc`}>
                {c.label}
                {c.numeric ? " (low first)" : ""}
              </option>,
              <option key={`${c.key}:desc`} value={`${c.key}:desc`}>
                {c.label}
                {c.numeric ? " (high first)" : " (reversed)"}
              </option>,
            ])}
          </select>
        </div>
        {q || filter || system || params.get("sort") ? (
          <button
            type="button"
            onClick={() => router.replace(pathname, { scroll: false })}
            className="min-h-10 rounded-md border border-line px-3 text-sm"
          >
            Reset
          </button>
        ) : null}
        <p className="col-span-2 text-sm text-muted" aria-live="polite">
          {visible.length} of {rows.length} profiles
        </p>
      </form>
      <p className="mb-2 text-xs text-muted">
        Available capital = allocated − reserved_for_orders − reserved_for_positions + realized_pnl; it must not go
        below zero (capital invariant runbook).
      </p>
      {/* Below the md breakpoint each profile is a card with its name, invariant and available
          capital first; the wide table would scroll sideways and hide them. */}
      <ul className="space-y-3 md:hidden" aria-label="Profiles" data-profile-cards>
        {visible.length === 0 ? (
          <li className="rounded-xl border border-line bg-surface p-4 text-center text-sm text-muted">
            {rows.length
              ? "No profile matches this filter."
              : "No trading-bot profiles reported yet — this is not the same as healthy."}
          </li>
        ) : null}
        {visible.map((r) => (
          <ProfileCard key={`${r.system}/${r.profile}`} r={r} />
        ))}
      </ul>
      <TableScroll label="Profiles" className="hidden md:block">
        <table className="w-full min-w-[68rem] text-sm">
          <caption className="sr-only">
            Trading-bot profiles and their capital ledger, sorted by {COLUMNS.find((c) => c.key === sort)?.label} (
            {dir === "asc" ? "ascending" : "descending"})
          </caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={sort === c.key ? (dir === "asc" ? "ascending" : "descending") : "none"}
                  className={`px-3 py-2 font-medium ${c.numeric ? "text-right" : ""}`}
                >
                  <button
                    type="button"
                    onClick={() => toggleSort(c.key)}
                    className="inline-flex min-h-8 items-center gap-1 hover:text-fg"
                  >
                    {c.label}
                    <span aria-hidden="true">{sort === c.key ? (dir === "asc" ? "▴" : "▾") : "↕"}</span>
                  </button>
                </th>
              ))}
              <th scope="col" className="px-3 py-2 font-medium">
                Trading loop
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Watchdog
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Status
              </th>
            </tr>
          </thead>
          <tbody>
            {visible.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length + 3} className="px-3 py-6 text-center text-muted">
                  {rows.length
                    ? "No profile matches this filter."
                    : "No trading-bot profiles reported yet — this is not the same as healthy."}
                </td>
              </tr>
            ) : null}
            {visible.map((r) => {
              const violated = r.invariant === "violated";
              return (
                <tr
                  key={`${r.system}/${r.profile}`}
                  data-profile={r.profile}
                  data-system={r.system}
                  data-invariant={r.invariant}
                  className={`border-b border-line align-top last:border-0 ${violated ? "bg-sev1/10 shadow-[inset_4px_0_0_var(--wf-sev1)]" : r.fresh ? "" : "shadow-[inset_4px_0_0_var(--wf-unknown)]"}`}
                >
                  <td className="px-3 py-2">
                    <InvariantCell row={r} />
                  </td>
                  <td className="min-w-52 px-3 py-2">
                    <Link
                      href={`/profiles/${encodeURIComponent(r.system)}/${encodeURIComponent(r.profile)}`}
                      className="font-medium underline decoration-line underline-offset-2 hover:decoration-fg"
                    >
                      {r.profile}
                    </Link>
                    {r.findings.length ? (
                      <ul className="mt-1 space-y-0.5 text-xs">
                        {r.findings.slice(0, 3).map((f) => (
                          <li key={f.id}>
                            <Link href={f.href} className="text-muted underline">
                              {f.severity} {f.state}: {f.title}
                            </Link>
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-xs">
                    <BotName r={r} />
                  </td>
                  <td className="px-3 py-2 text-right font-mono">{fmtNum(r.allocated)}</td>
                  <td className="px-3 py-2 text-right font-mono">{fmtNum(r.reservedForOrders)}</td>
                  <td className="px-3 py-2 text-right font-mono">{fmtNum(r.reservedForPositions)}</td>
                  <td className="px-3 py-2 text-right font-mono">{fmtNum(r.realizedPnl)}</td>
                  <td className={`px-3 py-2 text-right font-mono ${violated ? "font-bold text-sev1" : ""}`}>
                    {violated ? <span aria-hidden="true">▲ </span> : null}
                    {fmtNum(r.available)}
                  </td>
                  <td className="px-3 py-2">{yesNo(r.tradingLoopHealthy, "healthy", "unhealthy")}</td>
                  <td className="px-3 py-2">
                    {r.watchdog === null ? (
                      <span className="text-unknown">? unknown</span>
                    ) : r.watchdog === "paused" ? (
                      <span className="font-semibold text-sev1">
                        <span aria-hidden="true">‖ </span>paused
                      </span>
                    ) : (
                      "running"
                    )}
                  </td>
                  <td className="px-3 py-2">
                    {r.status === null ? (
                      <span className="text-unknown">? unknown</span>
                    ) : r.status === "active" ? (
                      "active"
                    ) : (
                      <span className="font-semibold text-sev2">inactive</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
