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

/**
 * `01:53:20` on the local clock (the process's TZ), to the second; with the date in front
 * (`2026-11-30 01:53:20`) when it is not on `now`'s local day. Unparseable input comes back unchanged.
 */
export function formatLocalClock(iso: string, now: number): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const time = `${formatLocalTime(iso).slice(11)}:${String(at.getSeconds()).padStart(2, '0')}`;
  return new Date(now).toDateString() === at.toDateString() ? time : `${formatLocalTime(iso).slice(0, 10)} ${time}`;
}

/**
 * A cooldown as a person can act on it: the wait left, then its end on the local clock to the
 * second (`42s (until 01:53:20)`, `4m 10s (until 01:57:30)`, `3h 5m (until …)`). The wait is rounded
 * up: never a moment earlier than the end. `over (since 01:53:20)` once it has passed.
 */
export function formatCooldown(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return `until ${iso}`;
  const clock = formatLocalClock(iso, now);
  if (at <= now) return `over (since ${clock})`;
  const seconds = Math.ceil((at - now) / 1000);
  return `${cooldownWait(seconds)} (until ${clock})`;
}

/**
 * A wait of `seconds` (whole, > 0) rounded up in the units shown: `42s`, `4m 10s`, `11h 5m`, `3d 2h`;
 * an hour's minutes are always said (a floor to the hour said `11h` for 11 h 59 min, `12h` a moment before).
 */
function cooldownWait(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? ` ${seconds % 60}s` : ''}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h${minutes % 60 ? ` ${minutes % 60}m` : ''}`;
  const hours = Math.ceil(seconds / 3600);
  return `${Math.floor(hours / 24)}d${hours % 24 ? ` ${hours % 24}h` : ''}`;
}
