export function Logo({ size = 36 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" className="shrink-0">
      <rect width="32" height="32" rx="7" fill="var(--wf-accent)" />
      <path
        d="M6 20 L11 12 L15 17 L20 8 L26 20"
        fill="none"
        stroke="var(--wf-accent-text)"
        strokeWidth="2.5"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <rect x="6" y="23" width="20" height="2.5" rx="1.25" fill="var(--wf-accent-text)" />
    </svg>
  );
}
