// The first frame from the last TUI's snapshot (store/snapshot-cache.ts): the accounts are read again
// at once after it, and what the files hold replaces it (a token file rewritten in place, which the
// snapshot's stamps do not see). The built binary too: its first start keeps a snapshot as it quits,
// and a second start after such a rewrite ends on what the files say.
import {renderTui, stripAnsi, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {AccountStore, type AccountsSnapshot} from '../../source/store/accounts.js';
import {snapshotCacheFile} from '../../source/store/snapshot-cache.js';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

let tui: TuiHandle | undefined;
afterEach(() => tui?.unmount());

/** `snapshot` with bob's account nicknamed `nickname`: a list the files do not hold. */
function withBobNamed(snapshot: AccountsSnapshot, nickname: string): AccountsSnapshot {
  const accounts = snapshot.accounts.map((a) => (a.id === 'bob@example.com' ? {...a, nickname} : a));
  return {...snapshot, accounts, providers: snapshot.providers.map((p) => ({...p, accounts: accounts.filter((a) => a.provider === p.provider.id)}))};
}

test('a first frame from the snapshot is replaced by what the files hold, read right after it', async () => {
  const ccs = makeUiCcs();
  // What the snapshot says and the files no longer do: bob's row as it was.
  const stale = withBobNamed(await new AccountStore(ccs.paths).load(), 'stale-name');
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, initialAccounts: {snapshot: stale, fromCache: true}});
  const frame = await tui.waitFor((f) => f.includes('bob@example.com') && !f.includes('stale-name'), 5000);
  assert.match(frame, /work\s+alice@example\.com/);
  ccs.cleanup();
});

test('a first frame read from the files is not read again at once (only a snapshot is)', async () => {
  const ccs = makeUiCcs();
  const marked = withBobNamed(await new AccountStore(ccs.paths).load(), 'as-read');
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30, initialAccounts: {snapshot: marked, fromCache: false}});
  await tui.waitFor('as-read', 5000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.match(tui.frame(), /as-read/, 'no second read replaced it');
  ccs.cleanup();
});

const skip = binInTmuxSkipReason();
const startBin = binInTmux();

test('the binary keeps a snapshot as it quits; after a token file is rewritten in place, the next start ends on the file', {skip}, async () => {
  const ccs = makeUiCcs();
  const first = startBin(ccs);
  await first.waitFor(/work\s+alice@example\.com/);
  first.keys(['q']);
  assert.equal(await first.waitForExit(), 0);
  // Only the last session started is killed after the test.
  first.kill();
  assert.ok(existsSync(snapshotCacheFile(ccs.paths)), 'kept for the next start');
  // Rewritten in place (same inode, the dir untouched): the snapshot's stamps still match.
  writeFileSync(path.join(ccs.paths.authDir, 'claude-bob@example.com.json'), '{"type": ');
  assert.ok(new AccountStore(ccs.paths).cachedSnapshot(), 'the next first frame comes from the snapshot');
  const second = startBin(ccs);
  const screen = await second.waitFor(/claude-bob@example\.com\.json/);
  assert.match(screen, /invalid JSON|unreadable/);
  second.keys(['q']);
  assert.equal(await second.waitForExit(), 0);
  // That start read a problem: no snapshot is kept (its words may quote a file).
  assert.equal(existsSync(snapshotCacheFile(ccs.paths)), false);
});

/**
 * The built binary on a pty (`script`, 120×40), every byte it writes kept: a first frame that is
 * replaced a moment later is still in what was written. Quits with q once `until` holds.
 */
async function runOnPty(env: NodeJS.ProcessEnv, until: (written: string) => boolean): Promise<string> {
  const {spawn} = await import('node:child_process');
  const {binPath} = await import('../helpers/cli.js');
  const child = spawn('script', ['-q', '-e', '-c', `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(binPath)}`, '/dev/null'], {env: {...env, TERM: 'xterm-256color'}, stdio: ['pipe', 'pipe', 'pipe']});
  let written = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    // Timed out: the binary is stopped, or the test file would wait for it forever.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; written:\n${stripAnsi(written).slice(-2000)}`));
    }, 15_000);
    child.stdout.on('data', (data: Buffer) => {
      written += data.toString('utf8');
      if (until(written)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdin.write('q');
  assert.equal(await exited, 0);
  return written;
}

const hasScript = (await import('node:child_process')).spawnSync('script', ['--version'], {stdio: 'ignore'}).status === 0;

test('the binary draws its first frame from the snapshot, then what the files hold', {skip: skip || (!hasScript && 'no `script` (util-linux) to give the binary a pty')}, async () => {
  const ccs = makeUiCcs();
  try {
    await runOnPty(ccs.env, (written) => /work\s+alice@example\.com/.test(written));
    const file = snapshotCacheFile(ccs.paths);
    // The kept list with a nickname the files never had; its stamps still hold.
    const [header, list] = readFileSync(file, 'utf8').split('\n');
    const marked = JSON.parse(list!) as {accounts: Record<string, unknown>[]};
    marked.accounts = marked.accounts.map((a) => (a.id === 'bob@example.com' ? {...a, nickname: 'from-the-snapshot'} : a));
    writeFileSync(file, `${header}\n${JSON.stringify(marked)}\n`);
    const redrawn = (text: string) => stripAnsi(text.slice(text.lastIndexOf('from-the-snapshot'))).split(/\r?\n/).slice(1).some((row) => row.includes('bob@example.com'));
    const written = await runOnPty(ccs.env, (text) => text.includes('from-the-snapshot') && redrawn(text));
    // Drawn first from the snapshot, then again once the files were read (bob has no nickname there):
    // after the marker's own row, a row of bob's without it.
    const rows = stripAnsi(written.slice(written.lastIndexOf('from-the-snapshot'))).split(/\r?\n/).slice(1);
    assert.ok(rows.some((row) => row.includes('bob@example.com')), 'redrawn from the files');
  } finally {
    ccs.cleanup();
  }
});
