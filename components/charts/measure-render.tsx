// Server-renders shaped charts to HTML and prints how long it took, for scripts/measure-7d-db.ts
// (which runs under the react-server condition, where react-dom/server cannot render client
// components). Reads { now, runs, sets: { name, charts }[] } as JSON on stdin; prints
// { name: render ms per run }. A measurement, not a test.
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { renderToString } from "react-dom/server";
import type { ShapedChart } from "../../lib/panels/shape";
import { TimeChart } from "./time-chart";

const input = JSON.parse(readFileSync(0, "utf8")) as {
  now: number;
  runs: number;
  sets: { name: string; charts: ShapedChart[] }[];
};
const out: Record<string, { ms: number[]; htmlKiB: number }> = {};
// One warm-up render, as a running server has rendered the chart component before.
renderToString(
  <>
    {input.sets[0]?.charts.map((c) => (
      <TimeChart key={c.id} chart={c} now={input.now} />
    ))}
  </>,
);
for (const set of input.sets) {
  const ms: number[] = [];
  let html = "";
  for (let run = 0; run < input.runs; run++) {
    const a = performance.now();
    html = renderToString(
      <>
        {set.charts.map((c) => (
          <TimeChart key={c.id} chart={c} now={input.now} />
        ))}
      </>,
    );
    ms.push(performance.now() - a);
  }
  out[set.name] = { ms, htmlKiB: html.length / 1024 };
}
process.stdout.write(JSON.stringify(out));
