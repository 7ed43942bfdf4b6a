import { Badge } from "../ui/badge";

export function SystemTile({ name, label, kind, simulated }: { name: string; label: string; kind: string; simulated: boolean }) {
  return (
    <li className="rounded-lg border border-line bg-surface p-3">
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="font-medium break-words">{label}</p>
          <p className="font-mono text-xs break-all text-muted">{name} · {kind}</p>
        </div>
        {simulated ? <Badge title="This system is the built-in simulator, not a real host">simulated</Badge> : null}
      </div>
      <p className="mt-3 flex items-center gap-2 text-sm text-unknown">
        <span aria-hidden="true">?</span> Unknown — not polled yet
      </p>
    </li>
  );
}
