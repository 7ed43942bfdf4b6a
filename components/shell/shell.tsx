import Link from "next/link";
import { cookies } from "next/headers";
import { roleAtLeast, type Actor } from "@/lib/auth/roles";
import { Logo } from "./logo";
import { NAV_ITEMS } from "./nav-items";
import { BottomNav, SideNav } from "./nav";
import { SignOutButton, ThemeToggle } from "./session-controls";
import { RoleBadge } from "../ui/badge";
import { approvalsWaitingFor } from "@/lib/controls/api";

export async function Shell({ actor, children }: { actor: Actor; children: React.ReactNode }) {
  const jar = await cookies();
  const theme = jar.get("wf-theme")?.value === "light" ? "light" : "dark";
  // next-auth's CSRF cookie is "token|hash"; its token lets sign-out be a plain form post.
  const csrfToken = (jar.get("__Host-next-auth.csrf-token") ?? jar.get("next-auth.csrf-token"))?.value.split("|")[0];
  const items = NAV_ITEMS.filter((i) => !i.minRole || roleAtLeast(actor.role, i.minRole));
  // Control requests waiting for this user's approval: a count beside "Controls", kept live.
  const canApprove = roleAtLeast(actor.role, "responder");
  // A failed count must not take the page down: the badge starts at none and its poll tries again.
  const initial = canApprove
    ? await approvalsWaitingFor(actor).then(
        (w) => w.length,
        () => 0,
      )
    : 0;
  const approvals = { initial, enabled: canApprove };
  return (
    <div className="min-h-dvh md:grid md:grid-cols-[15rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-accent focus:px-3 focus:py-2 focus:text-accent-fg"
      >
        Skip to content
      </a>
      <aside className="sticky top-0 hidden h-dvh flex-col gap-6 border-r border-line bg-surface p-4 md:flex">
        <Link href="/" className="flex items-center gap-2 px-1 text-lg font-semibold">
          <Logo size={28} /> Watchfloor
        </Link>
        <SideNav items={items} approvals={approvals} />
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-20 flex items-center gap-3 border-b border-line bg-surface px-4 py-2">
          <Link href="/" className="flex items-center gap-2 font-semibold md:hidden" aria-label="Watchfloor home">
            <Logo size={28} />
          </Link>
          <div className="ml-auto flex items-center gap-2">
            <div className="hidden text-right sm:block">
              <p className="text-sm font-medium leading-tight">{actor.displayName}</p>
              <p className="text-xs leading-tight text-muted">{actor.username}</p>
            </div>
            <RoleBadge role={actor.role} />
            <ThemeToggle initial={theme} />
            <SignOutButton csrfToken={csrfToken} />
          </div>
        </header>
        <main id="main" className="flex-1 px-4 pt-4 pb-24 md:px-8 md:pt-6 md:pb-10">
          {children}
        </main>
      </div>
      <BottomNav items={items} approvals={approvals} />
    </div>
  );
}
