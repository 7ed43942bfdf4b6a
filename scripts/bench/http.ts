// Board API throughput and latency with autocannon, beside a static file served by the same
// server, in the same run. autocannon runs as its own process so it does not share this one's
// event loop (which serves the simulated fleet).
import { execFile } from "node:child_process";
import path from "node:path";

export interface CannonFigures {
  url: string;
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerRequest: number;
}

function run(
  root: string,
  url: string,
  o: { connections: number; seconds: number; cookie?: string },
): Promise<CannonFigures> {
  const bin = path.join(root, "node_modules/autocannon/autocannon.js");
  const args = [
    bin,
    "-j",
    "-c",
    String(o.connections),
    "-d",
    String(o.seconds),
    ...(o.cookie ? ["-H", `Cookie=${o.cookie}`] : []),
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 64 * 2 ** 20, timeout: (o.seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const r = JSON.parse(stdout) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number; max: number };
        non2xx: number;
        errors: number;
        timeouts: number;
        throughput: { total: number };
      };
      resolve({
        url,
        connections: o.connections,
        seconds: o.seconds,
        requestsPerSecond: Math.round(r.requests.average),
        latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        bytesPerRequest: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0,
      });
    });
  });
}

export async function measureBoardApi(o: {
  root: string;
  baseUrl: string;
  cookie: string;
  /** A status link's token: its JSON API is measured too. */
  statusToken?: string;
  connections: number;
  seconds: number;
}) {
  const staticFile = await run(o.root, `${o.baseUrl}/icon.svg`, { connections: o.connections, seconds: o.seconds });
  const board = await run(o.root, `${o.baseUrl}/api/board`, {
    connections: o.connections,
    seconds: o.seconds,
    cookie: o.cookie,
  });
  const status = o.statusToken
    ? await run(o.root, `${o.baseUrl}/api/status/${o.statusToken}`, { connections: o.connections, seconds: o.seconds })
    : undefined;
  const health = await run(o.root, `${o.baseUrl}/api/health/live`, { connections: o.connections, seconds: o.seconds });
  const ratio = (c: CannonFigures | undefined) =>
    c && staticFile.requestsPerSecond
      ? Math.round((c.requestsPerSecond / staticFile.requestsPerSecond) * 1000) / 1000
      : NaN;
  return { staticFile, board, status, health, ratio: ratio(board), statusRatio: ratio(status) };
}
