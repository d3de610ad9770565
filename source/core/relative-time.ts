// Short relative times for narrow table cells: `in 45m`, `in 3h`, `2d ago`.

/** `coarse`: one unit only (`4h`, not `4h 5m`), for the narrowest cells. */
export function formatDuration(ms: number, coarse = false): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours < 10 && minutes % 60 && !coarse ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** `in 45m` for a future instant, `3h ago` for a past one; '' when unknown or unparseable. `coarse`: one unit. */
export function formatRelative(iso: string | undefined, now: number, coarse = false): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const delta = at - now;
  return delta >= 0 ? `in ${formatDuration(delta, coarse)}` : `${formatDuration(delta, coarse)} ago`;
}

/**
 * `2026-11-29 21:55` in the local time zone (the process's TZ): what a person reads on their own
 * clock. The ISO string itself stays in files and --json. Unparseable input comes back unchanged.
 */
export function formatLocalTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
}
