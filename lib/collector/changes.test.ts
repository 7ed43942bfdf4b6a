import { describe, expect, it } from "vitest";
import { LocalChangeBus, MAX_PAYLOAD_BYTES, encodeEnvelope, readEnvelope, type ChangeEvent } from "./changes";

describe("change messages between instances", () => {
  it("round-trips an envelope", () => {
    const env = { from: "a", seq: 3, at: 1000, event: { type: "board", version: 7 } as ChangeEvent };
    expect(readEnvelope(encodeEnvelope(env))).toEqual(env);
  });

  it("never sends a payload over the NOTIFY limit: long id lists are dropped, the message stays valid JSON", () => {
    const systems = Array.from({ length: 2000 }, (_, i) => `a-rather-long-target-name-${i}`);
    const text = encodeEnvelope({ from: "a", seq: 1, at: 1, event: { type: "reports", upTo: 99, systems } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(readEnvelope(text)).toEqual({ from: "a", seq: 1, at: 1, event: { type: "reports", upTo: 99, systems: [] } });
  });

  it.each([
    ["{not json", /not JSON/],
    ["42", /not an object/],
    [JSON.stringify({ seq: 1, at: 1, event: { type: "board" } }), /no sender/],
    [JSON.stringify({ from: "a", at: 1, event: { type: "board" } }), /no sequence number/],
    [JSON.stringify({ from: "a", seq: 1, at: 1, event: {} }), /no event type/],
  ])("names what is wrong with a malformed message: %s", (payload, why) => {
    expect(readEnvelope(payload)).toMatch(why);
  });

  it("delivers locally in order, and a failing listener does not stop the others", () => {
    const bus = new LocalChangeBus("me");
    const got: string[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe((e, o) => got.push(`${e.type}:${o.instanceId}:${o.local}`));
    bus.publish({ type: "ack", findingId: "x" });
    bus.publish({ type: "silences" });
    expect(got).toEqual(["ack:me:true", "silences:me:true"]);
    expect(bus.stats.sent).toBe(2);
  });
});
