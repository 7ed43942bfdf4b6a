// A process serving node_exporter-sized expositions for the exporters bench phase: target i is
// GET /t/<i>/metrics, about 1,000 series each (CPU, network, disk, filesystem, memory, interrupts,
// the scrape collectors and the Go runtime, as node_exporter lays them out), counters rising on
// every scrape. Its own process, so serving is not counted as the collector's CPU. Prints the port.
import http from "node:http";
import type { AddressInfo } from "node:net";

type Line = { name: string; labels: string; kind: "counter" | "gauge" };

function families(): { header: string; lines: Line[] }[] {
  const out: { header: string; lines: Line[] }[] = [];
  const fam = (name: string, kind: "counter" | "gauge", labelSets: string[]) =>
    out.push({
      header: `# HELP ${name} ${name.replace(/_/g, " ")}.\n# TYPE ${name} ${kind}\n`,
      lines: labelSets.map((labels) => ({ name, labels, kind })),
    });
  const cpus = Array.from({ length: 16 }, (_, i) => String(i));
  const modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];
  fam(
    "node_cpu_seconds_total",
    "counter",
    cpus.flatMap((c) => modes.map((m) => `{cpu="${c}",mode="${m}"}`)),
  );
  const nics = ["eth0", "eth1", "lo", "docker0", "veth1", "veth2", "veth3", "veth4"];
  for (const d of ["receive", "transmit"])
    for (const m of ["bytes", "packets", "errs", "drop"])
      fam(
        `node_network_${d}_${m}_total`,
        "counter",
        nics.map((n) => `{device="${n}"}`),
      );
  const disks = ["sda", "sdb", "nvme0n1", "nvme1n1", "dm-0", "dm-1"];
  for (const m of [
    "reads_completed",
    "writes_completed",
    "read_bytes",
    "written_bytes",
    "io_time_seconds",
    "read_time_seconds",
    "write_time_seconds",
    "reads_merged",
    "writes_merged",
    "discards_completed",
  ])
    fam(
      `node_disk_${m}_total`,
      "counter",
      disks.map((d) => `{device="${d}"}`),
    );
  const mounts = ["/", "/boot", "/var", "/var/log", "/home", "/srv", "/data", "/tmp", "/run", "/opt"];
  const fsl = mounts.map(
    (m, i) =>
      `{device="/dev/vd${String.fromCharCode(97 + i)}",fstype="${m === "/run" || m === "/tmp" ? "tmpfs" : "ext4"}",mountpoint="${m}"}`,
  );
  for (const m of ["avail_bytes", "size_bytes", "free_bytes", "files", "files_free", "readonly"])
    fam(`node_filesystem_${m}`, "gauge", fsl);
  for (let i = 0; i < 50; i++)
    fam(
      i === 0
        ? "node_memory_MemAvailable_bytes"
        : i === 1
          ? "node_memory_MemTotal_bytes"
          : `node_memory_Field${i}_bytes`,
      "gauge",
      [""],
    );
  for (const m of [
    "node_load1",
    "node_load5",
    "node_load15",
    "node_time_seconds",
    "node_boot_time_seconds",
    "node_timex_offset_seconds",
  ])
    fam(m, "gauge", [""]);
  const collectors = Array.from({ length: 40 }, (_, i) => `c${i}`);
  fam(
    "node_scrape_collector_duration_seconds",
    "gauge",
    collectors.map((c) => `{collector="${c}"}`),
  );
  fam(
    "node_scrape_collector_success",
    "gauge",
    collectors.map((c) => `{collector="${c}"}`),
  );
  for (let i = 0; i < 40; i++) fam(`go_runtime_stat_${i}`, "gauge", [""]);
  for (const m of ["processed", "dropped", "times_squeezed", "received_rps", "flow_limit_count"])
    fam(
      `node_softnet_${m}_total`,
      "counter",
      cpus.map((c) => `{cpu="${c}"}`),
    );
  fam(
    "node_interrupts_total",
    "counter",
    cpus.flatMap((c) => Array.from({ length: 25 }, (_, d) => `{cpu="${c}",devices="irq${d}",type="IR-PCI-MSI"}`)),
  );
  return out;
}

const FAMILIES = families();
export const SERIES_PER_TARGET = FAMILIES.reduce((n, f) => n + f.lines.length, 0);
const scrapes = new Map<string, number>();

function render(target: string): string {
  const n = (scrapes.get(target) ?? 0) + 1;
  scrapes.set(target, n);
  let out = "";
  let k = 0;
  for (const f of FAMILIES) {
    out += f.header;
    for (const l of f.lines) {
      k++;
      let v: number;
      if (l.name === "node_memory_MemAvailable_bytes") v = 8e9 - (n % 7) * 1e6;
      else if (l.name === "node_memory_MemTotal_bytes") v = 16e9;
      else if (l.name === "node_filesystem_size_bytes") v = 1e11;
      else if (l.name === "node_filesystem_avail_bytes") v = 4e10 - n * 1e5;
      else if (l.name === "node_time_seconds") v = Date.now() / 1000;
      else if (l.kind === "counter") v = (k % 97) * 1000 + n * ((k % 13) + 1);
      else v = ((k * 7919 + n) % 1000) / 10;
      out += `${l.name}${l.labels} ${v}\n`;
    }
  }
  return out;
}

const server = http.createServer((req, res) => {
  const m = /^\/t\/(\d+)\/metrics$/.exec(req.url ?? "");
  if (!m) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  res.end(render(m[1]!));
});
server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "ready", port: (server.address() as AddressInfo).port, seriesPerTarget: SERIES_PER_TARGET });
});
process.on("disconnect", () => process.exit(0));
