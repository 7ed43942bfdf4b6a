import { describe, expect, it } from "vitest";
import { metricOfFamily } from "./define";
import { RuleHarness, T0 } from "./testing";

// A partial /metrics read: the families the scrape could not read turn the findings that read
// them Unknown; findings reading other families are judged as usual.

describe("findings over a partial metrics source", () => {
  function exchange(): RuleHarness {
    const h = new RuleHarness("spot-exchange");
    h.hold(T0, T0 + 60_000, "invariant_violation_total", (t) => (t < T0 + 30_000 ? 0 : 2));
    return h;
  }

  it("judges a rule as usual when its family was read", () => {
    const h = exchange();
    h.dropped = ["some_other_family"];
    expect(h.one("exchange_ledger_invariant", T0 + 60_000).state).toBe("critical");
  });

  it("turns the finding Unknown when the family it reads did not parse, naming the family", () => {
    const h = exchange();
    h.dropped = ["invariant_violation"];
    const f = h.one("exchange_ledger_invariant", T0 + 60_000);
    expect(f.state).toBe("unknown");
    expect(f.summary).toContain("invariant_violation could not be read");
    expect(f.summary).toContain("last known: Ledger invariant failing");
  });

  it("matches a family's own samples and derived quantiles, not other families sharing a prefix", () => {
    expect(metricOfFamily("invariant_violation_total", "invariant_violation")).toBe(true);
    expect(metricOfFamily("invariant_violation_total", "invariant_violation_total")).toBe(true);
    expect(metricOfFamily("settle_seconds:p99_window", "settle_seconds")).toBe(true);
    expect(metricOfFamily("settle_seconds_bucket", "settle_seconds")).toBe(true);
    expect(metricOfFamily("invariant_violation_extra_total", "invariant_violation")).toBe(false);
    expect(metricOfFamily("withdrawals_halted", "invariant_violation")).toBe(false);
  });
});
