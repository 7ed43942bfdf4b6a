// Realistic expositions shared by the prom tests (and usable by other components' tests).

/** A trimmed node_exporter scrape (Prometheus 0.0.4), plus the Go runtime summary it carries. */
export const NODE_EXPORTER_SNIPPET = `# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.4873e-05
go_gc_duration_seconds{quantile="0.25"} 3.9541e-05
go_gc_duration_seconds{quantile="0.5"} 5.1013e-05
go_gc_duration_seconds{quantile="0.75"} 7.4383e-05
go_gc_duration_seconds{quantile="1"} 0.000912
go_gc_duration_seconds_sum 0.048374618
go_gc_duration_seconds_count 612
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 361432.12
node_cpu_seconds_total{cpu="0",mode="iowait"} 112.56
node_cpu_seconds_total{cpu="1",mode="idle"} 361588.71
# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 4.1226354688e+10
node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 8.28383232e+08
# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0.21
# HELP node_network_receive_bytes_total Network device statistic receive_bytes.
# TYPE node_network_receive_bytes_total counter
node_network_receive_bytes_total{device="eth0"} 1.23456789e+09
node_network_receive_bytes_total{device="lo"} 0
# HELP node_uname_info Labeled system information as provided by the uname system call.
# TYPE node_uname_info gauge
node_uname_info{domainname="(none)",machine="x86_64",nodename="bot-1",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.71234567891e+09
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 4521
promhttp_metric_handler_requests_total{code="500"} 0
`;

/** A trading bot's 0.0.4 exposition with a per-profile latency histogram. */
export const TRADING_BOT_PROMETHEUS = `# HELP order_latency_seconds Signal to exchange acknowledgement.
# TYPE order_latency_seconds histogram
order_latency_seconds_bucket{profile_id="p1",le="0.005"} 10
order_latency_seconds_bucket{profile_id="p1",le="0.01"} 50
order_latency_seconds_bucket{profile_id="p1",le="0.05"} 90
order_latency_seconds_bucket{profile_id="p1",le="0.1"} 98
order_latency_seconds_bucket{profile_id="p1",le="+Inf"} 100
order_latency_seconds_sum{profile_id="p1"} 1.82
order_latency_seconds_count{profile_id="p1"} 100
# HELP capital_invariant_violations_total Capital invariant checks that failed.
# TYPE capital_invariant_violations_total counter
capital_invariant_violations_total{profile_id="p1"} 0
capital_invariant_violations_total{profile_id="p2"} 3
# HELP trading_loop_healthy 1 when the trading loop ticked within its deadline.
# TYPE trading_loop_healthy gauge
trading_loop_healthy 1
`;

/** OpenMetrics 1.0 with info, stateset, units, exemplars and _created samples. */
export const OPENMETRICS_EXAMPLE = `# TYPE watchfloor_build info
# HELP watchfloor_build Build information.
watchfloor_build_info{version="1.4.2",revision="a1b2c3d"} 1
# TYPE trading_mode stateset
# HELP trading_mode Current symbol mode.
trading_mode{symbol="BTCUSDT",trading_mode="normal"} 1
trading_mode{symbol="BTCUSDT",trading_mode="reduce_only"} 0
trading_mode{symbol="BTCUSDT",trading_mode="halted"} 0
# TYPE order_submit_seconds histogram
# UNIT order_submit_seconds seconds
# HELP order_submit_seconds Time from signal to exchange acknowledgement, \\"submit\\" leg.
order_submit_seconds_bucket{profile_id="p1",le="0.005"} 12
order_submit_seconds_bucket{profile_id="p1",le="0.01"} 40 # {trace_id="4bf92f3577b34da6"} 0.0071 1712345678.123
order_submit_seconds_bucket{profile_id="p1",le="0.1"} 97
order_submit_seconds_bucket{profile_id="p1",le="+Inf"} 100 # {trace_id="00f067aa0ba902b7"} 0.31
order_submit_seconds_count{profile_id="p1"} 100
order_submit_seconds_sum{profile_id="p1"} 1.82
order_submit_seconds_created{profile_id="p1"} 1712340000.5
# TYPE fills counter
# HELP fills Fills received from the exchange.
fills_total{profile_id="p1",symbol="BTCUSDT"} 1027 # {trace_id="abc"} 1 1712345678.5
fills_created{profile_id="p1",symbol="BTCUSDT"} 1712340000
# TYPE ledger_drift_ratio gauge
# UNIT ledger_drift_ratio ratio
ledger_drift_ratio{profile_id="p2"} -0.0003 1712345678.25
# EOF
`;
