import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadSimFleetConfig } from "./config";
import { startFleet, type Fleet } from "./fleet";
import { SCENARIOS } from "./scenarios";
import { getJson, getMetrics, http, startTestFleet } from "./testing";

let fleets: Fleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((f) => f.stop()));
  fleets = [];
});
async function track(f: Promise<Fleet>): Promise<Fleet> {
  const fleet = await f;
  fleets.push(fleet);
  return fleet;
}

describe("determinism", () => {
  it("same seed and same advances give identical health and metrics bodies", async () => {
    const cfg = loadSimFleetConfig("config/sim-fleet.yaml");
    const bodies = async (seed: number) => {
      const f = await track(startFleet({ config: cfg, seed, clock: "manual", portBase: 0 }));
      f.advance(7 * 60_000);
      f.startScenario("parity-ghost-slice", "beta-bot");
      f.startScenario("settlement-lag");
      f.advance(3 * 60_000 + 500);
      const out: string[] = [];
      for (const s of f.systems) {
        if (s.kind === "trading-bot") out.push((await http(s.url + "/internal/health")).text, await getMetrics(s));
        if (s.kind === "spot-exchange")
          out.push(await getMetrics(s), (await http(s.url + "/admin/state", { token: s.credential })).text);
        if (s.kind === "futures-bot")
          out.push((await http(s.url + "/logs?limit=5000")).text, (await http(s.url + "/status")).text);
      }
      return out;
    };
    const a = await bodies(42);
    const b = await bodies(42);
    expect(a).toEqual(b);
    const c = await bodies(43);
    expect(c[1]).not.toEqual(a[1]);
  });
});

describe("fleet", () => {
  it("runs several fleets at once on ephemeral ports", async () => {
    const a = await track(startTestFleet());
    const b = await track(startTestFleet());
    const ports = [...a.systems, ...b.systems].map((s) => s.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(a.systems.map((s) => [s.name, s.kind])).toEqual([
      ["alpha-bot", "trading-bot"],
      ["kraken-futures", "futures-bot"],
      ["spot-exchange", "spot-exchange"],
    ]);
    expect(a.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(() => a.advance(-1)).toThrow();
  });

  it("admin API: fleet, scenarios, start/stop, faults, clock", async () => {
    const f = await track(startTestFleet());
    const admin = f.adminUrl!;
    const fleet = await http<{
      systems: { name: string; kind: string; port: number; scenarios: unknown[]; fault: unknown }[];
    }>(admin + "/fleet");
    expect(fleet.body.systems.map((s) => s.name)).toEqual(["alpha-bot", "kraken-futures", "spot-exchange"]);
    const list = await http<{ scenarios: { name: string; kind: string; timeline: { at: string; label: string }[] }[] }>(
      admin + "/scenarios",
    );
    expect(list.body.scenarios).toHaveLength(SCENARIOS.length);
    for (const s of list.body.scenarios) expect(s.timeline.length).toBeGreaterThan(0);
    const post = (path: string, body: unknown) =>
      http(admin + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post("/scenarios/split-brain/start", {})).body).toMatchObject({
      name: "split-brain",
      target: "spot-exchange",
    });
    expect((await post("/scenarios/nope/start", {})).status).toBe(404);
    expect((await post("/scenarios/split-brain/start", { target: "alpha-bot" })).status).toBe(400);
    expect(
      (await post("/scenarios/ghost-position/start", { target: "alpha-bot", options: { profileId: "eth-momentum" } }))
        .status,
    ).toBe(200);
    let desc = await http<{ systems: { name: string; scenarios: { name: string }[] }[] }>(admin + "/fleet");
    expect(desc.body.systems.find((s) => s.name === "spot-exchange")!.scenarios.map((s) => s.name)).toEqual([
      "split-brain",
    ]);
    expect((await post("/scenarios/stop", { target: "spot-exchange" })).body).toMatchObject({
      stopped: ["split-brain"],
    });
    expect(f.spotExchange().splitBrain).toBeNull();
    expect((await post("/faults", { target: "alpha-bot", fault: "http-500" })).status).toBe(200);
    expect((await post("/faults", { target: "alpha-bot", fault: "explode" })).status).toBe(400);
    expect((await http(f.info("alpha-bot").url + "/internal/health")).status).toBe(500);
    desc = await http(admin + "/fleet");
    expect(
      (desc.body.systems.find((s) => s.name === "alpha-bot") as unknown as { fault: { fault: string } }).fault.fault,
    ).toBe("http-500");
    expect((await http(admin + "/faults/alpha-bot", { method: "DELETE" })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect((await http(f.info("alpha-bot").url + "/internal/health")).status).toBe(200);
    const t0 = f.now();
    expect((await post("/clock/advance", { ms: 60_000 })).status).toBe(200);
    expect(f.now()).toBe(t0 + 60_000);
    const calls = await getJson<{ calls: unknown[] }>(
      f.info("alpha-bot"),
      "/admin/control-calls",
      "sim-token-alpha-bot",
    );
    expect(calls.calls).toEqual([]);
  });

  it("real-time clock runs faster than real time", async () => {
    const f = await track(startTestFleet({ clock: { speed: 600 }, kinds: ["spot-exchange"] }));
    const t0 = f.now();
    await new Promise((r) => setTimeout(r, 400));
    expect(f.now() - t0).toBeGreaterThan(60_000);
    expect(() => f.advance(1000)).toThrow(/manual clock/);
  });
});

describe("scenario library", () => {
  it("has unique names, a timeline for each, and every one is documented", () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const doc = readFileSync("docs/simulator.md", "utf8");
    for (const s of SCENARIOS) {
      expect(s.steps[0]?.at).toBe(0);
      expect(doc, `docs/simulator.md should document ${s.name}`).toContain(`\`${s.name}\``);
    }
    const tests = ["trading-bot", "futures-bot", "spot-exchange"]
      .map((k) => readFileSync(`lib/sim/systems/${k}.test.ts`, "utf8"))
      .join("\n");
    for (const s of SCENARIOS) expect(tests, `a test should run ${s.name}`).toContain(`"${s.name}"`);
  });
});
