import { describe, expect, it } from "vitest";
import type { Finding } from "../rules/types";
import { nextUpdateDue } from "./comms";
import { formatParams, formatValue, tidyText } from "./format";
import { controlLinks, findingEntities, groupOkFindings, requestMatches, resolveBlockersOf } from "./room";

const T = Date.parse("2026-12-05T18:00:00Z");
const ID = "11111111-2222-3333-4444-555555555555";

function f(over: Partial<Finding>): Finding {
  return {
    id: "split_brain|spot-exchange|*",
    ruleId: "split_brain",
    system: "spot-exchange",
    kind: "spot-exchange",
    entity: "*",
    state: "ok",
    severity: "SEV1",
    title: "Split-brain suspected",
    summary: "",
    since: T,
    lastEvaluated: T,
    evidence: { values: [] },
    runbook: "split-brain",
    ...over,
  };
}

describe("entities a finding names", () => {
  it("takes the symbols and profiles it carries, in any of the shapes a rule may give them", () => {
    expect(findingEntities(f({ entities: ["BTC-USD", "ETH-USD"] } as Partial<Finding>))).toEqual([
      { entity: "BTC-USD", kind: "symbol" },
      { entity: "ETH-USD", kind: "symbol" },
    ]);
    expect(findingEntities(f({ entities: [{ kind: "symbol", id: "SOL-USD" }] } as Partial<Finding>))).toEqual([
      { entity: "SOL-USD", kind: "symbol" },
    ]);
    expect(
      findingEntities(
        f({ kind: "trading-bot", system: "alpha-bot", entities: { profiles: ["eth-grid"] } } as Partial<Finding>),
      ),
    ).toEqual([{ entity: "eth-grid", kind: "profile" }]);
  });

  it("takes the symbols a whole-system finding's signal names (Finding.affected)", () => {
    expect(findingEntities(f({ entity: "*", affected: ["BTC-USD", "ETH-USD"] }))).toEqual([
      { entity: "BTC-USD", kind: "symbol" },
      { entity: "ETH-USD", kind: "symbol" },
    ]);
    expect(
      findingEntities(f({ kind: "trading-bot", system: "alpha-bot", entity: "*", affected: ["eth-momentum"] })),
    ).toEqual([{ entity: "eth-momentum", kind: "profile" }]);
  });

  it("counts its own entity when that is a symbol or a profile, never the system or a flag", () => {
    expect(findingEntities(f({ entity: "ADA-USD" }))).toEqual([{ entity: "ADA-USD", kind: "symbol" }]);
    expect(findingEntities(f({ entity: "*" }))).toEqual([]);
    expect(findingEntities(f({ kind: "trading-bot", system: "alpha-bot", entity: "ENABLE_SHORTS" }))).toEqual([]);
  });
});

describe("control links of a step", () => {
  const step = {
    text: "Put the affected symbols in `CANCEL_ONLY`; if you cannot tell which symbols, use a global `SOFT_HALT`.",
    binding: { control: "symbol-mode", params: { symbol: "$symbol", mode: "CANCEL_ONLY" } },
  };

  it("offers one link per affected symbol, each filled in", () => {
    const { links, scopeNote } = controlLinks(
      step,
      [
        { system: "spot-exchange", entity: "*", kind: "system" },
        { system: "spot-exchange", entity: "BTC-USD", kind: "symbol" },
        { system: "spot-exchange", entity: "ETH-USD", kind: "symbol" },
      ],
      ID,
    );
    expect(scopeNote).toBeUndefined();
    expect(links.map((l) => l.params)).toEqual([
      "symbol=BTC-USD, mode=CANCEL_ONLY",
      "symbol=ETH-USD, mode=CANCEL_ONLY",
    ]);
    expect(links[0]!.href).toBe(
      `/controls?target=spot-exchange&system=spot-exchange&control=symbol-mode&symbol=BTC-USD&mode=CANCEL_ONLY&incident=${ID}`,
    );
  });

  it("never links an empty symbol: with the scope unknown it offers the runbook's global fallback", () => {
    const { links, scopeNote } = controlLinks(step, [{ system: "spot-exchange", entity: "*", kind: "system" }], ID);
    expect(scopeNote).toBe("scope unknown — runbook fallback: global SOFT_HALT");
    expect(links).toHaveLength(1);
    expect(links[0]!.params).toBe("mode=SOFT_HALT, scope=all");
    expect(links[0]!.href).not.toContain("symbol=");
    expect(links[0]!.href).toBe(
      `/controls?target=spot-exchange&system=spot-exchange&control=symbol-mode&mode=SOFT_HALT&scope=all&incident=${ID}`,
    );
  });

  it("says what to choose when the runbook gives no fallback", () => {
    const { links, scopeNote } = controlLinks(
      {
        text: "Set the affected symbols to `HARD_HALT`.",
        binding: { control: "symbol-mode", params: { symbol: "$symbol", mode: "HARD_HALT" } },
      },
      [{ system: "spot-exchange", entity: "*", kind: "system" }],
      ID,
    );
    expect(scopeNote).toBe("scope unknown — no symbol is named yet; choose the symbol on the control form");
    expect(links[0]!.params).toBe("mode=HARD_HALT");
  });

  it("links a control that needs no entity once", () => {
    const { links } = controlLinks(
      { text: "Halt withdrawals.", binding: { control: "withdrawals-halt", params: { on: true } } },
      [{ system: "spot-exchange", entity: "BTC-USD", kind: "symbol" }],
      ID,
    );
    expect(links.map((l) => l.params)).toEqual(["on=true"]);
  });
});

describe("which request carries out a step", () => {
  const halt = { control: "symbol-mode", params: { symbol: "$symbol", mode: "HARD_HALT" } };
  it("matches the control and every stated parameter; unfilled placeholders match any value", () => {
    expect(
      requestMatches(
        halt,
        { symbol: "ADA-USD" },
        { control: "symbol-mode", params: { symbol: "ADA-USD", mode: "HARD_HALT" } },
      ),
    ).toBe(true);
    expect(
      requestMatches(
        halt,
        { symbol: "ADA-USD" },
        { control: "symbol-mode", params: { symbol: "BTC-USD", mode: "HARD_HALT" } },
      ),
    ).toBe(false);
    expect(
      requestMatches(
        halt,
        { symbol: "ADA-USD" },
        { control: "symbol-mode", params: { symbol: "ADA-USD", mode: "NORMAL" } },
      ),
    ).toBe(false);
    expect(requestMatches(halt, {}, { control: "symbol-mode", params: { symbol: "XRP-USD", mode: "HARD_HALT" } })).toBe(
      true,
    );
    expect(
      requestMatches(
        { control: "withdrawals-halt", params: { on: true } },
        {},
        { control: "withdrawals-halt", params: { on: true } },
      ),
    ).toBe(true);
    expect(
      requestMatches(
        { control: "withdrawals-halt", params: { on: true } },
        {},
        { control: "withdrawals-halt", params: { on: false } },
      ),
    ).toBe(false);
  });

  it("the runbook's exchange-wide fallback carries out the step it was offered for, and nothing else does", () => {
    const cancelOnly = { control: "symbol-mode", params: { symbol: "$symbol", mode: "CANCEL_ONLY" } };
    const text =
      "Put the affected symbols in `CANCEL_ONLY`; if you cannot tell which symbols, use a global `SOFT_HALT`.";
    expect(
      requestMatches(cancelOnly, {}, { control: "symbol-mode", params: { scope: "all", mode: "SOFT_HALT" } }, text),
    ).toBe(true);
    expect(
      requestMatches(cancelOnly, {}, { control: "symbol-mode", params: { scope: "all", mode: "NORMAL" } }, text),
    ).toBe(false);
    expect(
      requestMatches(
        cancelOnly,
        {},
        { control: "symbol-mode", params: { scope: "all", mode: "SOFT_HALT" } },
        "Put the affected symbols in `CANCEL_ONLY`.",
      ),
    ).toBe(false);
  });
});

describe("what resolving leaves open", () => {
  it("names the open steps and the findings that still fire", () => {
    const steps = [
      { index: 1, text: "Halt withdrawals — this is mandatory.", done: true },
      { index: 2, text: "Confirm withdrawals are halted.", done: false },
      { index: 3, text: "Write the postmortem — it is required.", done: false },
    ];
    expect(
      resolveBlockersOf(steps, [
        f({ state: "critical", title: "Ledger invariant failing", entity: "*" }),
        f({ state: "ok" }),
      ]),
    ).toEqual([
      "2 of 3 checklist steps are not done: 2. Confirm withdrawals are halted; 3. Write the postmortem — it is required",
      "1 finding on the affected entities still fires: SEV1 Ledger invariant failing on spot-exchange",
    ]);
    // Most severe first; long steps cut at a word.
    const long = [
      {
        index: 3,
        text: "Put the affected symbols in `CANCEL_ONLY`; if you cannot tell which symbols, use a global `SOFT_HALT`.",
        done: false,
      },
    ];
    expect(
      resolveBlockersOf(long, [
        f({ state: "warning", severity: "SEV2", title: "Sequence mismatch" }),
        f({ state: "critical", title: "Ledger invariant failing" }),
      ]),
    ).toEqual([
      "1 of 1 checklist step is not done: 3. Put the affected symbols in `CANCEL_ONLY`; if you cannot tell which symbols…",
      "2 findings on the affected entities still fire: SEV1 Ledger invariant failing on spot-exchange; SEV2 Sequence mismatch on spot-exchange",
    ]);
    expect(resolveBlockersOf([{ index: 1, text: "Done.", done: true }], [f({ state: "unknown" })])).toEqual([]);
  });
});

describe("ok findings", () => {
  it("fold to one line per rule however many entities it watches", () => {
    const many = ["*", "BTC-USD", "ETH-USD", "ADA-USD"].map((e) =>
      f({ id: `split_brain|spot-exchange|${e}`, entity: e }),
    );
    const groups = groupOkFindings([
      ...many,
      many[1]!,
      f({ id: "x|spot-exchange|*", ruleId: "x", title: "Kafka lag", severity: "SEV2" }),
      f({ id: "y", state: "critical" }),
    ]);
    expect(groups).toEqual([
      {
        ruleId: "split_brain",
        title: "Split-brain suspected",
        severity: "SEV1",
        entities: ["spot-exchange", "spot-exchange BTC-USD", "spot-exchange ETH-USD", "spot-exchange ADA-USD"],
        findingIds: many.map((m) => m.id),
      },
      {
        ruleId: "x",
        title: "Kafka lag",
        severity: "SEV2",
        entities: ["spot-exchange"],
        findingIds: ["x|spot-exchange|*"],
      },
    ]);
  });
});

describe("next communication update", () => {
  it("is due when the last update promised, else a cadence after it, and the first one a cadence after opening", () => {
    expect(nextUpdateDue({ severity: "SEV1", openedAt: T, posted: [] })).toEqual({
      dueAt: T + 15 * 60_000,
      basis: "first",
    });
    expect(
      nextUpdateDue({
        severity: "SEV2",
        openedAt: T,
        posted: [{ at: T + 60_000, text: "Incident: x\nNext Update: 2026-12-05 18:20 UTC" }],
      }),
    ).toEqual({ dueAt: Date.parse("2026-12-05T18:20:00Z"), basis: "posted" });
    expect(
      nextUpdateDue({ severity: "SEV2", openedAt: T, posted: [{ at: T + 60_000, text: "We are on it." }] }),
    ).toEqual({ dueAt: T + 31 * 60_000, basis: "posted" });
  });
});

describe("values as people read them", () => {
  it("rounds floats, writes epoch milliseconds as UTC and keeps whole numbers and words", () => {
    expect(formatValue(0.023208333333333324)).toBe("0.02321");
    expect(formatValue(1_764_957_600_000)).toBe("2025-12-05T18:00:00Z");
    expect(formatValue(953)).toBe("953");
    expect(formatValue(12345.6789)).toBe("12345.68");
    expect(formatValue(null)).toBe("—");
    expect(formatParams({ symbol: "BTC-USD", mode: "HARD_HALT", on: true })).toBe(
      "symbol=BTC-USD, mode=HARD_HALT, on=true",
    );
    expect(formatParams({ mode: "HARD_HALT", symbol: "BTC-USD" })).toBe("symbol=BTC-USD, mode=HARD_HALT");
  });

  it("tidies numbers inside text from rules and targets, and nothing else", () => {
    expect(tidyText("violations 0.023208333333333324 /min since 1764957600000")).toBe(
      "violations 0.02321 /min since 2025-12-05T18:00:00Z",
    );
    expect(tidyText("HTTP 200: v1.2.3 id 12345678901234 BTC-USD 0.5")).toBe(
      "HTTP 200: v1.2.3 id 12345678901234 BTC-USD 0.5",
    );
  });
});
