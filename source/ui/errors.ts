// One line for the status line from whatever a store or service call threw: the command line's
// wording (store/errors.ts), advising TUI keys where the command line names commands, made safe for the terminal; an unexpected error shows its message.
import {sanitizeLine} from '../core/sanitize.js';
import {describeUserError} from '../store/errors.js';

export function describeError(error: unknown): string {
  return sanitizeLine(describeUserError(error, 'tui')?.text ?? (error as Error | null | undefined)?.message ?? String(error));
}
