/** A horizontally scrollable table container that keyboard users can focus and scroll. */
export function TableScroll({
  label,
  children,
  className = "",
}: {
  label: string;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={`overflow-x-auto rounded-xl border border-line bg-surface ${className}`}
    >
      {children}
    </div>
  );
}
