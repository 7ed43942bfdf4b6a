/** "12 s ago (14:03:05 UTC)" — relative for reading, UTC for correlating with logs. */
export function Ago({ at, now }: { at?: number; now: number }) {
  if (at === undefined) return <span className="text-muted">never</span>;
  const s = Math.max(0, Math.round((now - at) / 1000));
  const rel = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : s < 86400 ? `${Math.floor(s / 3600)} h ago` : `${Math.floor(s / 86400)} d ago`;
  const utc = new Date(at).toISOString().slice(11, 19);
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toISOString()}>
      {rel} <span className="text-muted">({utc} UTC)</span>
    </time>
  );
}
