import { describe, expect, it } from "vitest";
import { detectExpositionFormat, parsePrometheusText } from "./parse";
import { NODE_EXPORTER_SNIPPET, OPENMETRICS_EXAMPLE, TRADING_BOT_PROMETHEUS } from "./fixtures/expositions";
import type { MetricFamily, ParseOptions } from "./types";

function families(text: string, opts?: ParseOptions): MetricFamily[] {
  const result = parsePrometheusText(text, opts);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.families;
}

function family(list: MetricFamily[], name: string): MetricFamily {
  const found = list.find((f) => f.name === name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}

describe("parsePrometheusText: realistic expositions", () => {
  it("reads a node_exporter-like scrape into typed families with help text", () => {
    const result = parsePrometheusText(NODE_EXPORTER_SNIPPET);
    expect(result.ok && result.format).toBe("prometheus");
    const list = families(NODE_EXPORTER_SNIPPET);
    expect(list.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ["go_gc_duration_seconds", "summary", 7],
      ["node_cpu_seconds_total", "counter", 3],
      ["node_filesystem_avail_bytes", "gauge", 2],
      ["node_load1", "gauge", 1],
      ["node_network_receive_bytes_total", "counter", 2],
      ["node_uname_info", "gauge", 1],
      ["process_start_time_seconds", "gauge", 1],
      ["promhttp_metric_handler_requests_total", "counter", 2],
    ]);
    const gc = family(list, "go_gc_duration_seconds");
    expect(gc.help).toBe("A summary of the pause duration of garbage collection cycles.");
    expect(gc.samples.map((s) => s.name)).toEqual([
      ...Array(5).fill("go_gc_duration_seconds"),
      "go_gc_duration_seconds_sum",
      "go_gc_duration_seconds_count",
    ]);
    expect(gc.samples[2]).toEqual({ name: "go_gc_duration_seconds", labels: { quantile: "0.5" }, value: 5.1013e-5 });
    expect(family(list, "node_filesystem_avail_bytes").samples[0]?.value).toBe(41226354688);
    expect(family(list, "node_uname_info").samples[0]?.labels.version).toBe(
      "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    );
  });

  it("reads the 0.0.4 specification example, comments, blank lines and escapes included", () => {
    const text = [
      "# HELP http_requests_total The total number of HTTP requests.",
      "# TYPE http_requests_total counter",
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      "",
      "# Escaping in label values:",
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      "",
      "# Minimalistic line:",
      "metric_without_timestamp_and_labels 12.47",
      "",
      "# A weird metric from before the epoch:",
      'something_weird{problem="division by zero"} +Inf -3982045',
      "",
    ].join("\n");
    const list = families(text);
    expect(list.map((f) => f.name)).toEqual([
      "http_requests_total",
      "msdos_file_access_time_seconds",
      "metric_without_timestamp_and_labels",
      "something_weird",
    ]);
    expect(family(list, "http_requests_total").samples[1]).toEqual({
      name: "http_requests_total",
      labels: { method: "post", code: "400" },
      value: 3,
      timestamp: 1395066363000,
    });
    expect(family(list, "msdos_file_access_time_seconds").samples[0]?.labels).toEqual({
      path: "C:\\DIR\\FILE.TXT",
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(family(list, "msdos_file_access_time_seconds").type).toBe("untyped");
    expect(family(list, "something_weird").samples[0]).toMatchObject({ value: Infinity, timestamp: -3982045 });
  });

  it("groups histogram buckets, sum and count into their family", () => {
    const list = families(TRADING_BOT_PROMETHEUS);
    const h = family(list, "order_latency_seconds");
    expect(h.type).toBe("histogram");
    expect(h.samples.map((s) => s.name)).toEqual([
      ...Array(5).fill("order_latency_seconds_bucket"),
      "order_latency_seconds_sum",
      "order_latency_seconds_count",
    ]);
    expect(h.samples[4]?.labels).toEqual({ profile_id: "p1", le: "+Inf" });
    expect(list).toHaveLength(3);
  });

  it("reads OpenMetrics with info, stateset, units, exemplars and _created samples", () => {
    const result = parsePrometheusText(OPENMETRICS_EXAMPLE);
    expect(result.ok && result.format).toBe("openmetrics");
    const list = families(OPENMETRICS_EXAMPLE);
    expect(list.map((f) => [f.name, f.type, f.unit, f.samples.length])).toEqual([
      ["watchfloor_build", "info", undefined, 1],
      ["trading_mode", "stateset", undefined, 3],
      ["order_submit_seconds", "histogram", "seconds", 7],
      ["fills", "counter", undefined, 2],
      ["ledger_drift_ratio", "gauge", "ratio", 1],
    ]);
    expect(family(list, "watchfloor_build").samples[0]).toEqual({
      name: "watchfloor_build_info",
      labels: { version: "1.4.2", revision: "a1b2c3d" },
      value: 1,
    });
    const h = family(list, "order_submit_seconds");
    expect(h.help).toBe('Time from signal to exchange acknowledgement, "submit" leg.');
    expect(h.samples[1]).toEqual({
      name: "order_submit_seconds_bucket",
      labels: { profile_id: "p1", le: "0.01" },
      value: 40,
      exemplar: { labels: { trace_id: "4bf92f3577b34da6" }, value: 0.0071, timestamp: 1712345678123 },
    });
    expect(h.samples[3]?.exemplar).toEqual({ labels: { trace_id: "00f067aa0ba902b7" }, value: 0.31 });
    expect(h.samples[6]).toEqual({
      name: "order_submit_seconds_created",
      labels: { profile_id: "p1" },
      value: 1712340000.5,
    });
    const fills = family(list, "fills");
    expect(fills.samples.map((s) => s.name)).toEqual(["fills_total", "fills_created"]);
    expect(fills.samples[0]?.value).toBe(1027);
    expect(fills.samples[0]?.exemplar).toEqual({ labels: { trace_id: "abc" }, value: 1, timestamp: 1712345678500 });
    expect(family(list, "ledger_drift_ratio").samples[0]).toEqual({
      name: "ledger_drift_ratio",
      labels: { profile_id: "p2" },
      value: -0.0003,
      timestamp: 1712345678250,
    });
  });
});

describe("parsePrometheusText: format detection", () => {
  it("chooses OpenMetrics when the text ends with # EOF, with or without the final newline", () => {
    expect(detectExpositionFormat("a 1\n# EOF\n")).toBe("openmetrics");
    expect(detectExpositionFormat("a 1\n# EOF")).toBe("openmetrics");
    expect(detectExpositionFormat("# EOF")).toBe("openmetrics");
    expect(detectExpositionFormat("a 1\n")).toBe("prometheus");
    expect(detectExpositionFormat("a 1 # EOF\n")).toBe("prometheus");
    expect(detectExpositionFormat("")).toBe("prometheus");
  });

  it("lets the content type decide", () => {
    const om = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    expect(detectExpositionFormat("a 1\n", { contentType: om })).toBe("openmetrics");
    expect(detectExpositionFormat("a 1\n# EOF\n", { contentType: "text/plain; version=0.0.4; charset=utf-8" })).toBe(
      "prometheus",
    );
    // text/plain without a version says nothing; the content decides.
    expect(detectExpositionFormat("a 1\n# EOF\n", { contentType: "text/plain" })).toBe("openmetrics");
  });

  it("lets an explicit format win over content type and content", () => {
    expect(detectExpositionFormat("a 1\n# EOF\n", { format: "prometheus" })).toBe("prometheus");
    expect(detectExpositionFormat("a 1\n", { format: "openmetrics", contentType: "text/plain; version=0.0.4" })).toBe(
      "openmetrics",
    );
  });

  it("parses by the detected format: # EOF is only a comment in 0.0.4", () => {
    const text = "# TYPE a gauge\na 1\n# EOF\n";
    const asProm = parsePrometheusText(text, { contentType: "text/plain; version=0.0.4" });
    expect(asProm).toMatchObject({ ok: true, format: "prometheus" });
    const asOm = parsePrometheusText("# TYPE a gauge\na 1\n", { contentType: "application/openmetrics-text" });
    expect(asOm.ok).toBe(false);
    if (!asOm.ok) expect(asOm.error.message).toContain('does not end with "# EOF"');
  });
});

describe("parsePrometheusText: metadata lines", () => {
  it("unescapes \\\\ and \\n in 0.0.4 HELP text and trims surrounding blanks", () => {
    const [f] = families("# HELP a  first line\\nsecond \\\\ end \t\na 1\n");
    expect(f?.help).toBe("first line\nsecond \\ end");
  });

  it('unescapes \\" in OpenMetrics HELP and keeps unknown escapes as written', () => {
    const [f] = families('# HELP a say \\"hi\\" \\\\ \\q\\n\na 1\n# EOF\n');
    expect(f?.help).toBe('say "hi" \\ \\q\n');
  });

  it("treats an empty OpenMetrics HELP or UNIT as absent, but keeps an empty 0.0.4 HELP", () => {
    const [om] = families("# TYPE a gauge\n# HELP a \n# UNIT a \na 1\n# EOF\n");
    expect(om).toEqual({ name: "a", type: "gauge", samples: [{ name: "a", labels: {}, value: 1 }] });
    expect(families("# HELP a\na 1\n")[0]?.help).toBe("");
  });

  it("accepts HELP before or after TYPE and HELP after the samples in 0.0.4", () => {
    const list = families("# TYPE a gauge\n# HELP a A.\na 1\nb 2\n# HELP b B.\n");
    expect(list.map((f) => [f.name, f.type, f.help])).toEqual([
      ["a", "gauge", "A."],
      ["b", "untyped", "B."],
    ]);
  });

  it("ignores 0.0.4 comments, including # UNIT, and keeps families declared without samples", () => {
    const list = families("#\n# just a note\n#HELPER not help\n# UNIT a seconds\n# TYPE a counter\n");
    expect(list).toEqual([{ name: "a", type: "counter", samples: [] }]);
  });

  it("records the unit from an OpenMetrics UNIT line", () => {
    const [f] = families("# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds 1\n# EOF\n");
    expect(f?.unit).toBe("seconds");
  });

  it("types a family without TYPE as untyped in 0.0.4 and unknown in OpenMetrics", () => {
    expect(families("a 1\n")[0]?.type).toBe("untyped");
    expect(families("a 1\n# EOF\n")[0]?.type).toBe("unknown");
  });
});

describe("parsePrometheusText: samples", () => {
  it("accepts no label set, an empty one, and a trailing comma in 0.0.4", () => {
    const [f] = families('a 1\na{} 2\na{x="1",} 3\na { x = "2" , y="3" , } 4\n');
    expect(f?.samples.map((s) => [s.labels, s.value])).toEqual([
      [{}, 1],
      [{}, 2],
      [{ x: "1" }, 3],
      [{ x: "2", y: "3" }, 4],
    ]);
  });

  it("accepts an empty label set in OpenMetrics", () => {
    expect(families("a{} 2\n# EOF\n")[0]?.samples[0]).toEqual({ name: "a", labels: {}, value: 2 });
  });

  it('unescapes \\\\, \\" and \\n in label values and keeps other characters verbatim', () => {
    const [f] = families('a{v="x\\\\y\\"z\\nw",u="ünï {},= #"} 1\n');
    expect(f?.samples[0]?.labels).toEqual({ v: 'x\\y"z\nw', u: "ünï {},= #" });
  });

  it("allows label names that collide with Object.prototype members", () => {
    const [f] = families('a{constructor="1",toString="2",hasOwnProperty="3"} 1\n');
    expect(f?.samples[0]?.labels).toEqual({ constructor: "1", toString: "2", hasOwnProperty: "3" });
  });

  it("accepts metric names with colons and label names with a single leading underscore", () => {
    const [f] = families('job:rate5m:sum{_private="1"} 1\n');
    expect(f?.name).toBe("job:rate5m:sum");
    expect(f?.samples[0]?.labels).toEqual({ _private: "1" });
  });

  it.each([
    ["NaN", NaN],
    ["nan", NaN],
    ["+Inf", Infinity],
    ["Inf", Infinity],
    ["-Inf", -Infinity],
    ["+infinity", Infinity],
    ["-Infinity", -Infinity],
    ["42", 42],
    ["-0", -0],
    ["+3.5", 3.5],
    ["1e3", 1000],
    ["1.5E-3", 0.0015],
    [".5", 0.5],
    ["5.", 5],
    ["0042", 42],
    ["1.7976931348623157e308", 1.7976931348623157e308],
    ["1e-400", 0],
  ])("reads the value %s", (token, expected) => {
    for (const suffix of ["\n", "\n# EOF\n"]) {
      const [f] = families(`a ${token}${suffix}`);
      expect(Object.is(f?.samples[0]?.value, expected)).toBe(true);
    }
  });

  it("separates 0.0.4 tokens with any run of blanks and tabs and ignores leading and trailing ones", () => {
    const [f] = families(' \t a{x="1"}\t \t7 \t 1000\t \n');
    expect(f?.samples[0]).toEqual({ name: "a", labels: { x: "1" }, value: 7, timestamp: 1000 });
  });

  it("reads 0.0.4 integer millisecond timestamps, including negative and int64 ones", () => {
    const [f] = families("a 1 -5\na 1 +7\na 1 9223372036854775807\n");
    expect(f?.samples.map((s) => s.timestamp)).toEqual([-5, 7, 9223372036854775807]);
  });

  it("converts OpenMetrics float-second timestamps to milliseconds exactly", () => {
    const [f] = families(
      'a{i="1"} 1 1520879607.789\na{i="2"} 2 123\na{i="3"} 3 -1.5\na{i="4"} 4 1.6e9\na{i="5"} 5 0.0005\n# EOF\n',
    );
    expect(f?.samples.map((s) => s.timestamp)).toEqual([1520879607789, 123000, -1500, 1.6e12, 0.5]);
  });

  it("tolerates interleaved families in 0.0.4 by grouping their samples", () => {
    const list = families('# TYPE a gauge\na 1\nb 2\na 3\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nb 4\nh_count 1\n');
    expect(list.map((f) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ["a", [1, 3]],
      ["b", [2, 4]],
      ["h", [1, 1]],
    ]);
  });

  it("files a suffixed sample under its own family when the base family has another type", () => {
    const list = families("# TYPE a gauge\na 1\na_count 2\n");
    expect(list.map((f) => [f.name, f.type])).toEqual([
      ["a", "gauge"],
      ["a_count", "untyped"],
    ]);
  });

  it("prefers the family being read when a sample name could belong to two families", () => {
    const list = families("# TYPE a histogram\na_count 1\n# TYPE a_count gauge\na_count 2\n");
    expect(list.map((f) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ["a", [1]],
      ["a_count", [2]],
    ]);
  });

  it("groups OpenMetrics summaries and gauge histograms by their suffixes", () => {
    const text = [
      "# TYPE s summary",
      's{quantile="0.5"} 1',
      "s_sum 2",
      "s_count 3",
      "s_created 4",
      "# TYPE g gaugehistogram",
      'g_bucket{le="+Inf"} 5 # {a="b"} 1',
      "g_gsum 6",
      "g_gcount 5",
      "# EOF",
    ].join("\n");
    const list = families(text);
    expect(list.map((f) => [f.name, f.type, f.samples.map((s) => s.name)])).toEqual([
      ["s", "summary", ["s", "s_sum", "s_count", "s_created"]],
      ["g", "gaugehistogram", ["g_bucket", "g_gsum", "g_gcount"]],
    ]);
  });

  it("accepts an empty 0.0.4 exposition and an OpenMetrics one that is only # EOF", () => {
    expect(parsePrometheusText("")).toEqual({ ok: true, families: [], format: "prometheus" });
    expect(parsePrometheusText("\n\n")).toEqual({ ok: true, families: [], format: "prometheus" });
    expect(parsePrometheusText("# EOF\n")).toEqual({ ok: true, families: [], format: "openmetrics" });
    expect(parsePrometheusText("# EOF")).toEqual({ ok: true, families: [], format: "openmetrics" });
  });

  it("accepts a 0.0.4 exposition whose last line has no newline", () => {
    expect(families("a 1\nb 2")).toHaveLength(2);
  });
});

describe("parsePrometheusText: size guard", () => {
  it("accepts exactly maxLines lines", () => {
    expect(parsePrometheusText("a 1\nb 2\nc 3\n", { maxLines: 3 }).ok).toBe(true);
  });

  it("accepts text at exactly maxLength", () => {
    expect(parsePrometheusText("a 1\n", { maxLength: 4 }).ok).toBe(true);
  });
});

describe("parsePrometheusText: large input", () => {
  // How fast this is lives in the bench (npm run bench, "parser throughput"); here only that a
  // large exposition is read whole and correctly.
  it("reads a 10,000-series exposition whole", () => {
    const lines: string[] = [];
    for (let f = 0; f < 1000; f++) {
      lines.push(`# HELP bot_metric_${f} Metric number ${f} of the trading bot.`, `# TYPE bot_metric_${f} gauge`);
      for (let i = 0; i < 10; i++)
        lines.push(`bot_metric_${f}{profile_id="p${i}",symbol="SYM${f % 50}USDT"} ${f * 1.5 + i} 1712345678000`);
    }
    const result = parsePrometheusText(`${lines.join("\n")}\n`);
    expect(result.ok && result.families.length).toBe(1000);
    expect(result.ok && result.families.reduce((n, f) => n + f.samples.length, 0)).toBe(10_000);
    expect(result.ok && result.families[999]?.samples[9]?.value).toBe(999 * 1.5 + 9);
  });
});
