// Local user management: npm run users -- add|set-role|disable|enable|list …
// Acts as an admin with the name "cli:<os user>"; every change is written to the audit log.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { env } from "../lib/env";
import { describeStartupError } from "../lib/boot";
import { openDatabase } from "../lib/db/client";
import { createUser, listUsers, setUserRole, setUserStatus } from "../lib/users/service";
import type { Actor } from "../lib/auth/roles";

const USAGE = `Usage:
  npm run users -- list
  npm run users -- add <username> --role <viewer|responder|commander|admin> [--name "Display Name"] [--email a@b.c] [--password <pw>]
                   (without --password a strong one is generated and printed once)
  npm run users -- set-role <username> <viewer|responder|commander|admin>
  npm run users -- disable <username>
  npm run users -- enable <username>`;

export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: "string" },
      name: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [cmd, username, arg] = positionals;
  if (!cmd || values.help) {
    console.log(USAGE);
    return;
  }
  const e = env();
  const h = await openDatabase({ url: e.DATABASE_URL, dataDir: e.WATCHFLOOR_DATA_DIR });
  const actor: Actor = {
    id: "cli",
    username: `cli:${userInfo().username}`,
    displayName: "Command line",
    role: "admin",
  };
  try {
    switch (cmd) {
      case "list": {
        const rows = await listUsers(h.db, actor);
        for (const u of rows)
          console.log(`${u.username.padEnd(24)} ${u.role.padEnd(10)} ${u.status.padEnd(9)} ${u.authSource}`);
        if (rows.length === 0) console.log("(no users)");
        break;
      }
      case "add": {
        if (!username || !values.role) throw new Error("add needs <username> and --role");
        const password = values.password ?? generatePassword();
        await createUser(h.db, actor, {
          username,
          role: values.role,
          displayName: values.name,
          email: values.email,
          password,
        });
        console.log(`Added ${username} (${values.role}).`);
        if (!values.password) console.log(`Password (shown once): ${password}`);
        break;
      }
      case "set-role":
        if (!username || !arg) throw new Error("set-role needs <username> <role>");
        await setUserRole(h.db, actor, username, arg);
        console.log(`${username} is now ${arg}.`);
        break;
      case "disable":
      case "enable":
        if (!username) throw new Error(`${cmd} needs <username>`);
        await setUserStatus(h.db, actor, username, cmd === "disable" ? "disabled" : "active");
        console.log(`${username} ${cmd}d.`);
        break;
      default:
        throw new Error(`unknown command "${cmd}"\n${USAGE}`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  const fields = (err as { fieldErrors?: Record<string, string[]> }).fieldErrors;
  const detail =
    fields && Object.keys(fields).length
      ? Object.entries(fields)
          .map(([k, v]) => `  ${k}: ${v.join("; ")}`)
          .join("\n")
      : "";
  if (detail) console.error(`users: invalid input\n${detail}`);
  else if (err instanceof Error && err.name !== "Error") console.error(`users: ${describeStartupError(err)}`);
  else console.error(`users: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
