// A separate process holding N live board streams (/api/stream) open on loopback, as N signed-in
// viewers would. Started by the viewers benchmark with: url, cookie, count (argv); reports over IPC.
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { BoardStreamState, SseParser } from "../../lib/core/board-stream";

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
// How late this process's own event loop ran: receipts are timestamped here, so a busy client
// adds its own delay to every delivery figure.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function error(kind: string) {
  errors[kind] = (errors[kind] ?? 0) + 1;
}

/**
 * Whether the marker finding is open on each board (by generatedAt). Every viewer receives the same
 * boards, so one of them, the first, keeps the whole board (the first event and the patches after
 * it) and records this; the others only timestamp what they receive.
 */
const presentOn = new Map<number, boolean>();
const firstViewer = {
  sse: new SseParser(),
  state: new BoardStreamState<{ generatedAt: number; findings: Array<{ ruleId: string }> }>(),
};

function readBoards(text: string) {
  for (const ev of firstViewer.sse.push(text)) {
    const got = firstViewer.state.receive(ev.event, ev.data, ev.id);
    if (got && "resync" in got) error(`first viewer: ${got.resync}`);
    else if (got)
      presentOn.set(
        got.board.generatedAt,
        got.board.findings.some((f) => f.ruleId === marker),
      );
  }
}

/** A board event (whole or patch) arrived at `at`: its generatedAt is in both. */
function onBoard(data: string, at: number) {
  const g = /"generatedAt":(\d+)/.exec(data);
  if (!g) return;
  const generatedAt = Number(g[1]);
  fanout.push([at, at - generatedAt]);
  let group = groups.get(generatedAt);
  if (!group) groups.set(generatedAt, (group = { generatedAt, present: false, receipts: [] }));
  group.receipts.push(at);
}

function connect(first: boolean): Promise<void> {
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
        if (first) readBoards(chunk);
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (/^(id: \d+\n)?event: (board|patch)\n/.test(block)) onBoard(block, at);
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
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => connect(i + j === 0)));
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
          present: presentOn.get(g.generatedAt) ?? g.present,
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
