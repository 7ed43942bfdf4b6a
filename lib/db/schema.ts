import { sql } from "drizzle-orm";
import { bigserial, check, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

// Foundation tables. Later features add their own tables in new migrations.

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    email: text("email"),
    /** bcrypt hash; null for users who only sign in through OIDC. */
    passwordHash: text("password_hash"),
    role: text("role", { enum: ["viewer", "responder", "commander", "admin"] }).notNull(),
    status: text("status", { enum: ["active", "disabled"] }).notNull().default("active"),
    authSource: text("auth_source", { enum: ["local", "oidc"] }).notNull().default("local"),
    /** The OIDC subject, for users created by single sign-on. */
    oidcSubject: text("oidc_subject").unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
  },
  (t) => [
    check("users_role_check", sql`${t.role} in ('viewer','responder','commander','admin')`),
    check("users_status_check", sql`${t.status} in ('active','disabled')`),
  ],
);

/**
 * Append-only, hash-chained audit log. A trigger rejects UPDATE and DELETE and a statement
 * trigger rejects TRUNCATE (migration 0001). Each row's hash covers its canonical content and
 * the previous row's hash.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    actorRole: text("actor_role"),
    sessionId: text("session_id"),
    clientAddress: text("client_address"),
    action: text("action").notNull(),
    target: text("target"),
    params: jsonb("params"),
    reason: text("reason"),
    ticketId: text("ticket_id"),
    idempotencyKey: text("idempotency_key"),
    approval: jsonb("approval"),
    outcome: text("outcome").notNull(),
    responseSummary: text("response_summary"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull().unique(),
  },
  (t) => [
    index("audit_log_action_idx").on(t.action),
    index("audit_log_actor_idx").on(t.actorName),
    index("audit_log_key_idx").on(t.idempotencyKey),
    index("audit_log_at_idx").on(t.at),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
