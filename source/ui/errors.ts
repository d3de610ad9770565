// One line for the status line from whatever a store or service call threw.
import {sanitizeLine} from '../core/sanitize.js';

export function describeError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'EPERM' || err?.code === 'EROFS') {
    return sanitizeLine(`${err.path ?? ''}: permission denied (${err.code})`);
  }
  // UserError and CorruptFileError messages already name the file or field.
  return sanitizeLine(err?.message ?? String(error));
}
