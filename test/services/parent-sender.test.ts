// The proxy child's messages to a parent that died: dropped, never an unhandled EPIPE that ends the
// child with a stack trace (seen when a supervisor was killed while the proxy served requests).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';

const ipcModule = fileURLToPath(new URL('../../source/services/proxy/ipc.js', import.meta.url));

/**
 * A child that sends once its parent is gone, before its event loop could see the channel's end
 * (it waits for the new parent id synchronously): the send meets EPIPE every time.
 */
function childScript(useSender: boolean, survived: string): string {
  return `
import {parentSender} from ${JSON.stringify(ipcModule)};
import {writeFileSync} from 'node:fs';
const send = ${useSender ? 'parentSender()' : '(message) => process.send(message)'};
process.on('message', () => {});
const parent = process.ppid;
send({type: 'ready'});
const started = Date.now();
while (process.ppid === parent && Date.now() - started < 10000) {}
send({type: 'after the parent died'});
setTimeout(() => { writeFileSync(${JSON.stringify(survived)}, 'survived'); process.exit(0); }, 300);
`;
}

async function parentDiesUnder(useSender: boolean): Promise<{survived: boolean; stderr: string}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-sender-'));
  try {
    const survived = path.join(dir, 'survived');
    const stderr = path.join(dir, 'stderr');
    writeFileSync(path.join(dir, 'child.mjs'), childScript(useSender, survived));
    // The parent forks the child (its stderr to a file), and dies abruptly once the child is ready.
    writeFileSync(
      path.join(dir, 'parent.cjs'),
      `const {fork} = require('node:child_process'); const fs = require('node:fs');
       const child = fork(${JSON.stringify(path.join(dir, 'child.mjs'))}, {stdio: ['ignore', 'ignore', fs.openSync(${JSON.stringify(stderr)}, 'w'), 'ipc']});
       child.once('message', () => process.kill(process.pid, 'SIGKILL'));`,
    );
    const parent = spawn(process.execPath, [path.join(dir, 'parent.cjs')], {stdio: 'ignore'});
    await new Promise((resolve) => parent.once('exit', resolve));
    for (let waited = 0; waited < 8000 && !existsSync(survived); waited += 100) {
      await sleep(100);
      if (/Error/.test(readFileSync(stderr, 'utf8'))) break;
    }
    await sleep(100);
    return {survived: existsSync(survived), stderr: readFileSync(stderr, 'utf8')};
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

test('a message sent after the parent died is dropped: the proxy child goes on (and stops as its disconnect says)', async () => {
  const {survived, stderr} = await parentDiesUnder(true);
  assert.equal(stderr, '', 'no stack trace');
  assert.ok(survived, 'the child went on after the failed send');
});

test('(the case it guards against: a bare process.send there ends the child with an unhandled EPIPE)', async (t) => {
  const {survived, stderr} = await parentDiesUnder(false);
  // Now and then Node drops that send itself, and the child goes on: Node 22.23 about two runs in
  // five here, Node 20 rarely (once in a CI run under load). The case then did not arise, which
  // says nothing of the sender.
  if (survived && stderr === '') return t.skip('this Node dropped the bare send itself this time');
  assert.match(stderr, /EPIPE|ERR_IPC_CHANNEL_CLOSED/);
  assert.ok(!survived);
});
