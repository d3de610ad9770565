// `ccs-tui remove` deletes a token file, and with it the grant it holds: it asks first, as the TUI's
// `d` does (gh's convention: y/N on a terminal, --yes for a script, and without a terminal and
// without --yes a refusal naming --yes). It used to delete without asking.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

let cleanups: Array<() => unknown> = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

function withAccount(): {ccs: TempCcs; tokenFile: string} {
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com'));
  ccs.writeRegistry({version: 1, providers: {claude: {default: 'alice@example.com', accounts: {'alice@example.com': {email: 'alice@example.com', nickname: 'work', tokenFile: 'claude-alice@example.com.json'}}}}});
  return {ccs, tokenFile: path.join(ccs.paths.authDir, 'claude-alice@example.com.json')};
}

test('without a terminal and without --yes: refused (exit 2), naming the account, what it deletes and --yes; nothing deleted', async () => {
  const {ccs, tokenFile} = withAccount();
  const run = await runBin(['remove', 'claude', 'work'], ccs.env);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    'ccs-tui: remove deletes claude account work, its token file and the grant it holds (only a new login gets it back), so it asks first, and stdin is not a terminal to answer: pass --yes to remove it (ccs-tui remove claude work --yes)\n',
  );
  assert.ok(existsSync(tokenFile));
});

test('--yes removes it without asking', async () => {
  const {ccs, tokenFile} = withAccount();
  const run = await runBin(['remove', 'claude', 'work', '--yes'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'claude: removed work; no usable account is left to be the default\n');
  assert.ok(!existsSync(tokenFile));
});

test('--yes takes its quota out of the quota cache too: the file names no removed account; the others keep theirs', async () => {
  const {ccs} = withAccount();
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com'));
  const now = Date.now();
  writeQuotaCache(ccs, new Date(now), {claude: {'alice@example.com': [quotaWindowFixture(now, '5h', 40, 3600_000, 18_000)], 'bob@example.com': [quotaWindowFixture(now, '5h', 10, 3600_000, 18_000)]}, codex: {'carol@example.com': []}});
  const run = await runBin(['remove', 'claude', 'work', '--yes'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  const cache = readFileSync(quotaCacheFile(ccs.paths), 'utf8');
  assert.doesNotMatch(cache, /alice/);
  assert.deepEqual(Object.keys(JSON.parse(cache).accounts.claude), ['bob@example.com']);
  assert.deepEqual(Object.keys(JSON.parse(cache).accounts.codex), ['carol@example.com']);
  // The last of a provider's: the provider's entry goes too; a second remove finds nothing to take.
  assert.equal((await runBin(['remove', 'claude', 'bob@example.com', '--yes'], ccs.env)).code, 0);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(quotaCacheFile(ccs.paths), 'utf8')).accounts), ['codex']);
});

test('--help names --yes', async () => {
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  const run = await runBin(['remove', '--help'], ccs.env);
  assert.match(run.stdout, /usage: ccs-tui remove <provider> <account> \[--yes\] \[--force\]\n {2}remove the account and its token file \(asks first; --yes: without asking, as a script must\)/);
});

/** `remove claude work` in tmux; `answer`: the keys typed at the question. Returns the screen after, and the exit status. */
async function askedInTmux(ccs: TempCcs, answer: string[]): Promise<{screen: string; code: number}> {
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
  const term = startTmux(['sh', '-c', `trap true INT; "$0" "$1" remove claude work; echo "remove-exit=$?"`, process.execPath, binPath], {width: 160, height: 20, env});
  cleanups.push(() => term.kill());
  const question = await term.waitFor(/\[y\/N\]/);
  assert.match(question, /Remove claude account work\? This deletes its token file and the grant it holds \(only a new login gets it back\)\. \[y\/N\]/);
  term.keys(answer);
  const screen = await term.waitFor(/remove-exit=\d+/);
  return {screen, code: Number(/remove-exit=(\d+)/.exec(screen)![1])};
}

test('tmux: on a terminal it asks y/N: Enter keeps it (exit 1), y removes it', {skip: binInTmuxSkipReason()}, async () => {
  const {ccs, tokenFile} = withAccount();
  const kept = await askedInTmux(ccs, ['Enter']);
  assert.equal(kept.code, 1);
  assert.match(kept.screen, /ccs-tui: kept work: not removed \(answer y to remove it, or pass --yes\)/);
  assert.ok(existsSync(tokenFile));
  const removed = await askedInTmux(ccs, ['y', 'Enter']);
  assert.equal(removed.code, 0, removed.screen);
  assert.match(removed.screen, /claude: removed work; no usable account is left to be the default/);
  assert.ok(!existsSync(tokenFile));
});

test('tmux: Ctrl-C at the question cancels at once (exit 130), nothing removed', {skip: binInTmuxSkipReason()}, async () => {
  const {ccs, tokenFile} = withAccount();
  const cancelled = await askedInTmux(ccs, ['C-c']);
  assert.equal(cancelled.code, 130);
  assert.match(cancelled.screen, /ccs-tui: remove cancelled; nothing was removed/);
  assert.ok(existsSync(tokenFile));
});
