"use client";

import { useActionState } from "react";
import { createUserAction, setUserRoleAction, setUserStatusAction } from "./actions";

const ROLES = ["viewer", "responder", "commander", "admin"] as const;

export function RoleForm({ username, role, disabled }: { username: string; role: string; disabled: boolean }) {
  const [state, action, pending] = useActionState(setUserRoleAction, null);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="username" value={username} />
      <label className="sr-only" htmlFor={`role-${username}`}>
        Role for {username}
      </label>
      <select
        id={`role-${username}`}
        name="role"
        defaultValue={role}
        disabled={disabled}
        className="rounded-md border border-line bg-bg px-2 py-1.5"
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {!disabled ? (
        <button disabled={pending} className="rounded-md border border-line px-2 py-1.5 text-xs">
          Save
        </button>
      ) : null}
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-sev1">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

export function StatusForm({ username, status }: { username: string; status: string }) {
  const [state, action, pending] = useActionState(setUserStatusAction, null);
  const next = status === "active" ? "disabled" : "active";
  return (
    <form action={action}>
      <input type="hidden" name="username" value={username} />
      <input type="hidden" name="status" value={next} />
      <button disabled={pending} className="rounded-md border border-line px-2 py-1 text-xs">
        {next === "disabled" ? "Disable" : "Enable"}
      </button>
      {state && !state.ok ? (
        <span role="alert" className="ml-2 text-xs text-sev1">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

export function CreateUserForm() {
  const [state, action, pending] = useActionState(createUserAction, null);
  const err = (f: string) => (state && !state.ok ? state.fieldErrors?.[f]?.[0] : undefined);
  const field = (name: string, label: string, type = "text") => (
    <div>
      <label htmlFor={`new-${name}`} className="block text-xs text-muted">
        {label}
      </label>
      <input
        id={`new-${name}`}
        name={name}
        type={type}
        aria-invalid={Boolean(err(name))}
        aria-describedby={err(name) ? `new-${name}-err` : undefined}
        className="w-full rounded-md border border-line bg-bg px-3 py-2 text-sm"
      />
      {err(name) ? (
        <p id={`new-${name}-err`} className="mt-1 text-xs text-sev1">
          {err(name)}
        </p>
      ) : null}
    </div>
  );
  return (
    <section aria-labelledby="new-user" className="max-w-2xl rounded-xl border border-line bg-surface p-4">
      <h2 id="new-user" className="mb-3 font-semibold">
        Add a local user
      </h2>
      <form action={action} className="grid gap-3 sm:grid-cols-2">
        {field("username", "Username")}
        {field("displayName", "Display name")}
        {field("email", "Email", "email")}
        {field("password", "Password (12+ characters)", "password")}
        <div>
          <label htmlFor="new-role" className="block text-xs text-muted">
            Role
          </label>
          <select
            id="new-role"
            name="role"
            defaultValue="viewer"
            className="w-full rounded-md border border-line bg-bg px-3 py-2 text-sm"
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-end gap-3">
          <button disabled={pending} className="h-10 rounded-md bg-accent px-4 text-sm font-semibold text-accent-fg">
            Add user
          </button>
          {state?.ok ? (
            <span role="status" className="text-sm text-ok">
              User added.
            </span>
          ) : null}
          {state && !state.ok && !state.fieldErrors ? (
            <span role="alert" className="text-sm text-sev1">
              {state.message}
            </span>
          ) : null}
        </div>
      </form>
    </section>
  );
}
