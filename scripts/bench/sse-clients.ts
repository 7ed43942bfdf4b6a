// A separate process holding N live board streams (/api/stream) open on loopback, as N signed-in
// viewers would. Started by the viewers benchmark with: url, cookie, count (argv); reports over IPC.
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

const [url, cookie, countArg, marker] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !cookie || !count || !marker) {
  console.error("usage: sse-clients <stream url> <cookie> <count> <rule id>");
  process.exit(2);
}

interface EventGroup {
  generatedAt: number;
  present: boolean;
  receipts: number[];
}

const errors: Record<string, number> = {};
/** [receipt time, receipt − generatedAt] per board event. */
const fanout: [number, number][] = [];
const groups = new Map<number, EventGroup>();
let connected = 0;
let open = 0;
let closedEarly = 0;
let stopping = false;
const requests: http.ClientRequest[] = [];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const needle = `"ruleId":"${marker}"`;
// How late this process's own event loop ran: receipts are timestamped here, so a busy client
// adds its own delay to every delivery figure.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function error(kind: string) {
  errors[kind] = (errors[kind] ?? 0) + 1;
}

function onBoard(data: string, at: number) {
  const g = /"generatedAt":(\d+)/.exec(data);
  if (!g) return;
  const generatedAt = Number(g[1]);
  fanout.push([at, at - generatedAt]);
  const start = data.indexOf('"findings":[');
  const end = data.indexOf('"cleared":[');
  const open = start >= 0 ? data.slice(start, end > start ? end : undefined) : "";
  let group = groups.get(generatedAt);
  if (!group) groups.set(generatedAt, (group = { generatedAt, present: open.includes(needle), receipts: [] }));
  group.receipts.push(at);
}

function connect(): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const done = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    const req = http.get(url!, { agent, headers: { Cookie: cookie!, Accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        error(`HTTP ${res.statusCode}`);
        res.resume();
        done();
        return;
      }
      connected++;
      open++;
      done();
      res.setEncoding("utf8");
      let buf = "";
      res.on("data", (chunk: string) => {
        const at = Date.now();
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block.startsWith("event: board\n")) onBoard(block, at);
        }
      });
      res.on("end", () => {
        open--;
        if (!stopping) {
          closedEarly++;
          error("stream closed by server");
        }
      });
      res.on("error", () => {
        if (!stopping) error("stream error");
      });
    });
    req.on("error", (err) => {
      if (!stopping) error(`connect: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      done();
    });
    req.setTimeout(30_000, () => {
      if (!settled) {
        error("connect timeout");
        req.destroy();
        done();
      }
    });
    requests.push(req);
  });
}

async function main() {
  const t0 = Date.now();
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => connect()));
  }
  process.send!({ type: "connected", connected, errors, seconds: (Date.now() - t0) / 1000 });
  loopDelay.enable();
  process.on("message", (msg: { type: string }) => {
    if (msg.type === "window") loopDelay.reset();
    else if (msg.type === "report") {
      process.send!({
        type: "report",
        connected,
        open,
        closedEarly,
        errors,
        fanout,
        loopDelayMs: {
          p99: Math.round(loopDelay.percentile(99) / 1e5) / 10,
          max: Math.round(loopDelay.max / 1e5) / 10,
        },
        groups: [...groups.values()].map((g) => ({
          generatedAt: g.generatedAt,
          present: g.present,
          receipts: g.receipts,
        })),
      });
    } else if (msg.type === "stop") {
      stopping = true;
      for (const r of requests) r.destroy();
      agent.destroy();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

void main();
