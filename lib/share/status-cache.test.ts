import { describe, expect, it } from "vitest";
import { StatusCache } from "./status-cache";

// What a status reader is answered from memory and when the link is read again: counted by how
// often the (stand-in) database read runs.

describe("status cache", () => {
  function rig() {
    let reads = 0;
    let board = 1;
    let answer: { ok: boolean; expiresAt: number } = { ok: true, expiresAt: 10_000 };
    const cache = new StatusCache<typeof answer>(1000, 3);
    const get = (token: string, now: number) =>
      cache.get(
        token,
        now,
        () => board,
        async () => {
          reads++;
          return answer;
        },
        (r) => (r.ok ? r.expiresAt : null),
      );
    return {
      cache,
      get,
      reads: () => reads,
      setBoard: (b: number) => (board = b),
      setAnswer: (a: typeof answer) => (answer = a),
    };
  }

  it("reads a valid link once per second while the board is unchanged", async () => {
    const r = rig();
    for (let t = 0; t < 1000; t += 100) await r.get("tok", t);
    expect(r.reads()).toBe(1);
    await r.get("tok", 1000);
    expect(r.reads()).toBe(2);
  });

  it("reads again as soon as the board changes", async () => {
    const r = rig();
    await r.get("tok", 0);
    r.setBoard(2);
    await r.get("tok", 10);
    expect(r.reads()).toBe(2);
  });

  it("never answers from memory past the link's expiry", async () => {
    const r = rig();
    r.setAnswer({ ok: true, expiresAt: 500 });
    await r.get("tok", 0);
    await r.get("tok", 499);
    expect(r.reads()).toBe(1);
    r.setAnswer({ ok: false, expiresAt: 0 });
    expect((await r.get("tok", 500)).ok).toBe(false);
    expect(r.reads()).toBe(2);
  });

  it("keeps nothing for an unknown or revoked link, and forgets a link on clear()", async () => {
    const r = rig();
    r.setAnswer({ ok: false, expiresAt: 0 });
    await r.get("forged", 0);
    await r.get("forged", 1);
    expect(r.reads()).toBe(2);
    expect(r.cache.size).toBe(0);
    r.setAnswer({ ok: true, expiresAt: 10_000 });
    await r.get("tok", 0);
    r.cache.clear();
    r.setAnswer({ ok: false, expiresAt: 0 });
    expect((await r.get("tok", 1)).ok).toBe(false);
  });

  it("stays bounded however many tokens are read", async () => {
    const r = rig();
    for (let i = 0; i < 10; i++) await r.get(`tok-${i}`, 0);
    expect(r.cache.size).toBeLessThanOrEqual(3);
  });

  it("does not keep an answer begun before a revocation and finished after it", async () => {
    let reads = 0;
    let release!: () => void;
    const cache = new StatusCache<{ ok: boolean }>(1000);
    const slow = cache.get(
      "tok",
      0,
      () => 1,
      () =>
        new Promise((resolve) => {
          reads++;
          release = () => resolve({ ok: true });
        }),
      () => 10_000,
    );
    cache.clear(); // the link is revoked while the read above is in flight
    release();
    expect((await slow).ok).toBe(true);
    expect(cache.size).toBe(0);
    await cache.get(
      "tok",
      1,
      () => 1,
      async () => (reads++, { ok: false }),
      () => null,
    );
    expect(reads).toBe(2);
  });
});
