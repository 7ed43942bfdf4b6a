import type { Role } from "@/lib/auth/roles";

export interface NavItem {
  href: string;
  label: string;
  /** Single glyph icon name from icons.tsx */
  icon:
    | "board"
    | "profiles"
    | "recon"
    | "exchange"
    | "incidents"
    | "runbooks"
    | "controls"
    | "sources"
    | "audit"
    | "share"
    | "users";
  /** Shown in the phone's bottom bar; the rest go under "More". */
  primary?: boolean;
  minRole?: Role;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Board", icon: "board", primary: true },
  { href: "/profiles", label: "Profiles", icon: "profiles", primary: true },
  { href: "/reconciliation", label: "Reconciliation", icon: "recon" },
  { href: "/exchange", label: "Exchange", icon: "exchange" },
  { href: "/incidents", label: "Incidents", icon: "incidents", primary: true },
  { href: "/runbooks", label: "Runbooks", icon: "runbooks" },
  { href: "/controls", label: "Controls", icon: "controls" },
  { href: "/sources", label: "Sources", icon: "sources" },
  { href: "/audit", label: "Audit", icon: "audit" },
  { href: "/deliveries", label: "Deliveries", icon: "share", minRole: "responder" },
  { href: "/silences", label: "Silences", icon: "controls" },
  { href: "/routine", label: "Routine checks", icon: "runbooks" },
  { href: "/share", label: "Share links", icon: "share", minRole: "commander" },
  { href: "/admin/users", label: "Users", icon: "users", minRole: "admin" },
];
