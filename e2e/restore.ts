import { request } from "@playwright/test";
import { callAction } from "./actions";
import { baseUrl } from "./fixtures/lane";
import { authFile } from "./support";

// Putting a protection back through the console, the way the product asks: a commander requests
// the restore (symbol back to NORMAL, withdrawals on, a profile resumed) and a second person (the
// admin) approves it. A restore made behind the console's back (straight on the simulator) inside
// a control's watch window is a breach the post-control watch reports as a SEV1, which would be
// left on the board for every later spec.

/** Requests `fields` (executeControlAction's form) as the commander and approves it as the admin. Never throws. */
export async function restoreThroughConsole(fields: Record<string, string>): Promise<string> {
  const commander = await request.newContext({ baseURL: baseUrl(), storageState: authFile("commander") });
  const admin = await request.newContext({ baseURL: baseUrl(), storageState: authFile("admin") });
  try {
    const key = `e2e-restore-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
    const asked = await (
      await callAction(
        commander,
        "/controls",
        "executeControlAction",
        {
          reason: "e2e clean-up: restoring after the test",
          ticketId: "E2E-9",
          idempotencyKey: key,
          override: "e2e clean-up: restoring whatever the runbook's conditions",
          ...fields,
        },
        { Origin: baseUrl() },
      )
    ).text();
    const id = /"id":"([0-9a-f-]{36})"/.exec(asked)?.[1];
    if (!id || !asked.includes('"state":"pending_approval"')) return /"state":"(\w+)"/.exec(asked)?.[1] ?? "not sent";
    const done = await (
      await callAction(admin, "/controls", "approveControlAction", { requestId: id }, { Origin: baseUrl() })
    ).text();
    return /"state":"(\w+)"/.exec(done)?.[1] ?? "not approved";
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  } finally {
    await commander.dispose();
    await admin.dispose();
  }
}

/** A symbol (or every symbol: typed confirmation with the exchange's name) back to NORMAL through the console. */
export const restoreSymbol = (symbol: string | "all") =>
  restoreThroughConsole({
    target: "spot-exchange",
    control: "symbol-mode",
    ...(symbol === "all" ? { "p.scope": "all", confirm: "spot-exchange" } : { "p.symbol": symbol }),
    "p.mode": "NORMAL",
  });
