// A moment as the product writes it on the local clock (core/relative-time.ts formatLocalClock):
// `HH:MM:SS` on today's date, with the date before it on any other day. A test's "in 30 minutes" is
// tomorrow from 23:30 on, so a pattern for a clock time allows the date (a CI run at 23:46 failed on it).
export const CLOCK_MINUTE = String.raw`(?:\d{4}-\d\d-\d\d )?\d\d:\d\d`;
export const CLOCK_SECOND = String.raw`${CLOCK_MINUTE}:\d\d`;
