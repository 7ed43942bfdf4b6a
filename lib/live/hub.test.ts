import { describe, expect, it } from "vitest";
import { LiveHub, sseEvent, type LiveClient } from "./hub";

// The SSE text format (WHATWG HTML "server-sent events"): optional id line, event line, one data
// line per line of payload, a blank line ending the event.

function recorder(limit = Infinity) {
  const got: string[] = [];
  let closed = 0;
  const make = (id: number): LiveClient => ({
    id,
    write: (chunk) => {
      if (got.length >= limit) return false;
      got.push(chunk);
      return true;
    },
    close: () => void closed++,
  });
  return { got, make, closed: () => closed };
}

describe("sseEvent", () => {
  it("writes event, data and the blank line that ends it", () => {
    expect(sseEvent("board", '{"a":1}')).toBe('event: board\ndata: {"a":1}\n\n');
  });
  it("puts the id first when given, and splits a multi-line payload into data lines", () => {
    expect(sseEvent("ping", "1\n2", 7)).toBe("id: 7\nevent: ping\ndata: 1\ndata: 2\n\n");
  });
});

describe("LiveHub", () => {
  it("writes each broadcast to every client, in order", () => {
    const hub = new LiveHub();
    const a = recorder();
    const b = recorder();
    hub.add(a.make);
    hub.add(b.make);
    hub.broadcast("one");
    hub.broadcast("two");
    expect(a.got).toEqual(["one", "two"]);
    expect(b.got).toEqual(["one", "two"]);
    expect(hub.size).toBe(2);
  });

  it("drops and closes a client that falls behind or throws, and keeps serving the others", () => {
    const hub = new LiveHub();
    const slow = recorder(1);
    const fine = recorder();
    let thrower = 0;
    hub.add(slow.make);
    hub.add((id) => ({
      id,
      write: () => {
        throw new Error("socket gone");
      },
      close: () => void thrower++,
    }));
    hub.add(fine.make);
    hub.broadcast("one");
    expect(hub.size).toBe(2);
    expect(thrower).toBe(1);
    hub.broadcast("two");
    expect(hub.size).toBe(1);
    expect(slow.closed()).toBe(1);
    expect(hub.dropped).toBe(2);
    expect(fine.got).toEqual(["one", "two"]);
    hub.broadcast("three");
    expect(slow.got).toEqual(["one"]);
  });

  it("gives each client its own id and forgets a removed one", () => {
    const hub = new LiveHub();
    const a = recorder();
    const first = hub.add(a.make);
    const second = hub.add(recorder().make);
    expect(first.id).not.toBe(second.id);
    hub.remove(first.id);
    hub.broadcast("after");
    expect(a.got).toEqual([]);
    expect(hub.size).toBe(1);
  });
});

describe("LiveHub heartbeat", () => {
  it("pings every client with one event and ends the streams whose session has expired", () => {
    const hub = new LiveHub();
    const live = recorder();
    const expiring = recorder();
    hub.add(live.make);
    hub.add((id) => ({ ...expiring.make(id), expiresAt: 1_000 }));
    hub.beat(999);
    expect(live.got).toEqual(["event: ping\ndata: 999\n\n"]);
    expect(expiring.got).toEqual(["event: ping\ndata: 999\n\n"]);
    hub.beat(1_000);
    expect(expiring.got.at(-1)).toBe('event: expired\ndata: {"reason":"session expired"}\n\n');
    expect(expiring.closed()).toBe(1);
    expect(hub.size).toBe(1);
    expect(hub.dropped).toBe(0);
    expect(live.got).toHaveLength(2);
  });
});
