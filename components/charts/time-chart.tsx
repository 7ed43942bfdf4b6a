"use client";

import { useId, useMemo, useState } from "react";
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ShapedChart, ThresholdKind } from "@/lib/panels/shape";
import { DataAge } from "./data-age";
import { count, fmtNum, fmtUnit, utcTick } from "./format";
import { utcDateTime } from "@/lib/core/time";

// One time-series chart, shaped on the server: lines, threshold lines and bands, a tooltip with
// exact values and the UTC time, the data age, and the same data as a table. No animation: an
// operations chart must show the value now, not a transition towards it.

const COLORS = [
  "#60a5fa",
  "#f472b6",
  "#34d399",
  "#f59e0b",
  "#a78bfa",
  "#22d3ee",
  "#fb7185",
  "#a3e635",
  "#e879f9",
  "#fde047",
];
const DASHES = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 4", "12 2", "3 6", "5 2 1 2"];

const LINE_LOOK: Record<ThresholdKind, { stroke: string; dash: string; word: string }> = {
  target: { stroke: "var(--wf-ok)", dash: "2 4", word: "target" },
  warning: { stroke: "var(--wf-sev2)", dash: "6 4", word: "warning" },
  critical: { stroke: "var(--wf-sev1)", dash: "10 3 2 3", word: "critical" },
  zero: { stroke: "var(--wf-sev1)", dash: "", word: "limit" },
  limit: { stroke: "var(--wf-muted)", dash: "3 3", word: "limit" },
};

function TooltipBody({
  active,
  label,
  payload,
  chart,
}: {
  active?: boolean;
  label?: number;
  payload?: ReadonlyArray<{ dataKey?: unknown; value?: unknown }>;
  chart: ShapedChart;
}) {
  if (!active || label === undefined || !payload?.length) return null;
  return (
    <div className="rounded-md border border-line bg-surface p-2 text-xs shadow-lg">
      <p className="font-mono">{utcDateTime(Number(label))}</p>
      {chart.bucketed ? <p className="text-muted">{chart.agg} over a bucket of the raw points</p> : null}
      <ul className="mt-1 space-y-0.5">
        {chart.series.map((s, i) => {
          const item = payload.find((p) => p.dataKey === `s${i}`);
          const v = typeof item?.value === "number" ? item.value : null;
          return (
            <li key={s.key} className="flex items-center gap-2">
              <span
                aria-hidden="true"
                className="inline-block h-0.5 w-3"
                style={{ background: COLORS[i % COLORS.length] }}
              />
              <span className="text-muted">{s.label}</span>
              <span className="ml-auto font-mono">{fmtUnit(v, chart.unit, Math.max(chart.digits, 4))}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function TimeChart({
  chart,
  now,
  height = 220,
  stale = false,
}: {
  chart: ShapedChart;
  now: number;
  height?: number;
  stale?: boolean;
}) {
  const id = useId();
  const [showTable, setShowTable] = useState(false);
  const data = useMemo(
    () => chart.rows.map((r) => Object.fromEntries([["t", r.t], ...r.v.map((v, i) => [`s${i}`, v])])),
    [chart.rows],
  );
  const span = chart.to - chart.from;
  const titleId = `${id}-title`;
  return (
    <figure
      aria-labelledby={titleId}
      className="min-w-0 rounded-xl border border-line bg-surface p-3"
      data-chart={chart.id}
      data-state={chart.state}
    >
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
        <span id={titleId} className="font-semibold">
          {chart.title}
          {chart.unit ? <span className="font-normal text-muted"> ({chart.unit})</span> : null}
        </span>
        <DataAge at={chart.lastAt} now={now} />
      </figcaption>
      {stale ? (
        <p className="mb-2 rounded-md border border-sev2 px-2 py-1 text-xs text-sev2">
          <span aria-hidden="true">◐ </span>The source is not fresh: these are the last known values, not the current
          state.
        </p>
      ) : null}
      {chart.state === "empty" ? (
        <div
          className="flex items-center justify-center rounded-md border border-dashed border-line text-center text-sm text-muted"
          style={{ height }}
          data-empty="true"
        >
          <p>
            No data in this range.
            <br />
            The source has not reported {chart.series.length > 1 ? "these series" : "this series"} yet — this is not the
            same as healthy.
          </p>
        </div>
      ) : (
        <div style={{ height }} aria-hidden="true">
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
            <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
              <CartesianGrid stroke="var(--wf-border)" strokeDasharray="2 4" />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={[chart.from, chart.to]}
                tickFormatter={(t: number) => utcTick(t, span)}
                tick={{ fill: "var(--wf-muted)", fontSize: 11 }}
                stroke="var(--wf-border)"
                minTickGap={40}
              />
              <YAxis
                domain={chart.domain}
                tick={{ fill: "var(--wf-muted)", fontSize: 11 }}
                stroke="var(--wf-border)"
                width={56}
                tickFormatter={(v: number) => fmtNum(v, Math.abs(v) < 10 ? 2 : 0)}
                allowDataOverflow={false}
              />
              {chart.bands.map((b) => (
                <ReferenceArea
                  key={`${b.label}-${b.from}`}
                  y1={b.from}
                  y2={b.to}
                  fill={b.kind === "critical" ? "var(--wf-sev1)" : "var(--wf-sev2)"}
                  fillOpacity={0.08}
                  stroke="none"
                  ifOverflow="extendDomain"
                />
              ))}
              {chart.thresholds.map((t) => {
                const look = LINE_LOOK[t.kind];
                return (
                  <ReferenceLine
                    key={`${t.kind}-${t.value}-${t.label}`}
                    y={t.value}
                    stroke={look.stroke}
                    strokeDasharray={look.dash}
                    strokeWidth={t.kind === "zero" ? 2 : 1.5}
                    ifOverflow="extendDomain"
                    label={{ value: t.label, position: "insideTopLeft", fill: look.stroke, fontSize: 11 }}
                  />
                );
              })}
              <Tooltip
                content={(p) => (
                  <TooltipBody
                    active={p.active}
                    label={p.label as number | undefined}
                    payload={p.payload as ReadonlyArray<{ dataKey?: unknown; value?: unknown }>}
                    chart={chart}
                  />
                )}
                isAnimationActive={false}
              />
              {chart.series.map((s, i) => (
                <Line
                  key={s.key}
                  type="linear"
                  dataKey={`s${i}`}
                  name={s.label}
                  stroke={COLORS[i % COLORS.length]}
                  strokeDasharray={DASHES[i % DASHES.length]}
                  strokeWidth={1.75}
                  dot={chart.rows.length < 3}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label={`${chart.title}: latest values`}>
        {chart.series.map((s, i) => (
          <li key={s.key} className="flex items-center gap-1.5">
            <svg aria-hidden="true" width="16" height="4">
              <line
                x1="0"
                y1="2"
                x2="16"
                y2="2"
                stroke={COLORS[i % COLORS.length]}
                strokeWidth="2"
                strokeDasharray={DASHES[i % DASHES.length]}
              />
            </svg>
            <span>{s.label}</span>
            <span className="font-mono">{fmtUnit(chart.latest[i], chart.unit, chart.digits)}</span>
          </li>
        ))}
      </ul>
      {chart.thresholds.length || chart.bands.length ? (
        <ul
          className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted"
          aria-label={`${chart.title}: thresholds`}
        >
          {chart.thresholds.map((t) => (
            <li key={`${t.kind}-${t.value}-${t.label}`}>
              <span aria-hidden="true">
                {t.kind === "critical" || t.kind === "zero" ? "▲ " : t.kind === "warning" ? "◆ " : "— "}
              </span>
              {t.label}
            </li>
          ))}
        </ul>
      ) : null}
      {chart.notes.length ? (
        <ul className="mt-2 space-y-0.5 text-sm" data-notes="true">
          {chart.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <details className="mt-2 text-xs" onToggle={(e) => setShowTable((e.target as HTMLDetailsElement).open)}>
        <summary className="cursor-pointer text-muted">
          Table view ({count(chart.rows.length, "row")}
          {chart.bucketed ? ` from ${chart.rawPoints.toLocaleString("en-US")} points, ${chart.agg} per bucket` : ""})
        </summary>
        {showTable ? (
          <div className="mt-2 max-h-72 overflow-auto" tabIndex={0} role="region" aria-label={`${chart.title} data`}>
            <table className="w-full text-left font-mono">
              <caption className="sr-only">{chart.title} — values by time (UTC)</caption>
              <thead>
                <tr>
                  <th scope="col" className="pr-3 font-medium">
                    time (UTC)
                  </th>
                  {chart.series.map((s) => (
                    <th key={s.key} scope="col" className="pr-3 font-medium">
                      {s.label}
                      {chart.unit ? ` (${chart.unit})` : ""}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {chart.rows
                  .slice()
                  .reverse()
                  .map((r) => (
                    <tr key={r.t}>
                      <td className="pr-3 whitespace-nowrap">{utcDateTime(r.t)}</td>
                      {r.v.map((v, i) => (
                        <td key={i} className="pr-3">
                          {v === null ? "" : String(Math.round(v * 1e6) / 1e6)}
                        </td>
                      ))}
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </details>
    </figure>
  );
}
