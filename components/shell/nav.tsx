"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Icon } from "./icons";
import type { NavItem } from "./nav-items";
import { ApprovalsBadge } from "../controls/approvals-badge";

/** The approvals badge's starting count and whether this user can approve at all. */
export interface ApprovalsNav {
  initial: number;
  enabled: boolean;
}

function isActive(pathname: string, href: string) {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function SideNav({ items, approvals }: { items: NavItem[]; approvals?: ApprovalsNav }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {items.map((item) => {
        const active = isActive(pathname, item.href);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={`flex items-center gap-3 rounded-md px-3 py-2 text-sm ${active ? "bg-surface-2 font-semibold text-fg" : "text-muted hover:bg-surface-2 hover:text-fg"}`}
          >
            <Icon name={item.icon} />
            {item.label}
            {item.href === "/controls" && approvals ? <ApprovalsBadge {...approvals} /> : null}
          </Link>
        );
      })}
    </nav>
  );
}

export function BottomNav({ items, approvals }: { items: NavItem[]; approvals?: ApprovalsNav }) {
  const pathname = usePathname();
  const primary = items.filter((i) => i.primary);
  const rest = items.filter((i) => !i.primary);
  const moreActive = rest.some((i) => isActive(pathname, i.href));
  return (
    <nav
      aria-label="Main"
      className="fixed inset-x-0 bottom-0 z-30 border-t border-line bg-surface pb-[env(safe-area-inset-bottom)] md:hidden"
    >
      <ul className="grid grid-cols-4">
        {primary.map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={`flex min-h-14 flex-col items-center justify-center gap-0.5 text-xs ${active ? "font-semibold text-accent" : "text-muted"}`}
              >
                <Icon name={item.icon} />
                {item.label}
              </Link>
            </li>
          );
        })}
        <li>
          <details className="group relative h-full">
            <summary
              className={`flex min-h-14 cursor-pointer list-none flex-col items-center justify-center gap-0.5 text-xs [&::-webkit-details-marker]:hidden ${moreActive ? "font-semibold text-accent" : "text-muted"}`}
            >
              <span className="flex items-center gap-1">
                <Icon name="more" />
                {approvals && rest.some((i) => i.href === "/controls") ? <ApprovalsBadge {...approvals} /> : null}
              </span>
              More
            </summary>
            <ul className="absolute right-2 bottom-16 w-56 rounded-lg border border-line bg-surface p-1 shadow-2xl">
              {rest.map((item) => (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={isActive(pathname, item.href) ? "page" : undefined}
                    className="flex min-h-11 items-center gap-3 rounded-md px-3 text-sm hover:bg-surface-2"
                  >
                    <Icon name={item.icon} />
                    {item.label}
                    {item.href === "/controls" && approvals ? <ApprovalsBadge {...approvals} /> : null}
                  </Link>
                </li>
              ))}
            </ul>
          </details>
        </li>
      </ul>
    </nav>
  );
}
