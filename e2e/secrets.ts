import { readFileSync } from "node:fs";

/** Secrets the e2e server configured, written to git-ignored e2e/.auth/secrets.json and never printed. */
export interface E2eSecrets {
  nextauthSecret: string;
  oidcClientSecret: string;
  ingestToken: string;
  simTokens: string[];
  databasePassword?: string;
}

export const readSecrets = (): E2eSecrets => JSON.parse(readFileSync("e2e/.auth/secrets.json", "utf8")) as E2eSecrets;
