import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalChangeBus } from "../collector/changes";
import type { BoardSnapshot } from "../board/snapshot";
import { PauseTracker } from "../collector/pauses";
import { BoardFeed } from "./board-feed";
import { BoardStreamState, SseParser } from "../core/board-stream";

// The board feed on a virtual clock, with a stand-in builder: what it sends to viewers and when,
// for change messages, leader silence and a database that cannot be read.

const POLL_MS = 2000;
/** Two poll intervals, but at least three seconds (board-feed.ts). */
const SILENCE_LIMIT_MS = 4000;

function board(now: number, findings: string[]): BoardSnapshot {
  return {
    generatedAt: now,
    collector: "follower",
    systems: [{ name: "alpha-bot", label: "Alpha", kind: "trading-bot", simulated: true, freshness: "ok" }],
    findings: findings.map(
      (id) => ({ id, ruleId: "capital_invariant", system: "alpha-bot", entity: id, state: "critical" }) as never,
    ),
    cleared: [],
  };
}

describe("board feed", () => {
  let findings: string[];
  let failing: Error | null;
  let builds: number;
  let sent: BoardSnapshot[];
  let feed: BoardFeed;
  let bus: LocalChangeBus;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2026-12-06T03:00:00Z"));
    findings = [];
    failing = null;
    builds = 0;
    sent = [];
    feed = new BoardFeed({
      build: async () => {
        builds++;
        if (failing) throw failing;
        return board(Date.now(), findings);
      },
      systems: () => [{ name: "alpha-bot", label: "Alpha", kind: "trading-bot", simulated: true }],
      pollIntervalMs: () => POLL_MS,
      refreshMs: () => 600_000,
      role: () => "follower",
    });
    // A viewer as the browser is one: boards and patches applied to the board in hand; a patch
    // it has no board for (it joined after the first build) is answered as a reconnect would be,
    // with the whole current board.
    const sse = new SseParser();
    const state = new BoardStreamState<BoardSnapshot>();
    const receive = (chunk: string) => {
      for (const ev of sse.push(chunk)) {
        const got = state.receive(ev.event, ev.data, ev.id);
        if (got && "resync" in got) receive(feed.wholeEvent());
        else if (got) sent.push(got.board);
      }
    };
    feed.hub.add((id) => ({
      id,
      write(chunk: string) {
        receive(chunk);
        return true;
      },
      close() {},
    }));
    bus = new LocalChangeBus("test");
    feed.connect(bus);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Lets debounce timers fire and the build settle. */
  const settle = async (ms = 100) => {
    await vi.advanceTimersByTimeAsync(ms);
  };

  it("rebuilds on a board change message and sends the new board to viewers", async () => {
    expect(JSON.parse(await feed.current()).findings).toEqual([]);
    findings = ["sol"];
    bus.publish({ type: "board", version: 1 });
    await settle();
    expect(sent.at(-1)?.findings.map((f) => f.id)).toEqual(["sol"]);
    expect(sent.at(-1)?.degraded).toBeUndefined();
  });

  it("rebuilds when its bus says messages may have been missed (resync)", async () => {
    expect(JSON.parse(await feed.current()).findings).toEqual([]);
    findings = ["missed"];
    bus.publish({ type: "resync", reason: "the change channel reconnected" });
    await settle();
    expect(sent.at(-1)?.findings.map((f) => f.id)).toEqual(["missed"]);
  });

  it("does not rebuild for messages that change nothing on the board", async () => {
    await feed.current();
    const before = builds;
    bus.publish({ type: "outbox" });
    bus.publish({ type: "reports", upTo: 10, systems: ["alpha-bot"] });
    await settle();
    expect(builds).toBe(before);
  });

  it("marks the board not current after two poll intervals without word from a leader, and current again when one speaks", async () => {
    findings = ["sol"];
    await feed.current();
    // The leader keeps speaking: still current after several limits.
    for (let i = 0; i < 10; i++) {
      bus.publish({ type: "leader", intervalMs: POLL_MS });
      await settle(1000);
    }
    expect(JSON.parse(await feed.current()).degraded).toBeUndefined();
    const silentFrom = Date.now();
    // Silence: within the limit (plus the half-second watch) the viewers get a degraded board.
    await settle(SILENCE_LIMIT_MS + 600);
    const notCurrent = sent.at(-1)!;
    expect(notCurrent.degraded?.reason).toMatch(/no collector leader has evaluated for \d+ s/);
    expect(notCurrent.degraded!.since).toBeLessThanOrEqual(silentFrom);
    // What was known stays visible, and nothing reads as fresh.
    expect(notCurrent.findings.map((f) => f.id)).toEqual(["sol"]);
    expect(notCurrent.systems.map((s) => s.freshness)).toEqual(["stale"]);
    // The leader speaks again: rebuilt at once, current.
    const n = sent.length;
    bus.publish({ type: "leader", intervalMs: POLL_MS });
    await settle();
    expect(sent.length).toBeGreaterThan(n);
    expect(sent.at(-1)!.degraded).toBeUndefined();
    expect(sent.at(-1)!.systems.map((s) => s.freshness)).toEqual(["ok"]);
  });

  // The process itself stops for longer than the limit (the wall clock jumps and no timer runs,
  // as after a long GC): the leader was not silent, this instance was not running. With its pause
  // tracker the feed stays current; without one it would say "not current".
  it("does not count its own pause as the leader's silence", async () => {
    // Gaps measured on the (fake) wall clock the test moves.
    const pauses = new PauseTracker({ beatMs: 100, minPauseMs: 250, now: () => Date.now() });
    pauses.start();
    const tracked = new BoardFeed({
      build: async () => board(Date.now(), findings),
      systems: () => [{ name: "alpha-bot", label: "Alpha", kind: "trading-bot", simulated: true }],
      pollIntervalMs: () => POLL_MS,
      refreshMs: () => 600_000,
      role: () => "follower",
      pausedMs: pauses.pausedMs,
    });
    try {
      tracked.connect(bus);
      bus.publish({ type: "leader", intervalMs: POLL_MS });
      await settle(300);
      expect(JSON.parse(await tracked.current()).degraded).toBeUndefined();
      vi.setSystemTime(Date.now() + 2 * SILENCE_LIMIT_MS);
      bus.publish({ type: "ack", findingId: "x" });
      await settle(100);
      expect(JSON.parse(await tracked.current()).degraded).toBeUndefined();
      expect(JSON.parse(await feed.current()).degraded?.reason).toMatch(/no collector leader has evaluated/);
      // Running again and the leader really is silent: not current once the limit has passed.
      await settle(SILENCE_LIMIT_MS + 600);
      expect(JSON.parse(await tracked.current()).degraded?.reason).toMatch(/no collector leader has evaluated/);
    } finally {
      pauses.stop();
    }
  });

  it("sends a degraded board with the last known findings when the database cannot be read", async () => {
    findings = ["sol"];
    bus.publish({ type: "leader", intervalMs: POLL_MS });
    await feed.current();
    failing = new Error("connection refused");
    bus.publish({ type: "board", version: 2 });
    await settle();
    const last = sent.at(-1)!;
    expect(last.degraded?.reason).toMatch(/cannot read its database \(connection refused\)/);
    expect(last.findings.map((f) => f.id)).toEqual(["sol"]);
    expect(last.systems.map((s) => s.freshness)).toEqual(["stale"]);
  });

  it("sends nothing when a rebuild gives the same board", async () => {
    await feed.current();
    const n = sent.length;
    // Same time, same findings: byte-identical JSON.
    bus.publish({ type: "ack", findingId: "x" });
    bus.publish({ type: "ack", findingId: "x" });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.length - n).toBeLessThanOrEqual(1);
  });

  it("sends a joining viewer the whole board, then patches that give the board the API serves", async () => {
    const sse = new SseParser();
    const state = new BoardStreamState<BoardSnapshot>();
    const events: string[] = [];
    let board: BoardSnapshot | undefined;
    await feed.attach((id) => ({
      id,
      write(chunk: string) {
        for (const ev of sse.push(chunk)) {
          events.push(ev.event);
          const got = state.receive(ev.event, ev.data, ev.id);
          if (got && "resync" in got) throw new Error(got.resync);
          if (got) board = got.board;
        }
        return true;
      },
      close() {},
    }));
    expect(events).toEqual(["board"]);
    expect(board).toEqual(JSON.parse(await feed.current()));
    for (const change of [["sol"], ["sol", "eth"], ["eth"], []]) {
      findings = change;
      await vi.advanceTimersByTimeAsync(7);
      bus.publish({ type: "board", version: 1 });
      await settle();
      expect(board).toEqual(JSON.parse(await feed.current()));
      expect(board!.findings.map((f) => f.id)).toEqual(change);
    }
    expect(events.filter((e) => e === "patch")).toHaveLength(4);
  });
});
