import { readFileSync } from "node:fs";
import { laneFile } from "./fixtures/lane";

/** Secrets the e2e server configured, written to its git-ignored secrets.json (e2e/.auth/, per server) and never printed. */
export interface E2eSecrets {
  nextauthSecret: string;
  oidcClientSecret: string;
  ingestToken: string;
  simTokens: string[];
  databasePassword?: string;
}

export const readSecrets = (): E2eSecrets => JSON.parse(readFileSync(laneFile("secrets.json"), "utf8")) as E2eSecrets;
