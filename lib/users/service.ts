import "server-only";
import bcrypt from "bcryptjs";
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { users, type UserRow } from "../db/schema";
import { appendAudit } from "../audit/log";
import { ROLES, requireRole, type Actor, type Role } from "../auth/roles";
import { forgetCachedUser } from "../auth/actor-cache";
import { Conflict, Invalid, NotFound } from "../errors";

// Local user management. Every function that changes users takes the acting user and checks the
// admin role itself, then writes the change and its audit record in one transaction: if the audit
// write fails the change rolls back (fail closed: no audit row, no effect).

export const BCRYPT_COST = 12;

export const Username = z
  .string()
  .trim()
  .min(2, "must be at least 2 characters")
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "use lower-case letters, digits, dot, dash or underscore");
export const Password = z.string().min(12, "must be at least 12 characters").max(200);
export const RoleInput = z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` });

export const NewUserInput = z.object({
  username: Username,
  displayName: z.string().trim().min(1).max(100).optional(),
  email: z.email().optional(),
  password: Password,
  role: RoleInput,
});
export type NewUserInput = z.infer<typeof NewUserInput>;

function invalidFrom(err: z.ZodError): Invalid {
  const fieldErrors: Record<string, string[]> = {};
  for (const i of err.issues) (fieldErrors[i.path.join(".") || "form"] ??= []).push(i.message);
  const first = err.issues[0];
  return new Invalid(`${first?.path.join(".") || "input"}: ${first?.message ?? "invalid"}`, fieldErrors);
}

export type PublicUser = Omit<UserRow, "passwordHash">;
function publicUser(u: UserRow): PublicUser {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

export async function createUser(db: Db, actor: Actor | null, input: unknown): Promise<PublicUser> {
  requireRole(actor, "admin");
  const parsed = NewUserInput.safeParse(input);
  if (!parsed.success) throw invalidFrom(parsed.error);
  const { username, password, role, email } = parsed.data;
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
  if (existing.length > 0) throw new Conflict(`A user named "${username}" already exists.`);
  const passwordHash = await bcrypt.hash(password, BCRYPT_COST);
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ username, displayName: parsed.data.displayName ?? username, email, passwordHash, role })
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "user.create",
      target: `user:${username}`,
      params: { role },
      outcome: "succeeded",
    });
    return created!;
  });
  return publicUser(row);
}

export async function setUserRole(db: Db, actor: Actor | null, username: string, role: unknown): Promise<PublicUser> {
  requireRole(actor, "admin");
  const parsedRole = RoleInput.safeParse(role);
  if (!parsedRole.success)
    throw new Invalid(`role: ${parsedRole.error.issues[0]?.message}`, { role: [parsedRole.error.issues[0]!.message] });
  const [before] = await db.select().from(users).where(eq(users.username, username));
  if (!before) throw new NotFound(`No user named "${username}".`);
  if (before.id === actor.id && parsedRole.data !== "admin") {
    throw new Conflict("You cannot remove your own admin role; ask another admin.");
  }
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ role: parsedRole.data, updatedAt: new Date() })
      .where(eq(users.id, before.id))
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "user.set_role",
      target: `user:${username}`,
      params: { from: before.role, to: parsedRole.data },
      outcome: "succeeded",
    });
    return updated!;
  });
  forgetCachedUser(before.id);
  return publicUser(row);
}

export async function setUserStatus(
  db: Db,
  actor: Actor | null,
  username: string,
  status: "active" | "disabled",
): Promise<PublicUser> {
  requireRole(actor, "admin");
  const [before] = await db.select().from(users).where(eq(users.username, username));
  if (!before) throw new NotFound(`No user named "${username}".`);
  if (before.id === actor.id && status === "disabled") throw new Conflict("You cannot disable yourself.");
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ status, updatedAt: new Date() })
      .where(eq(users.id, before.id))
      .returning();
    await appendAudit(tx as unknown as Db, {
      actor,
      action: status === "disabled" ? "user.disable" : "user.enable",
      target: `user:${username}`,
      outcome: "succeeded",
    });
    return updated!;
  });
  forgetCachedUser(before.id);
  return publicUser(row);
}

export async function listUsers(db: Db, actor: Actor | null): Promise<PublicUser[]> {
  requireRole(actor, "admin");
  const rows = await db.select().from(users).orderBy(asc(users.username));
  return rows.map(publicUser);
}

export async function countUsers(db: Db): Promise<number> {
  const rows = await db.select({ id: users.id }).from(users);
  return rows.length;
}

export async function getActiveUserById(db: Db, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row && row.status === "active" ? row : undefined;
}

// A hash of a random secret at the same cost: unknown usernames are checked against it so the
// response time does not reveal which accounts exist.
let dummyHash: Promise<string> | undefined;
function getDummyHash() {
  dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, BCRYPT_COST);
  return dummyHash;
}

/** Returns the active user whose password matches, or null. Always spends one bcrypt comparison. */
export async function verifyPassword(db: Db, username: string, password: string): Promise<UserRow | null> {
  const name = username.trim().toLowerCase();
  const [row] = name ? await db.select().from(users).where(eq(users.username, name)) : [];
  const hash = row?.passwordHash ?? (await getDummyHash());
  const match = await bcrypt.compare(password, hash);
  if (!row || !row.passwordHash || !match || row.status !== "active") return null;
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, row.id));
  return row;
}

/** Creates or updates the user for an OIDC subject; the role always follows the current groups. */
export async function upsertOidcUser(
  db: Db,
  p: { subject: string; username: string; displayName: string; email?: string; role: Role },
): Promise<UserRow> {
  const [bySubject] = await db.select().from(users).where(eq(users.oidcSubject, p.subject));
  if (bySubject) {
    const row = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(users)
        .set({
          role: p.role,
          displayName: p.displayName,
          email: p.email,
          lastSignInAt: new Date(),
          updatedAt: new Date(),
        })
        .where(eq(users.id, bySubject.id))
        .returning();
      if (bySubject.role !== p.role) {
        await appendAudit(tx as unknown as Db, {
          actorName: "oidc",
          action: "user.set_role",
          target: `user:${bySubject.username}`,
          params: { from: bySubject.role, to: p.role, via: "groups claim" },
          outcome: "succeeded",
        });
      }
      return updated!;
    });
    forgetCachedUser(bySubject.id);
    return row;
  }
  // Avoid taking over a local account with the same name.
  let username =
    p.username
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "-")
      .slice(0, 60) || "oidc-user";
  const [clash] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
  if (clash) username = `${username}-sso`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({
        username,
        displayName: p.displayName,
        email: p.email,
        role: p.role,
        authSource: "oidc",
        oidcSubject: p.subject,
        lastSignInAt: new Date(),
      })
      .returning();
    await appendAudit(tx as unknown as Db, {
      actorName: "oidc",
      action: "user.create",
      target: `user:${username}`,
      params: { role: p.role, via: "oidc" },
      outcome: "succeeded",
    });
    return row!;
  });
}
