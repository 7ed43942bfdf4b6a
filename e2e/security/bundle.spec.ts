import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { readSecrets } from "../secrets";

// No secret the e2e server is configured with reaches a browser: not in any file of the build
// that is served to browsers (.next/static). Failures name the secret, never print it.

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
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

test("no configured secret is in the build output served to browsers", () => {
  const secrets = namedSecrets();
  // Short values would match by chance and prove nothing.
  for (const [name, value] of secrets) expect(value.length, `${name} is long enough to search for`).toBeGreaterThanOrEqual(12);
  const files = walk(".next/static");
  expect(files.length).toBeGreaterThan(10);
  const hits: string[] = [];
  for (const file of files) {
    const text = readFileSync(file).toString("latin1");
    for (const [name, value] of secrets) if (text.includes(value)) hits.push(`${name} in ${file}`);
  }
  expect(hits).toEqual([]);
});
