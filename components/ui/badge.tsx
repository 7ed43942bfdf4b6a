import type { Role } from "@/lib/auth/roles";

export function Badge({
  children,
  tone = "neutral",
  title,
}: {
  children: React.ReactNode;
  tone?: "neutral" | "sev1" | "sev2" | "sev3" | "unknown" | "ok" | "accent";
  title?: string;
}) {
  const tones: Record<string, string> = {
    neutral: "border-line text-muted",
    sev1: "border-sev1 text-sev1",
    sev2: "border-sev2 text-sev2",
    sev3: "border-sev3 text-sev3",
    unknown: "border-unknown text-unknown",
    ok: "border-ok text-ok",
    accent: "border-accent text-accent",
  };
  return (
    <span
      title={title}
      className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${tones[tone]}`}
    >
      {children}
    </span>
  );
}

export function RoleBadge({ role }: { role: Role }) {
  return (
    <Badge tone="accent" title="Your role">
      {role}
    </Badge>
  );
}
