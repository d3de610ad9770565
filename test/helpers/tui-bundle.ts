// A TUI bundle as scripts/bundle-tui.mjs writes it, for the tests of its loader (source/ui/load-bundle.ts).
import {createHash} from 'node:crypto';
import {BUNDLE_ID_MARK} from '../../source/ui/load-bundle.js';

/** `script` with its id line last (`id`: another one than its SHA-256, as a bundle edited in place keeps). */
export function withBundleId(script: string, id = createHash('sha256').update(script).digest('hex')): string {
  return `${script}${BUNDLE_ID_MARK}${id}\n`;
}
