// How a maintenance window's time is written on the board and the status view: always in UTC,
// the date once when the window starts and ends on the same day.

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const hm = (t: number) => new Date(t).toISOString().slice(11, 16);

/** "2026-12-05 14:00–16:00 UTC", or "2026-12-05 22:00 – 2026-12-06 02:00 UTC" across midnight. */
export function maintenanceWindowText(startsAt: number, endsAt: number): string {
  if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt))
    throw new Error(`maintenance window: start and end must be times (got ${startsAt}, ${endsAt})`);
  return day(startsAt) === day(endsAt)
    ? `${day(startsAt)} ${hm(startsAt)}–${hm(endsAt)} UTC`
    : `${day(startsAt)} ${hm(startsAt)} – ${day(endsAt)} ${hm(endsAt)} UTC`;
}
