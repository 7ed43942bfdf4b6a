import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../fleet";
import { control, getJson, http, startTestFleet } from "../testing";

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startTestFleet({ kinds: ["trading-bot", "spot-exchange"] });
  fleet.advance(60_000);
});
afterAll(() => fleet.stop());

const bot = () => fleet.info("alpha-bot");
const exchange = () => fleet.info("spot-exchange");

describe("control contract", () => {
  it.each([
    ["reason", "X-Reason"],
    ["ticketId", "X-Ticket-Id"],
    ["actor", "X-Actor"],
    ["idempotencyKey", "Idempotency-Key"],
  ])("rejects a call without %s with 400 naming the field", async (field, header) => {
    const before = fleet.tradingBot().profile("btc-momentum").status;
    const r = await control(bot(), "pause-profile", { profileId: "btc-momentum" }, { [field]: null });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "missing_field", field });
    expect(String((r.body as { message: string }).message)).toContain(field);
    expect(String((r.body as { message: string }).message)).toContain(header);
    expect(fleet.tradingBot().profile("btc-momentum").status).toBe(before);
  });

  it("accepts the four fields as headers", async () => {
    const r = await http(`${exchange().url}/control/conflation`, {
      method: "POST",
      token: exchange().credential,
      headers: {
        "x-reason": "ws overload",
        "x-ticket-id": "OPS-77",
        "x-actor": "alice",
        "idempotency-key": "hdr-1",
        "content-type": "application/json",
      },
      body: JSON.stringify({ params: { on: true } }),
    });
    expect(r.status).toBe(200);
    expect(fleet.spotExchange().conflation).toBe(true);
    const call = fleet.controlCalls("spot-exchange").find((c) => c.idempotencyKey === "hdr-1");
    expect(call).toMatchObject({
      reason: "ws overload",
      ticketId: "OPS-77",
      actor: "alice",
      executed: true,
      status: 200,
    });
  });

  it("rejects a malformed ticket id", async () => {
    const r = await control(bot(), "pause-profile", { profileId: "btc-momentum" }, { ticketId: "no ticket" });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "ticketId" });
  });

  it("answers a repeated idempotency key with the first answer and acts once", async () => {
    const x = fleet.spotExchange();
    const before = x.symbol("ETH-USD").openOrders;
    expect(before).toBeGreaterThan(0);
    const first = await control(exchange(), "cancel-all", { symbol: "ETH-USD" }, { idempotencyKey: "cancel-eth-1" });
    expect(first.status).toBe(200);
    fleet.advance(5_000);
    const afterFirst = x.symbol("ETH-USD").openOrders;
    expect(afterFirst).toBeGreaterThan(0);
    const second = await control(exchange(), "cancel-all", { symbol: "ETH-USD" }, { idempotencyKey: "cancel-eth-1" });
    expect(second.status).toBe(first.status);
    expect(second.text).toBe(first.text);
    expect(second.headers.get("idempotency-replayed")).toBe("true");
    expect(x.symbol("ETH-USD").openOrders).toBe(afterFirst);
    const calls = fleet.controlCalls("spot-exchange").filter((c) => c.idempotencyKey === "cancel-eth-1");
    expect(calls).toHaveLength(2);
    expect(calls.filter((c) => c.executed)).toHaveLength(1);
    expect(calls[1]?.replayed).toBe(true);
  });

  it("returns 401 without a credential and 403 with a wrong one, and records both", async () => {
    const missing = await control(
      bot(),
      "pause-profile",
      { profileId: "eth-momentum" },
      { idempotencyKey: "auth-1" },
      null,
    );
    expect(missing.status).toBe(401);
    const wrong = await control(
      bot(),
      "pause-profile",
      { profileId: "eth-momentum" },
      { idempotencyKey: "auth-2" },
      "sim-token-beta-bot",
    );
    expect(wrong.status).toBe(403);
    expect(fleet.tradingBot().profile("eth-momentum").status).toBe("active");
    const calls = fleet.controlCalls("alpha-bot").filter((c) => c.idempotencyKey?.startsWith("auth-"));
    expect(calls.map((c) => [c.auth, c.status, c.executed])).toEqual([
      ["missing", 401, false],
      ["invalid", 403, false],
    ]);
  });

  it("404 for an unknown control, 400 naming a bad param", async () => {
    expect((await control(bot(), "reboot-everything")).status).toBe(404);
    const bad = await control(exchange(), "symbol-mode", { symbol: "BTC-USD", mode: "PAUSED" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "invalid_params", field: "params.mode" });
    expect(fleet.spotExchange().symbol("BTC-USD").mode).toBe("NORMAL");
  });

  it("serves the recorded calls over HTTP behind the credential", async () => {
    expect((await http(`${bot().url}/admin/control-calls`)).status).toBe(401);
    const body = await getJson<{ calls: { control: string }[] }>(bot(), "/admin/control-calls", bot().credential);
    expect(body.calls.length).toBe(fleet.controlCalls("alpha-bot").length);
    expect(body.calls.some((c) => c.control === "reboot-everything")).toBe(true);
  });
});
