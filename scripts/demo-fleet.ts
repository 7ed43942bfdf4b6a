// The simulated fleet for `npm run demo`. Filled in once lib/sim lands.
export async function prepareDemoFleet(_env: NodeJS.ProcessEnv): Promise<null | {
  start(o: { seed: number; speed: number; scenarios: string[]; consoleUrl: string }): Promise<{ adminUrl: string; stop(): Promise<void> }>;
}> {
  return null;
}
