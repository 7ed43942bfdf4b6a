import { describe, expect, it } from "vitest";
import { isForeignOrigin } from "./same-origin";

const h = (init: Record<string, string>) => new Headers(init);

describe("isForeignOrigin", () => {
  it("accepts no Origin and the request's own host", () => {
    expect(isForeignOrigin(h({ host: "console.example:3000" }))).toBe(false);
    expect(isForeignOrigin(h({ host: "console.example:3000", origin: "http://console.example:3000" }))).toBe(false);
    expect(
      isForeignOrigin(
        h({ host: "10.0.0.5:3000", "x-forwarded-host": "console.example", origin: "https://console.example" }),
      ),
    ).toBe(false);
  });

  it("refuses another site, another port, the opaque origin and garbage", () => {
    expect(isForeignOrigin(h({ host: "console.example", origin: "https://evil.example" }))).toBe(true);
    expect(isForeignOrigin(h({ host: "console.example:3000", origin: "http://console.example:4000" }))).toBe(true);
    expect(isForeignOrigin(h({ host: "console.example", origin: "null" }))).toBe(true);
    expect(isForeignOrigin(h({ host: "console.example", origin: "::::" }))).toBe(true);
    expect(isForeignOrigin(h({ origin: "https://console.example" }))).toBe(true);
  });
});
