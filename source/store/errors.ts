// The text a person sees for a thrown error, shared by the command line (cli/run.ts) and the TUI's
// status line (ui/errors.ts), so both word the same failure the same way.
import {keyAdvice} from '../core/keymap.js';
import {UserError, type ErrorSurface} from '../core/types.js';
import {CorruptFileError} from './files.js';

export interface ErrorReport {
  /** One message that names the file, field or flag (may span lines: usage text follows a bad flag). */
  text: string;
  /** The command line's exit code: 1 failure, 2 bad usage, 3 (quota) all used up. */
  exitCode: 1 | 2 | 3;
}

export type {ErrorSurface} from '../core/types.js';

/**
 * The report for an error a person can act on: a UserError or a corrupt file (their messages already
 * name the file or field), or a file operation the system refused (EACCES, EPERM, EROFS: the path and
 * the code). Undefined for anything else: an unexpected error, which the caller shows as such.
 */
export function describeUserError(error: unknown, surface: ErrorSurface = 'cli'): ErrorReport | undefined {
  if (error instanceof UserError) {
    const advice = error.advice && ((surface === 'tui' && error.advice.action && keyAdvice(error.advice.action, error.advice.scope)) || error.advice.command);
    return {text: advice ? `${error.message} (${advice})` : error.message, exitCode: error.exitCode};
  }
  if (error instanceof CorruptFileError) return {text: error.message, exitCode: 1};
  const err = error as NodeJS.ErrnoException | null | undefined;
  if (err?.code === 'EACCES' || err?.code === 'EPERM' || err?.code === 'EROFS') {
    return {text: `${err.path ?? ''}: permission denied (${err.code})`, exitCode: 1};
  }
  return undefined;
}
