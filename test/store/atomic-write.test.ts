// writeFileAtomic's failures name the file the caller writes (the person knows that one), never the
// temp file beside it; and no temp file is left behind.
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, it} from 'node:test';
import {writeFileAtomic} from '../../source/store/files.js';
import {describeUserError} from '../../source/store/errors.js';

describe('writeFileAtomic errors', () => {
  it('a directory in the file\'s place: the error and its report name the file, and no temp file stays', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-atomic-'));
    try {
      const file = path.join(dir, 'state.json');
      mkdirSync(file);
      const error = await writeFileAtomic(file, '{}\n').then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException);
      assert.ok(error, 'the write failed');
      assert.equal(error.path, file);
      assert.doesNotMatch(error.message, /\.tmp/);
      assert.equal(describeUserError(error)?.text, `${file}: a directory where a file is expected (EISDIR)`);
      assert.deepEqual(readdirSync(dir), ['state.json']);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
