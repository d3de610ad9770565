import assert from 'node:assert/strict';
import {statSync, utimesSync, writeFileSync} from 'node:fs';

/** Rewrites `file` in place (same inode) with `text` of the same length and puts its mtime back, as `cp -p` or a sync tool does. */
export function rewriteKeepingMtime(file: string, text: string): void {
  const before = statSync(file);
  assert.equal(Buffer.byteLength(text), before.size, 'the rewrite keeps the size');
  writeFileSync(file, text);
  utimesSync(file, before.atime, before.mtime);
  assert.equal(statSync(file).mtimeMs, before.mtimeMs);
  assert.equal(statSync(file).ino, before.ino);
}
