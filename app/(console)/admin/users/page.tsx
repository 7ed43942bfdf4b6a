import type { Metadata } from "next";
import { getActor } from "@/lib/auth/session";
import { listUsers } from "@/lib/users/api";
import { TableScroll } from "@/components/ui/table-scroll";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { Forbidden } from "@/components/ui/forbidden";
import { roleAtLeast } from "@/lib/auth/roles";
import { CreateUserForm, RoleForm, StatusForm } from "./users-client";
import { utcMinute } from "@/lib/core/time";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await getActor();
  if (!actor || !roleAtLeast(actor.role, "admin")) return <Forbidden need="admin" have={actor?.role ?? "anonymous"} />;
  const users = await listUsers(actor);
  return (
    <>
      <PageHeader
        title="Users and roles"
        description="viewer < responder < commander < admin. Single sign-on users take their role from their groups at every sign-in."
      />
      <TableScroll label="Users" className="mb-8">
        <table className="w-full min-w-[44rem] text-sm">
          <caption className="sr-only">Users</caption>
          <thead className="border-b border-line text-left text-muted">
            <tr>
              {["User", "Source", "Role", "Status", "Last sign-in"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-b border-line last:border-0">
                <td className="px-3 py-2">
                  <span className="font-medium">{u.displayName}</span>{" "}
                  <span className="font-mono text-xs text-muted">{u.username}</span>
                </td>
                <td className="px-3 py-2">{u.authSource === "oidc" ? "single sign-on" : "local"}</td>
                <td className="px-3 py-2">
                  <RoleForm
                    username={u.username}
                    role={u.role}
                    disabled={u.id === actor?.id || u.authSource === "oidc"}
                  />
                </td>
                <td className="px-3 py-2">
                  <div className="flex items-center gap-2">
                    <Badge tone={u.status === "active" ? "ok" : "sev1"}>{u.status}</Badge>
                    {u.id !== actor?.id ? <StatusForm username={u.username} status={u.status} /> : null}
                  </div>
                </td>
                <td className="px-3 py-2 font-mono text-xs">
                  {u.lastSignInAt ? utcMinute(u.lastSignInAt.getTime()) : "never"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <CreateUserForm />
    </>
  );
}
