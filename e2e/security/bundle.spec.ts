import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { readSecrets } from "../secrets";
import { authFile } from "../support";

// No secret the e2e server is configured with reaches a browser: not in any file of the build
// that is served to browsers (.next/static). Failures name the secret, never print it.

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
  );
}

function namedSecrets(): Array<[string, string]> {
  const s = readSecrets();
  const list: Array<[string, string | undefined]> = [
    ["NEXTAUTH_SECRET", s.nextauthSecret],
    ["OIDC_CLIENT_SECRET", s.oidcClientSecret],
    ["ingest token", s.ingestToken],
    ...s.simTokens.map((t, i): [string, string] => [`simulator bearer token #${i + 1}`, t]),
    ["database password", s.databasePassword],
  ];
  return list.filter((e): e is [string, string] => Boolean(e[1]));
}

/** Which secret is in which answer, as written or escaped inside JSON. */
function secretsIn(answers: Array<[where: string, text: string]>, secrets: Array<[string, string]>): string[] {
  const hits: string[] = [];
  for (const [where, text] of answers)
    for (const [name, value] of secrets)
      if (text.includes(value) || text.includes(JSON.stringify(value).slice(1, -1))) hits.push(`${name} in ${where}`);
  return hits;
}

test("no configured secret is in the build output served to browsers", () => {
  const secrets = namedSecrets();
  // Short values would match by chance and prove nothing.
  for (const [name, value] of secrets)
    expect(value.length, `${name} is long enough to search for`).toBeGreaterThanOrEqual(12);
  const files = walk(".next/static");
  expect(files.length).toBeGreaterThan(10);
  const hits: string[] = [];
  for (const file of files) {
    const text = readFileSync(file).toString("latin1");
    for (const [name, value] of secrets) if (text.includes(value)) hits.push(`${name} in ${file}`);
  }
  expect(hits).toEqual([]);
});

test.describe("answers a signed-in admin receives", () => {
  test.use({ storageState: authFile("admin") });

  // Server-rendered HTML, the RSC payloads client navigation fetches, and the JSON route handlers:
  // the widest view any role gets. A secret the server holds must not be in any of them.
  test("no configured secret is in any page, RSC payload or JSON answer", async ({ page, request }) => {
    const secrets = namedSecrets();
    const pages = [
      "/",
      "/profiles",
      "/reconciliation",
      "/exchange",
      "/incidents",
      "/controls",
      "/runbooks",
      "/audit",
      "/share",
      "/sources",
      "/admin/users",
    ];
    const answers: Array<[string, string]> = [];
    for (const p of pages) {
      const html = await request.get(p);
      expect(html.status(), `${p} as admin`).toBe(200);
      answers.push([`${p} (HTML)`, await html.text()]);
      const rsc = await request.get(p, { headers: { RSC: "1" } });
      answers.push([`${p} (RSC payload)`, await rsc.text()]);
    }
    for (const api of ["/api/board", "/api/health/ready", "/api/health/live", "/api/audit/export?format=ndjson"]) {
      const r = await request.get(api);
      answers.push([api, await r.text()]);
    }
    // The first event of the live stream, read in the browser.
    await page.goto("/");
    const firstEvent = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const es = new EventSource("/api/stream");
          es.addEventListener("board", (e) => (es.close(), resolve((e as MessageEvent).data as string)));
          setTimeout(() => (es.close(), resolve("")), 10_000);
        }),
    );
    expect(firstEvent.length, "the live stream sent its first snapshot").toBeGreaterThan(100);
    answers.push(["/api/stream (first event)", firstEvent]);
    expect(secretsIn(answers, secrets)).toEqual([]);
  });
});

test.describe("answers anyone receives", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  // What reaches a visitor who is not signed in: the sign-in page, the status view's not-found page
  // and answer, the health checks and the web app manifest.
  test("no configured secret is in any answer to a visitor who is not signed in", async ({ request }) => {
    const secrets = namedSecrets();
    const forged = "A".repeat(43);
    const answers: Array<[string, string]> = [];
    for (const path of [
      "/signin",
      `/status/${forged}`,
      `/api/status/${forged}`,
      "/api/health/live",
      "/api/health/ready",
      "/manifest.webmanifest",
    ]) {
      const r = await request.get(path);
      const text = await r.text();
      expect(text.length, `${path} answered with a body`).toBeGreaterThan(0);
      answers.push([path, text]);
    }
    expect(secretsIn(answers, secrets)).toEqual([]);
  });
});
