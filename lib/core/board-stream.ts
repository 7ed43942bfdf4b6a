import { applyPatch, PatchMismatch, type Patch } from "./patch";

// The receiving end of the board stream's protocol (/api/stream), shared by the browser's live
// client, the tests and the bench's viewers. The server sends the whole board once, as a `board`
// event whose SSE id is its sequence number, then each change as a `patch` event
// { seq, base, patch }: the patch turns board number `base` into board number `seq`. A patch whose
// base is not the board in hand (a missed event) or that does not fit it means the receiver must
// start again from a whole board: reconnect.

export interface PatchMessage {
  seq: number;
  base: number;
  patch: Patch;
}

export type Received<T> = { board: T } | { resync: string } | null;

export class BoardStreamState<T> {
  private seq: number | null = null;
  private value: T | undefined;

  /** One SSE event: the new board, a reason to resync, or null for events that carry no board. */
  receive(event: string, data: string, id?: string): Received<T> {
    if (event === "board") {
      this.value = JSON.parse(data) as T;
      this.seq = id ? Number(id) : null;
      return { board: this.value };
    }
    if (event !== "patch") return null;
    const msg = JSON.parse(data) as PatchMessage;
    if (this.value === undefined || this.seq === null || msg.base !== this.seq)
      return this.reset(`patch ${msg.seq} is for board ${msg.base}, the board in hand is ${this.seq ?? "none"}`);
    try {
      this.value = applyPatch(this.value, msg.patch);
    } catch (err) {
      if (err instanceof PatchMismatch) return this.reset(err.message);
      throw err;
    }
    this.seq = msg.seq;
    return { board: this.value };
  }

  private reset(reason: string): Received<T> {
    this.seq = null;
    this.value = undefined;
    return { resync: reason };
  }
}

/** Splits SSE text into events (for receivers without EventSource); keeps an unfinished tail. */
export class SseParser {
  private buf = "";

  push(text: string): Array<{ event: string; data: string; id?: string }> {
    this.buf += text;
    const out: Array<{ event: string; data: string; id?: string }> = [];
    let cut: number;
    while ((cut = this.buf.indexOf("\n\n")) >= 0) {
      const block = this.buf.slice(0, cut);
      this.buf = this.buf.slice(cut + 2);
      let event = "message";
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("data: ")) data.push(line.slice(6));
        else if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("id: ")) id = line.slice(4);
      }
      if (data.length) out.push({ event, data: data.join("\n"), ...(id !== undefined ? { id } : {}) });
    }
    return out;
  }
}
