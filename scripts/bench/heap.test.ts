import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { connectHeapProbe, INSPECT_LOOPBACK, inspectorUrlFrom, inspectorUrlWatcher, type HeapProbe } from "./heap";

// A real child with the inspector on loopback: it holds ~100 MiB of small objects, and drops them
// when told to (a line on its stdin), then says "freed" and idles until killed.
const CHILD = `
let junk = [];
for (let i = 0; i < 400; i++) junk.push(Array.from({ length: 10000 }, (_, j) => ({ i, j, s: "x" + j })));
process.stdout.write("holding\\n");
process.stdin.once("data", () => {
  junk = null;
  process.stdout.write("freed\\n");
});
setInterval(() => {}, 1000);
`;

function lineOn(stream: NodeJS.ReadableStream, text: string, timeoutMs: number): Promise<void> {
  let seen = "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`"${text}" not seen within ${timeoutMs} ms (got "${seen}")`)),
      timeoutMs,
    );
    const on = (b: Buffer) => {
      seen += b.toString();
      if (seen.includes(text)) {
        clearTimeout(t);
        stream.off("data", on);
        resolve();
      }
    };
    stream.on("data", on);
  });
}

describe("heap probe over the inspector", () => {
  let child: ChildProcess | undefined;
  let probe: HeapProbe | undefined;
  afterEach(async () => {
    await probe?.close();
    child?.kill("SIGKILL");
  });

  it("finds the inspector URL in stderr", () => {
    expect(
      inspectorUrlFrom(
        "Debugger listening on ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000000\nFor help, see: https://nodejs.org/en/docs/inspector\n",
      ),
    ).toBe("ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000000");
    expect(inspectorUrlFrom("server listening on 127.0.0.1:3000\n")).toBeUndefined();
  });

  it("reads a live heap after a full GC well below the heap before it", async () => {
    child = spawn(process.execPath, [INSPECT_LOOPBACK, "-e", CHILD], { stdio: ["pipe", "pipe", "pipe"] });
    const watcher = inspectorUrlWatcher(20_000);
    child.stderr!.on("data", (b: Buffer) => watcher.feed(b));
    const holding = lineOn(child.stdout!, "holding", 20_000);
    const url = await watcher.url();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    await holding;
    probe = await connectHeapProbe(url);

    const held = await probe.liveAfterGc();
    const freed = lineOn(child.stdout!, "freed", 10_000);
    child.stdin!.write("free\n");
    await freed;
    const before = await probe.usage();
    const after = await probe.liveAfterGc();

    // Held: the objects survive a full GC. Dropped: the reading before GC still counts them,
    // the one after does not.
    expect(held.usedMiB).toBeGreaterThan(60);
    expect(before.usedMiB).toBeGreaterThan(60);
    expect(after.usedMiB).toBeLessThan(before.usedMiB / 4);
    expect(after.usedMiB).toBeLessThan(held.usedMiB - 50);
    expect(after.totalMiB).toBeGreaterThanOrEqual(after.usedMiB);
  });
});
