// ATTACK (review of issues 15 and 17): hostile files. The agent's credential file is a directory or a
// FIFO; a Vertex key whose private_key is not a usable key.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {describe, it} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
describe('ATTACK native mode: the agent file is not a regular file', () => {
  it('a directory: a clear error naming the file, no stack trace', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: '2030-01-01T00:00:00.000Z'}));
      const file = path.join(ccs.env.HOME!, '.claude', '.credentials.json');
      mkdirSync(file, {recursive: true});
      const result = await runBin(['use', '--native', 'claude', 'a@example.com'], ccs.env);
      assert.ok(result.stderr.includes(file), `names the file: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /, 'no stack trace');
    } finally {
      ccs.cleanup();
    }
  });

  it('a FIFO: refused at once (it must not hang holding the account\'s refresh lock)', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: '2030-01-01T00:00:00.000Z'}));
      const dir = path.join(ccs.env.HOME!, '.claude');
      mkdirSync(dir, {recursive: true});
      execFileSync('mkfifo', [path.join(dir, '.credentials.json')]);
      const result = await runBin(['use', '--native', 'claude', 'a@example.com'], ccs.env, undefined, 10_000).catch((error: Error) => ({code: -1, stdout: '', stderr: String(error)}));
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /named pipe|FIFO|not a regular file/, result.stderr);
    } finally {
      ccs.cleanup();
    }
  });
});
