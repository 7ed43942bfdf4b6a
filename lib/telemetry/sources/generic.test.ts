import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFleetConfig, type TargetConfig } from "../../config/fleet";
import { pickJsonFields } from "./generic";
import { pollerFor } from "./pollers";
import type { PollContext } from "./types";

// The generic kinds against a local HTTP server that answers what each case needs.

let server: http.Server;
let base = "";
const seen: { path: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    switch (req.url) {
      case "/metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(
          '# TYPE jobs_total counter\njobs_total{queue="a"} 5\njobs_total{queue="b"} 7\n# TYPE up_seconds gauge\nup_seconds 12\n',
        );
        return;
      case "/login":
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html><head><title>Log in</title></head></html>");
        return;
      case "/status.json":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            ok: true,
            db: { latency_ms: 12, state: "up" },
            queues: [
              { name: "mail", depth: 3 },
              { name: "sms", depth: "9" },
            ],
          }),
        );
        return;
      case "/secret":
        if (req.headers.authorization !== `Basic ${Buffer.from("ops:s3cret").toString("base64")}`) {
          res.writeHead(401);
          res.end("unauthorised");
          return;
        }
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("x 1\n");
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

function target(yaml: string): TargetConfig {
  return parseFleetConfig(`targets:\n  - ${yaml.replace("BASE", base)}\n`).targets[0]!;
}

function ctx(t: TargetConfig, secrets: Record<string, string> = {}): PollContext {
  return { target: t, timeoutMs: 2000, maxBytes: 1 << 20, now: 1_000, secret: (n) => secrets[n] };
}

describe("generic prometheus kind", () => {
  it("scrapes any exposition, naming entities by the configured label", async () => {
    const t = target(`{ name: jobs, kind: prometheus, baseUrl: "BASE", scrape: { entityLabel: queue } }`);
    const out = await pollerFor("prometheus")(ctx(t));
    expect(out.endpoints).toMatchObject([{ path: "/metrics", ok: true, samples: 3 }]);
    expect(out.samples.map((s) => [s.metric, s.entity, s.value])).toEqual([
      ["jobs_total", "a", 5],
      ["jobs_total", "b", 7],
      ["up_seconds", "*", 12],
    ]);
  });

  it("an HTML page is a parse error naming it, never an empty success", async () => {
    const t = target(`{ name: jobs, kind: prometheus, baseUrl: "BASE", scrape: { path: /login } }`);
    const out = await pollerFor("prometheus")(ctx(t));
    expect(out.samples).toEqual([]);
    expect(out.endpoints[0]).toMatchObject({ path: "/login", ok: false, error: { kind: "parse" } });
    expect(out.endpoints[0]!.error!.detail).toBe('answered HTML (text/html): "Log in", not a metrics exposition');
  });

  it("sends basic auth from the named env vars", async () => {
    const t = target(
      `{ name: sec, kind: prometheus, baseUrl: "BASE", scrape: { path: /secret }, credentials: { basicAuthUserEnv: U, basicAuthPasswordEnv: P } }`,
    );
    expect((await pollerFor("prometheus")(ctx(t, { U: "ops", P: "s3cret" }))).endpoints[0]).toMatchObject({ ok: true });
    const wrong = (await pollerFor("prometheus")(ctx(t, { U: "ops", P: "nope" }))).endpoints[0]!;
    expect(wrong).toMatchObject({ ok: false, status: 401, error: { kind: "http" } });
  });

  it("rejects basic auth half-configured or beside a bearer token", () => {
    expect(() =>
      target(`{ name: a, kind: prometheus, baseUrl: "http://x", credentials: { basicAuthUserEnv: U } }`),
    ).toThrow(/targets\[0\]\.credentials\.basicAuthPasswordEnv: basic auth needs both/);
    expect(() => target(`{ name: a, kind: http-json, baseUrl: "http://x" }`)).toThrow(
      /targets\[0\]\.json: required for an http-json target/,
    );
    expect(() => target(`{ name: a, kind: trading-bot, baseUrl: "http://x", scrape: { path: /m } }`)).toThrow(
      /only prometheus targets take scrape/,
    );
  });
});

describe("generic http-json kind", () => {
  it("picks fields by path: nested, mapped strings, arrays as entities; a missing field makes the read partial", async () => {
    const t = target(`name: app
    kind: http-json
    baseUrl: "BASE"
    json:
      path: /status.json
      fields:
        - { path: ok }
        - { path: db.latency_ms, metric: db_latency_ms }
        - { path: db.state, map: { up: 1, down: 0 } }
        - { path: "queues[*].depth", metric: queue.depth, entityField: name }
        - { path: cache.hit_ratio }`);
    const out = await pollerFor("http-json")(ctx(t));
    expect(out.samples.map((s) => [s.metric, s.entity, s.value])).toEqual([
      ["ok", "*", 1],
      ["db_latency_ms", "*", 12],
      ["db.state", "*", 1],
      ["queue.depth", "mail", 3],
      ["queue.depth", "sms", 9],
    ]);
    expect(out.endpoints[0]).toMatchObject({
      path: "/status.json",
      ok: true,
      partial: { droppedFamilies: ["cache.hit_ratio"] },
    });
  });

  it("an HTML answer is a parse error", async () => {
    const t = target(`{ name: app, kind: http-json, baseUrl: "BASE", json: { path: /login, fields: [{ path: ok }] } }`);
    const out = await pollerFor("http-json")(ctx(t));
    expect(out.endpoints[0]).toMatchObject({ ok: false, error: { kind: "parse" } });
  });

  it("indexes and absent paths", () => {
    const pick = pickJsonFields({ a: [{ b: 1 }, { b: 2 }] }, [{ path: "a[1].b" }, { path: "a[5].b" }], "s", 0);
    expect(pick.samples.map((s) => s.value)).toEqual([2]);
    expect(pick.missing).toEqual(["a[5].b"]);
  });
});
