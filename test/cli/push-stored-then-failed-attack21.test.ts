// Attack review (session 21): a push whose upload the server stored but did not answer well (a 5xx
// after the write, an answer lost to a timeout). The push failed and kept the local account, with
// nothing saying the server held the grant too: both would refresh it, and one be left with a
// spent token. The server is now asked whether it holds what was sent.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {remoteTarget} from '../helpers/fake-cliproxy/target.js';

test('push: an upload stored by the server that answered 500 is still a move (one holder)', async () => {
  const ccs = makeTempCcs();
  const token = tokenFixture('codex', 'a@example.com');
  const stand = await remoteTarget(ccs, {
    gate: (request) => {
      if (request.method !== 'POST' || !request.path.endsWith('/auth-files')) return;
      // The write lands; the answer is an error.
      stand.addFile(request.query.get('name')!, JSON.parse(request.body) as Record<string, unknown>);
      stand.refuse.add('POST /auth-files');
    },
  });
  try {
    ccs.writeToken('codex-a.json', token);
    const run = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'codex: pushed a@example.com (codex-a.json) to target team; removed here, so only the server refreshes it\n');
    assert.equal(stand.files.get('codex-a.json')!.json.refresh_token, token.refresh_token);
    assert.equal(existsSync(path.join(ccs.paths.authDir, 'codex-a.json')), false, 'one holder of the grant');
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});

test('push: an upload refused and not stored fails, and the local account is kept', async () => {
  const ccs = makeTempCcs();
  const stand = await remoteTarget(ccs);
  try {
    stand.refuse.add('POST /auth-files');
    ccs.writeToken('codex-a.json', tokenFixture('codex', 'a@example.com'));
    const run = await runBin(['push', 'codex', 'a@example.com', '--target', 'team'], ccs.env);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /POST \/v0\/management\/auth-files: server error 500/);
    assert.equal(stand.files.size, 0);
    assert.ok(existsSync(path.join(ccs.paths.authDir, 'codex-a.json')));
  } finally {
    await stand.close();
    ccs.cleanup();
  }
});
