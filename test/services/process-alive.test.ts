// isProcessAlive: a live process is, a gone one is not, and neither is a zombie (exited, never reaped).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';

/** The process's state letter as Linux's /proc/<pid>/stat gives it ('Z': zombie), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

test('a zombie (exited, its parent never reaps it) is not alive, though it still answers signal 0', {skip: process.platform !== 'linux', timeout: 60_000}, async () => {
  // sh starts a job, then becomes `sleep` (same pid), which inherits the job as its child and never
  // waits for it. The job ends only once sh has become `sleep` (its $$ reads "sleep"): had it ended
  // before, sh could have reaped it, leaving no zombie. `sleep` outlives the test (killed at the end).
  const parent = spawn('/bin/sh', ['-c', 'until [ "$(cat /proc/$$/comm)" = sleep ]; do sleep 0.01; done & echo $!; exec sleep 600'], {stdio: ['ignore', 'pipe', 'ignore']});
  try {
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d).trim()))));
    // The event meant: the job has exited and is left unreaped (a zombie). Looked at every 20 ms, however long load makes it take.
    while (stateOf(zombie) !== 'Z') {
      assert.notEqual(stateOf(zombie), undefined, 'the job was reaped: no zombie to look at');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.doesNotThrow(() => process.kill(zombie, 0), 'the zombie still answers signal 0');
    assert.equal(isProcessAlive(zombie), false);
    assert.equal(isProcessAlive(parent.pid!), true, 'its live parent is alive');
  } finally {
    parent.kill('SIGKILL');
  }
});
