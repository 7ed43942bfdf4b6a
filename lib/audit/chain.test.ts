import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, GENESIS_HASH, hashAuditRow, type AuditContent } from "./chain";

describe("canonical JSON", () => {
  it("sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("drops undefined members, writes undefined array items and non-finite numbers as null", () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined, NaN, Infinity, 1.5] })).toBe(
      '{"b":null,"c":[null,null,null,1.5]}',
    );
  });

  it("writes dates as ISO strings and escapes strings as JSON does", () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 11, 5, 3, 12, 0, 7)), s: 'say "hi"\n' })).toBe(
      '{"at":"2026-12-05T03:12:00.007Z","s":"say \\"hi\\"\\n"}',
    );
  });

  it("gives the same text for the same content however its keys were inserted", () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });
});

describe("row hash", () => {
  const content: AuditContent = {
    at: "2026-12-05T03:12:00.000Z",
    actorId: null,
    actorName: "system",
    actorRole: null,
    sessionId: null,
    clientAddress: null,
    action: "test.append",
    target: "t0",
    params: { i: 0 },
    reason: null,
    ticketId: null,
    idempotencyKey: null,
    approval: null,
    outcome: "succeeded",
    responseSummary: null,
  };
  // Written out by hand: the previous hash, a newline, then the content with keys in order.
  const text =
    '{"action":"test.append","actorId":null,"actorName":"system","actorRole":null,"approval":null,"at":"2026-12-05T03:12:00.000Z","clientAddress":null,' +
    '"idempotencyKey":null,"outcome":"succeeded","params":{"i":0},"reason":null,"responseSummary":null,"sessionId":null,"target":"t0","ticketId":null}';

  it("is SHA-256 over the previous hash, a newline and the canonical content", () => {
    const expected = createHash("sha256").update(`${GENESIS_HASH}\n${text}`).digest("hex");
    expect(hashAuditRow(GENESIS_HASH, content)).toBe(expected);
  });

  it("changes when the content, or the row it links to, changes", () => {
    const h = hashAuditRow(GENESIS_HASH, content);
    expect(hashAuditRow(GENESIS_HASH, { ...content, target: "t1" })).not.toBe(h);
    expect(hashAuditRow("1".repeat(64), content)).not.toBe(h);
  });
});
