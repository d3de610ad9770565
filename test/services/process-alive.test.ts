// isProcessAlive: a live process is, a gone one is not, and neither is a zombie (exited, never reaped).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';

test('a zombie (exited, its parent never reaps it) is not alive, though it still answers signal 0', {skip: process.platform !== 'linux'}, async () => {
  // sh starts a short job, then becomes `sleep`, which inherits the job as its child and never waits for it.
  const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {stdio: ['ignore', 'pipe', 'ignore']});
  try {
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d).trim()))));
    for (let waited = 0; waited < 3000; waited += 50) {
      if (!isProcessAlive(zombie)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.doesNotThrow(() => process.kill(zombie, 0), 'the zombie still answers signal 0');
    assert.equal(isProcessAlive(zombie), false);
    assert.equal(isProcessAlive(parent.pid!), true, 'its live parent is alive');
  } finally {
    parent.kill('SIGKILL');
  }
});
