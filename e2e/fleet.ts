import { readFileSync } from "node:fs";
import { laneFile } from "./fixtures/lane";

/** The fleet.json of the e2e server the running test talks to: its simulated fleet's admin
 * address, systems and paging receiver (scripts/e2e-server.ts writes it). */
export const fleetFile = (): string => laneFile("fleet.json");

export function fleetAdmin(): string {
  return (JSON.parse(readFileSync(fleetFile(), "utf8")) as { adminUrl: string }).adminUrl;
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${fleetAdmin()}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res.json().catch(() => ({}));
}

export const sim = {
  startScenario: (name: string, target: string, options?: Record<string, unknown>) =>
    call("POST", `/scenarios/${name}/start`, { target, options }),
  stopScenarios: (target: string) => call("POST", "/scenarios/stop", { target }),
  setFault: (target: string, fault: string) => call("POST", "/faults", { target, fault }),
  clearFault: (target: string) => call("DELETE", `/faults/${target}`),
};
