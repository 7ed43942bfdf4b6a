import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { processAlive, processState } from "./client";

// The embedded database's single-opener check: a zombie left by a kill -9 must not count as the
// process that holds the data directory, or a restarted console never opens its database.

describe("processAlive", () => {
  it("is true for a running process and false for a pid that does not exist", () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12_345)).toBe(false);
  });

  it.runIf(process.platform === "linux")(
    "is false for an exited child its parent has not reaped yet (a zombie)",
    async () => {
      // The child is spawned by this process, which does not wait() for it until its exit event is
      // handled, so for a moment it is a zombie: kill(pid, 0) still succeeds then.
      const child = spawn("true", [], { stdio: "ignore" });
      const pid = child.pid!;
      const deadline = Date.now() + 5000;
      let sawZombie = false;
      while (Date.now() < deadline) {
        const state = processState(pid);
        if (state === null) break; // reaped already
        if (state === "Z") {
          sawZombie = true;
          expect(processAlive(pid)).toBe(false);
          break;
        }
      }
      // Busy-waiting on the event loop keeps libuv from reaping, so the zombie is always seen.
      expect(sawZombie).toBe(true);
      await new Promise((r) => child.once("exit", r));
    },
  );
});
