// The text a person sees for a thrown error, shared by the command line (cli/run.ts) and the TUI's
// status line (ui/errors.ts), so both word the same failure the same way.
import {keyAdvice, type KeyScope} from '../core/keymap.js';
import {UserError, type ErrorAdvice, type ErrorSurface} from '../core/types.js';
import {CorruptFileError} from './files.js';

export interface ErrorReport {
  /** One message that names the file, field or flag (may span lines: usage text follows a bad flag). */
  text: string;
  /** The command line's exit code: 1 failure, 2 bad usage, 3 (quota) all used up, 130 cancelled (Ctrl-C). */
  exitCode: 1 | 2 | 3 | 130;
}

export type {ErrorSurface} from '../core/types.js';

/**
 * `text` with its way out said for `surface`, the one place advice is worded: `… (ccs-tui login
 * claude)` on the command line (and in the proxy's log, read from a shell), `… (L: re-login)` in the
 * TUI (the key bound to the advice's action; its command when no key is bound there). `shownOn`:
 * the scope of the screen it is read on, when not the one the key works on.
 */
export function withAdvice(text: string, advice: ErrorAdvice | undefined, surface: ErrorSurface, shownOn?: KeyScope): string {
  const said = advice && ((surface === 'tui' && ((advice.action && keyAdvice(advice.action, advice.scope, shownOn)) || advice.tui)) || advice.command);
  return said ? `${text} (${said})` : text;
}

/** The advice an error carries (a UserError's), for a caller that words its message itself. */
export const errorAdvice = (error: unknown): ErrorAdvice | undefined => (error instanceof UserError ? error.advice : undefined);

/**
 * The report for an error a person can act on: a UserError or a corrupt file (their messages already
 * name the file or field), a file operation the system refused (EACCES, EPERM, EROFS: the path and
 * the code). Undefined for anything else: an unexpected error, which the caller shows as such.
 */
export function describeUserError(error: unknown, surface: ErrorSurface = 'cli'): ErrorReport | undefined {
  if (error instanceof UserError) return {text: withAdvice(error.message, error.advice, surface), exitCode: error.exitCode};
  if (error instanceof CorruptFileError) return {text: error.message, exitCode: 1};
  const err = error as NodeJS.ErrnoException | null | undefined;
  if (err?.code === 'EACCES' || err?.code === 'EPERM' || err?.code === 'EROFS') {
    return {text: `${err.path ?? ''}: permission denied (${err.code})`, exitCode: 1};
  }
  // A path whose parts are of the wrong kind (CCS_DIR naming a file, a token dir that is a file).
  if (err?.code === 'ENOTDIR') return {text: `${err.path ?? ''}: a part of this path is a file where a directory is expected (ENOTDIR)`, exitCode: 1};
  if (err?.code === 'EISDIR') return {text: `${err.path ?? ''}: a directory where a file is expected (EISDIR)`, exitCode: 1};
  return undefined;
}
