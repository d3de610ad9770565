// CCS changes accounts.json (and moves token files) under its own lock: proper-lockfile's lockSync on
// its cliproxy dir, the lock dir `cliproxy.lock`, stale after 10 s. ccs-tui's store lock is another
// (`accounts.json.lock`), so each change of ccs-tui's must also be made holding CCS's: otherwise a CCS
// command that read the registry just before ccs-tui's write writes its older read over it (a
// nickname lost), or ccs-tui writes over CCS's change.
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, test} from 'node:test';
import lockfile from 'proper-lockfile';
import {AccountStore} from '../../source/store/accounts.js';
import {describeUserError} from '../../source/store/errors.js';
import {withFileLock} from '../../source/store/file-lock.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binPath, runBin, runInteractive} from '../helpers/cli.js';

const here = fileURLToPath(import.meta.url);
const peer = path.join(path.dirname(here), `ccs-peer${path.extname(here)}`);

interface Registry {
  providers: {claude: {accounts: Record<string, {nickname?: string; tier?: string}>}};
}
const registryOf = (ccs: TempCcs) => JSON.parse(readFileSync(ccs.paths.registry, 'utf8')) as Registry;

let ccs: TempCcs;
beforeEach(() => {
  ccs = makeTempCcs();
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'erin@example.com', accounts: {'erin@example.com': {email: 'erin@example.com', tokenFile: 'claude-erin@example.com.json'}}}}});
  ccs.writeToken('claude-erin@example.com.json', tokenFixture('claude', 'erin@example.com'));
});
afterEach(() => ccs.cleanup());

test('a rename waits while CCS holds its lock, and keeps the change CCS made meanwhile', async () => {
  // CCS, mid-change: its lock taken, the registry read.
  const release = await lockfile.lock(ccs.paths.cliproxy, {stale: 10_000});
  const ccsRead = registryOf(ccs);
  let finished = false;
  // Held until the rename says it waits (after a second of waiting): a fixed pause lost the race to a
  // command line slow to start on a loaded machine.
  let saidWaiting!: () => void;
  const waiting = new Promise<void>((resolve) => (saidWaiting = resolve));
  const rename = runInteractive(['rename', 'claude', 'erin@example.com', 'work'], ccs.env, (stderr) => (/waiting for \S*cliproxy\.lock/.test(stderr) ? (saidWaiting(), true) : false), {watch: 'stderr'}).finally(() => (finished = true));
  await Promise.race([waiting, rename]);
  assert.equal(finished, false, 'the rename was made while CCS held its lock');
  // CCS writes its change (from its read) and lets the lock go.
  ccsRead.providers.claude.accounts['erin@example.com']!.tier = 'max';
  writeFileSync(`${ccs.paths.registry}.tmp.1`, JSON.stringify(ccsRead, null, 2), {mode: 0o600});
  renameSync(`${ccs.paths.registry}.tmp.1`, ccs.paths.registry);
  await release();
  const run = await rename;
  assert.equal(run.code, 0, run.stderr);
  // Said while it waited (once), so the command does not look hung.
  assert.equal(run.stderr.match(/^ccs-tui: waiting for \S*cliproxy\.lock: CCS \(or another program\) holds it while it changes the files \(the change is made once it lets go\)$/gm)?.length, 1, run.stderr);
  const erin = registryOf(ccs).providers.claude.accounts['erin@example.com']!;
  assert.equal(erin.nickname, 'work', 'the nickname was lost');
  assert.equal(erin.tier, 'max', "CCS's change was lost");
});

test('CCS registering accounts while ccs-tui renames and pauses: nothing is lost on either side', {timeout: 120_000}, async () => {
  const count = 150;
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), peer, ccs.paths.cliproxy, String(count)], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const peerDone = new Promise<number | null>((resolve) => child.on('close', resolve));
  const nicknames = ['one', 'two', 'three', 'four', 'five', 'six'];
  for (const [i, nickname] of nicknames.entries()) {
    const run = await runBin(['rename', 'claude', 'erin@example.com', nickname], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const pause = await runBin([i % 2 === 0 ? 'pause' : 'resume', 'claude', nickname], ccs.env);
    assert.equal(pause.code, 0, pause.stderr);
  }
  assert.equal(await peerDone, 0, err);
  assert.match(out, /^done/);
  const accounts = registryOf(ccs).providers.claude.accounts;
  for (let i = 0; i < count; i++) assert.ok(accounts[`ccs-${i}@example.com`], `CCS's account ${i} was lost`);
  assert.equal(accounts['erin@example.com']!.nickname, 'six', 'a nickname was lost');
  // The last was a resume: the token file is back in auth/ and the registry says so.
  assert.ok(existsSync(path.join(ccs.paths.authDir, 'claude-erin@example.com.json')));
  assert.ok(!(accounts['erin@example.com'] as {paused?: boolean}).paused);
});

test("a CCS lock left behind (its mtime 10 s old) is taken over; a fresh one held too long fails naming it, and writes nothing", async () => {
  const lockDir = `${ccs.paths.cliproxy}.lock`;
  mkdirSync(lockDir);
  const old = new Date(Date.now() - 11_000);
  utimesSync(lockDir, old, old);
  const run = await runBin(['rename', 'claude', 'erin@example.com', 'work'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(registryOf(ccs).providers.claude.accounts['erin@example.com']!.nickname, 'work');
  assert.ok(!existsSync(lockDir), 'the lock was let go');

  const release = await lockfile.lock(ccs.paths.cliproxy, {stale: 10_000});
  try {
    const file = path.join(ccs.paths.cliproxy, 'peer-test.json');
    await assert.rejects(
      withFileLock(file, (lock) => lock.write(file, '{}\n', undefined), {peerLock: ccs.paths.cliproxy, waitMs: 300}),
      (error: Error) => {
        assert.equal(
          describeUserError(error)?.text,
          `${file}: not saved: ${lockDir} is held by another program (CCS?): waited 0 s; if no CCS command is running, remove ${lockDir} and try again`,
        );
        return true;
      },
    );
    assert.ok(!existsSync(file), 'written while the lock was held');
  } finally {
    await release();
  }
});

test('a CCS lock dated in the future (left by a killed CCS, the clock set back since) is taken over at once, not waited on', async () => {
  const lockDir = `${ccs.paths.cliproxy}.lock`;
  mkdirSync(lockDir);
  const ahead = new Date(Date.now() + 3600_000);
  utimesSync(lockDir, ahead, ahead);
  const started = Date.now();
  const run = await runBin(['rename', 'claude', 'erin@example.com', 'work'], ccs.env, undefined, 60_000);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  assert.equal(registryOf(ccs).providers.claude.accounts['erin@example.com']!.nickname, 'work');
  assert.ok(!existsSync(lockDir), 'the lock was let go');
});

test('a file where CCS keeps its lock: an error at once naming it, nothing written', async () => {
  const lockFile = `${ccs.paths.cliproxy}.lock`;
  writeFileSync(lockFile, '');
  const run = await runBin(['rename', 'claude', 'erin@example.com', 'work'], ccs.env);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `ccs-tui: ${ccs.paths.registry}: not saved: ${lockFile} is a file, where CCS keeps its registry lock (a directory) while it changes its accounts; remove it and try again\n`);
  assert.equal(registryOf(ccs).providers.claude.accounts['erin@example.com']!.nickname, undefined);
});

test("ccs-tui's own files (account-state.json) are written without waiting for CCS's lock", async () => {
  const release = await lockfile.lock(ccs.paths.cliproxy, {stale: 10_000});
  try {
    const store = new AccountStore(ccs.paths);
    const marked = store.setNeedsLogin('claude', 'erin@example.com', 'revoked');
    const late = new Promise((resolve) => setTimeout(resolve, 5000, 'late'));
    assert.notEqual(await Promise.race([marked, late]), 'late', 'waited for the CCS lock');
    assert.equal((await store.load()).accounts[0]!.health, 'needs-login');
  } finally {
    await release();
  }
});

test('a CCS dir ccs-tui cannot make the lock in (read-only to it, and so to CCS): the change is made as before', async (t) => {
  // Root ignores the mode: the command runs as nobody then.
  const root = process.getuid?.() === 0;
  if (root && spawnSync('setpriv', ['--version']).status !== 0) return t.skip('running as root without setpriv');
  const base = path.dirname(ccs.paths.root);
  if (root) {
    for (const dir of [base, ccs.paths.root, ccs.paths.cliproxy, ccs.paths.authDir]) chownSync(dir, 65534, 65534);
    for (const file of [ccs.paths.registry, path.join(ccs.paths.authDir, 'claude-erin@example.com.json')]) chownSync(file, 65534, 65534);
  }
  chmodSync(ccs.paths.root, 0o500);
  try {
    const args = [binPath, 'rename', 'claude', 'erin@example.com', 'work'];
    const run = root
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args], {env: ccs.env, encoding: 'utf8'})
      : spawnSync(process.execPath, args, {env: ccs.env, encoding: 'utf8'});
    assert.equal(run.status, 0, run.stderr);
    assert.equal(registryOf(ccs).providers.claude.accounts['erin@example.com']!.nickname, 'work');
  } finally {
    chmodSync(ccs.paths.root, 0o700);
  }
});

test('a pause or resume moves the token file in the step that writes the registry: CCS never reads one without the other', {timeout: 120_000}, async () => {
  const stop = path.join(path.dirname(ccs.paths.root), 'stop');
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--test')), peer, ccs.paths.cliproxy, 'watch', stop], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const peerDone = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 8; i++) {
    const run = await runBin([i % 2 === 0 ? 'pause' : 'resume', 'claude', 'erin@example.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
  }
  writeFileSync(stop, '');
  assert.equal(await peerDone, 0, err);
  assert.equal(out, 'seen 0\n', 'CCS read a token file moved that the registry did not say was');
});
