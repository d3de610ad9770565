// Output to a closed pipe: every command ends quietly (no stack trace) with 141, as `cat` would.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {after, before, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';

let ccs: TempCcs;
before(() => {
  ccs = makeTempCcs();
  // Enough accounts that every listing is more than a pipe holds (64 KiB).
  for (let i = 0; i < 1500; i++) {
    const email = `user${String(i).padStart(4, '0')}-with-a-long-address@example.com`;
    ccs.writeToken(`codex-${email}.json`, tokenFixture('codex', email, {expired: '2030-01-01T00:00:00Z'}));
  }
  // Quota fetches go to a closed port on loopback (nothing cached: `quota` asks every account).
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {codex: {usage: 'http://127.0.0.1:9/usage'}}}));
});
after(() => ccs.cleanup());

/**
 * Runs the binary as `ccs-tui ARGS | head -c 100` in bash: a real pipe whose reader exits after 100
 * bytes, long before the output (over 64 KiB, more than a pipe holds) is written. `stream`: which of
 * the binary's outputs goes into the pipe (the other is captured). Resolves with the binary's exit status.
 */
function runIntoClosedPipe(args: string[], stream: 'stdout' | 'stderr' | 'stdout-gone'): Promise<{code: number | null; other: string}> {
  const pipeline = {
    stdout: '"$@" | head -c 100 >/dev/null',
    stderr: '"$@" 2>&1 >/dev/null | head -c 100 >/dev/null',
    // The reader is gone before the binary starts (it starts 0.2 s after `true`): short outputs too.
    'stdout-gone': '{ sleep 0.2; exec "$@"; } | true',
  }[stream];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${pipeline}; exit "\${PIPESTATUS[0]}"`, 'bash', process.execPath, binPath, ...args], {env: ccs.env, stdio: ['ignore', 'pipe', 'pipe']});
    let other = '';
    child.stdout.on('data', (d) => (other += d));
    child.stderr.on('data', (d) => (other += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, other});
    });
  });
}

// The handler is process-wide (cli/main.ts), so these stand for every command that prints.
for (const args of [['accounts'], ['accounts', '--json'], ['quota', '--provider', 'codex', '--json'], ['quota', '--provider', 'codex']]) {
  test(`ccs-tui ${args.join(' ')} | head: exit 141, no stack trace`, async () => {
    const run = await runIntoClosedPipe(args, 'stdout');
    assert.equal(run.code, 141, run.other);
    assert.equal(run.other, '', 'nothing on stderr');
  });
}

// Commands whose output is short (it would fit in a pipe): the reader has already gone at the first write.
for (const args of [['accounts', '--json'], ['models', 'codex'], ['models', 'codex', '--json'], ['native'], ['native', '--json'], ['proxy', 'status'], ['proxy', 'status', '--json'], ['env', 'codex'], ['env', 'codex', '--json'], ['--help']]) {
  test(`ccs-tui ${args.join(' ')} | true (reader already gone): exit 141, no stack trace`, async () => {
    const run = await runIntoClosedPipe(args, 'stdout-gone');
    assert.equal(run.code, 141, run.other);
    // stderr may carry the command's own notes (`env` says when it generated the proxy's API key).
    assert.doesNotMatch(run.other, /EPIPE|Error|\n\s+at /, 'no error or stack trace on stderr');
  });
}

test('an error message into a closed stderr pipe: exit 141, nothing thrown', async () => {
  // An unknown command writes only to stderr; its reader is gone after the first chunk.
  const run = await runIntoClosedPipe(['no-such-command', ...Array.from({length: 12_000}, (_, i) => `argument-${i}`)], 'stderr');
  assert.equal(run.code, 141, run.other);
  assert.equal(run.other, '', 'nothing on stdout');
});
