import "server-only";
import { requireRole, type Actor } from "../auth/roles";
import { getBoardFeed } from "../live/board-feed";
import type { BoardSnapshot } from "./snapshot";

/** The board as JSON for a signed-in viewer (the same snapshot the stream sends). */
export async function getBoardJson(actor: Actor | null): Promise<string> {
  requireRole(actor, "viewer");
  return getBoardFeed().current();
}

/** The same, with an entity tag, for the polling endpoint's conditional requests. */
export async function getBoardJsonWithTag(actor: Actor | null): Promise<{ json: string; etag: string }> {
  requireRole(actor, "viewer");
  return getBoardFeed().currentWithTag();
}

export async function getBoard(actor: Actor | null): Promise<BoardSnapshot> {
  return JSON.parse(await getBoardJson(actor)) as BoardSnapshot;
}
