import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

// Runs from dist (.js) or from source under tsx (.ts): the worker has the same extension as this file.
const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), `store-worker${path.extname(here)}`);

function startWorker(ccs: TempCcs, index: number, mode: 'edit' | 'loop') {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), worker, ccs.paths.root, String(index), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stderr})),
  );
  return {child, done, ready};
}

function assertAllFilesValid(ccs: TempCcs) {
  JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
  for (const dir of [ccs.paths.authDir, ccs.paths.pausedDir]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      continue;
    }
    for (const name of names) JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  }
}

let ccs: TempCcs;
beforeEach(() => {
  ccs = makeTempCcs();
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'shared@example.com', accounts: {'shared@example.com': {email: 'shared@example.com', tokenFile: 'claude-shared.json'}}}}});
  ccs.writeToken('claude-shared.json', tokenFixture('claude', 'shared@example.com'));
});
afterEach(() => ccs.cleanup());

test('20 processes adding, renaming and pausing at once lose nothing', {timeout: 120_000}, async () => {
  const workers = Array.from({length: 20}, (_, i) => startWorker(ccs, i, 'edit'));
  const results = await Promise.all(workers.map((w) => w.done));
  for (const [i, r] of results.entries()) assert.equal(r.code, 0, `worker ${i} failed: ${r.stderr}`);

  assertAllFilesValid(ccs);
  const snapshot = await new AccountStore(ccs.paths).load();
  const kimi = snapshot.accounts.filter((a) => a.provider === 'kimi');
  assert.equal(kimi.length, 20);
  for (let i = 0; i < 20; i++) {
    const account = kimi.find((a) => a.email === `user${i}@example.com`);
    assert.ok(account, `account ${i} lost`);
    assert.equal(account.nickname, `nick-${i}`);
    assert.equal(account.paused, i % 2 === 1, `account ${i} paused state`);
    assert.equal(account.registered, true);
  }
  assert.equal(kimi.filter((a) => a.default).length, 1);
  assert.match(snapshot.accounts.find((a) => a.provider === 'claude')!.nickname!, /^shared-by-\d+$/);
  assert.equal(snapshot.problems.length, 0);
});

test('processes killed with SIGKILL in the middle of writes leave valid files', {timeout: 120_000}, async () => {
  for (let round = 0; round < 5; round++) {
    const workers = [startWorker(ccs, 100 + round, 'loop'), startWorker(ccs, 200 + round, 'loop')];
    await Promise.all(workers.map((w) => w.ready));
    // somewhere inside a run of writes: each loop turn renames, rewrites a token and moves a file
    await new Promise((resolve) => setTimeout(resolve, 30 + round * 70));
    for (const w of workers) w.child.kill('SIGKILL');
    for (const w of workers) {
      const r = await w.done;
      assert.equal(r.signal, 'SIGKILL', `worker ended on its own: ${r.stderr}`);
    }
    assertAllFilesValid(ccs);
    const snapshot = await new AccountStore(ccs.paths).load();
    assert.equal(snapshot.problems.length, 0, JSON.stringify(snapshot.problems));
    assert.ok(snapshot.accounts.some((a) => a.email === `user${100 + round}@example.com`), 'the killed writer had written');
    // a lock left behind by a killed process must not block the next editor for long
    await new AccountStore(ccs.paths).rename('claude', 'shared@example.com', `after-kill-${round}`);
  }
});
