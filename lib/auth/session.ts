import "server-only";
import { cache } from "react";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { getDb } from "../db";
import { getActiveUserById } from "../users/service";
import { getAuthOptions } from "./options";
import type { Actor } from "./roles";

/**
 * The signed-in user for this request, re-read from the database (so a disabled user or a
 * changed role takes effect immediately), or null. Cached per request.
 */
export const getActor = cache(async (): Promise<Actor | null> => {
  const session = await getServerSession(getAuthOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const row = await getActiveUserById(await getDb(), id);
  if (!row) return null;
  const h = await headers();
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    sessionId: (session as { sid?: string }).sid,
    clientAddress: h.get("x-forwarded-for")?.split(",")[0]?.trim() || undefined,
  };
});
