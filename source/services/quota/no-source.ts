// One wording for an account whose provider reports no quota (vertex, aistudio, …): the CLI's text
// and JSON `note`, and the TUI quota screen. A small module so the CLI loads it without the poller.

/** Shown as `unknown (no quota source)`; the JSON `note` of such a row. */
export const NO_QUOTA_SOURCE = 'no quota source';
