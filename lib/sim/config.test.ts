import { describe, expect, it } from "vitest";
import { DEFAULT_TRADING_BOT_FLAGS, SimConfigError, loadSimFleetConfig, parseSimFleetYaml } from "./config";

describe("sim fleet config", () => {
  it("loads the default fleet file", () => {
    const cfg = loadSimFleetConfig("config/sim-fleet.yaml");
    expect(cfg.adminPort).toBe(4100);
    expect(cfg.host).toBe("127.0.0.1");
    const byName = Object.fromEntries(cfg.systems.map((s) => [s.name, s]));
    expect(byName["alpha-bot"]).toMatchObject({ kind: "trading-bot", port: 4101 });
    expect(byName["beta-bot"]).toMatchObject({ kind: "trading-bot", port: 4102 });
    expect(byName["kraken-futures"]).toMatchObject({ kind: "futures-bot", port: 4103 });
    expect(byName["spot-exchange"]).toMatchObject({ kind: "spot-exchange", port: 4104 });
    const a = byName["alpha-bot"];
    const b = byName["beta-bot"];
    const x = byName["spot-exchange"];
    if (a?.kind !== "trading-bot" || b?.kind !== "trading-bot" || x?.kind !== "spot-exchange") throw new Error("kinds");
    expect(a.profiles).toHaveLength(6);
    expect(b.profiles).toHaveLength(5);
    expect(x.symbols).toHaveLength(8);
    expect(x.symbols).toContain("BTC-USD");
    for (const s of cfg.systems) expect(s.credential).toBe(`sim-token-${s.name}`);
  });

  it("names the field path of every error", () => {
    const yaml = `
systems:
  - name: a
    kind: trading-bot
    port: "4101"
    credential: sim-token-a
    profiles: [{ id: p1, allocated: -5 }]
  - name: a
    kind: spot-exchange
    port: 4102
    credential: short
    symbols: [btc]
`;
    let err: unknown;
    try {
      parseSimFleetYaml(yaml, "test.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimConfigError);
    const paths = (err as SimConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "systems.0.port",
        "systems.0.profiles.0.allocated",
        "systems.1.credential",
        "systems.1.symbols.0",
      ]),
    );
    expect((err as Error).message).toContain("systems.0.port");
  });

  it("rejects duplicate names/ports and unknown flags; fills flag defaults from seed 001", () => {
    expect(() =>
      parseSimFleetYaml(`
systems:
  - { name: a, kind: futures-bot, port: 5000, credential: sim-token-a }
  - { name: a, kind: futures-bot, port: 5000, credential: sim-token-b }
`),
    ).toThrow(/systems\.1\.name: duplicate[\s\S]*systems\.1\.port/);
    expect(() =>
      parseSimFleetYaml(`
systems:
  - { name: a, kind: trading-bot, port: 5000, credential: sim-token-a, profiles: [{id: p, allocated: 1}], flags: { NOPE: 1 } }
`),
    ).toThrow(/systems\.0\.flags/);
    expect(DEFAULT_TRADING_BOT_FLAGS.RECON_POSITION_PARITY_CONFIRMATIONS).toBe(3);
    expect(DEFAULT_TRADING_BOT_FLAGS.RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS).toBe(900000);
    expect(DEFAULT_TRADING_BOT_FLAGS.RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS).toBe(1800000);
  });
});
