// AccountStore.loadChanged: after the watch heard some files change, the accounts are what a full
// load() would say, reading only the changed token files when each is one known account's (a refresh
// during a 1,000-account poll), and everything otherwise (issue 14).
import assert from 'node:assert/strict';
import {chmodSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {onTokenFileRead} from '../../source/store/tokens.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

/** Two registered Claude accounts (a default), one unregistered Codex file, one paused Gemini account. */
function setUp(): TempCcs {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com'));
  ccs.writeToken('claude-b@example.com.json', tokenFixture('claude', 'b@example.com'));
  ccs.writeToken('codex-c@example.com.json', tokenFixture('codex', 'c@example.com'));
  ccs.writeToken('gemini-d@example.com.json', tokenFixture('gemini', 'd@example.com'), 'auth-paused');
  ccs.writeRegistry({
    version: 1,
    providers: {
      claude: {
        default: 'a@example.com',
        accounts: {
          'a@example.com': {email: 'a@example.com', nickname: 'work', tokenFile: 'claude-a@example.com.json', createdAt: '2026-01-01T00:00:00.000Z'},
          'b@example.com': {email: 'b@example.com', tokenFile: 'claude-b@example.com.json', createdAt: '2026-01-01T00:00:00.000Z'},
        },
      },
      gemini: {accounts: {'d@example.com': {email: 'd@example.com', tokenFile: 'gemini-d@example.com.json', paused: true, createdAt: '2026-01-01T00:00:00.000Z'}}},
    },
  });
  return ccs;
}

const auth = (ccs: TempCcs, name: string) => path.join(ccs.paths.authDir, name);

/** loadChanged after `change` equals a fresh store's full load; returns it with the token files it read. */
async function afterChange(ccs: TempCcs, change: () => string[]) {
  const store = new AccountStore(ccs.paths);
  const before = await store.load();
  const changed = new Set(change());
  const reads: string[] = [];
  const stop = onTokenFileRead((file) => reads.push(path.basename(file)));
  let after;
  try {
    after = await store.loadChanged(before, changed);
  } finally {
    stop();
  }
  assert.deepEqual(JSON.parse(JSON.stringify(after)), JSON.parse(JSON.stringify(await new AccountStore(ccs.paths).load())), 'the same accounts and problems as a full read');
  return {before, after, reads};
}

test('a refreshed token file: only it is read, its account replaced, every other object kept', async () => {
  const ccs = setUp();
  try {
    for (const [name, provider] of [['claude-b@example.com.json', 'claude'], ['codex-c@example.com.json', 'codex']] as const) {
      const {before, after, reads} = await afterChange(ccs, () => {
        ccs.writeToken(name, tokenFixture(provider, name.slice(provider.length + 1, -5), {expired: '2031-02-03T04:05:06.000Z', access_token: 'at-new-0123456789abcdef'}));
        return [auth(ccs, name)];
      });
      assert.deepEqual(reads, [name], 'only the changed file is read');
      const changed = after.accounts.find((a) => a.tokenFile === name)!;
      assert.equal(changed.expiresAt, '2031-02-03T04:05:06.000Z');
      for (const account of after.accounts) if (account !== changed) assert.ok(before.accounts.includes(account), `${account.id} is the same object`);
      const untouched = after.providers.filter((p) => p.provider.id !== provider);
      for (const entry of untouched) assert.ok(before.providers.includes(entry), `${entry.provider.id}'s list is the same object`);
    }
    // The paused account's file, where it is.
    const {after, reads} = await afterChange(ccs, () => [ccs.writeToken('gemini-d@example.com.json', tokenFixture('gemini', 'd@example.com', {expired: '2032-01-01T00:00:00.000Z'}), 'auth-paused')]);
    assert.deepEqual(reads, ['gemini-d@example.com.json']);
    assert.equal(after.accounts.find((a) => a.provider === 'gemini')!.expiresAt, '2032-01-01T00:00:00.000Z');
  } finally {
    ccs.cleanup();
  }
});

test('anything but a known account rewritten in place reads everything, as a full load would', async () => {
  const cases: Array<[string, (ccs: TempCcs) => string[], (after: Awaited<ReturnType<typeof afterChange>>['after']) => void]> = [
    [
      'the registry (a nickname)',
      (ccs) => {
        const registry = JSON.parse(JSON.stringify({version: 1, providers: {claude: {default: 'b@example.com', accounts: {'a@example.com': {email: 'a@example.com', nickname: 'home', tokenFile: 'claude-a@example.com.json'}, 'b@example.com': {email: 'b@example.com', tokenFile: 'claude-b@example.com.json'}}}}}));
        ccs.writeRegistry(registry);
        return [ccs.paths.registry];
      },
      (after) => assert.equal(after.accounts.find((a) => a.id === 'a@example.com')!.nickname, 'home'),
    ],
    ['a new token file', (ccs) => [ccs.writeToken('kimi-e@example.com.json', tokenFixture('kimi', 'e@example.com'))], (after) => assert.ok(after.accounts.some((a) => a.provider === 'kimi'))],
    [
      'a removed token file',
      (ccs) => {
        rmSync(auth(ccs, 'codex-c@example.com.json'));
        return [auth(ccs, 'codex-c@example.com.json')];
      },
      (after) => assert.ok(!after.accounts.some((a) => a.provider === 'codex')),
    ],
    [
      'a file moved to auth-paused/ (pause by another tool)',
      (ccs) => {
        const to = path.join(ccs.paths.pausedDir, 'claude-b@example.com.json');
        renameSync(auth(ccs, 'claude-b@example.com.json'), to);
        return [to];
      },
      (after) => assert.equal(after.accounts.find((a) => a.id === 'b@example.com')!.paused, true),
    ],
    ['a broken file', (ccs) => [ccs.writeRaw('cliproxy/auth/claude-b@example.com.json', '{"type": "claude",')], (after) => assert.ok(after.problems.some((p) => p.file.endsWith('claude-b@example.com.json')))],
    [
      'a file others can read',
      (ccs) => {
        chmodSync(auth(ccs, 'claude-a@example.com.json'), 0o644);
        return [auth(ccs, 'claude-a@example.com.json')];
      },
      (after) => assert.match(after.problems.map((p) => p.message).join('\n'), /holds secrets/),
    ],
    [
      "an unregistered file's email (its id follows the email)",
      (ccs) => [ccs.writeToken('codex-c@example.com.json', tokenFixture('codex', 'other@example.com'))],
      (after) => assert.ok(after.accounts.some((a) => a.provider === 'codex' && a.email === 'other@example.com')),
    ],
    [
      'the account state (a needs-login mark)',
      (ccs) => {
        ccs.writeRaw('tui/account-state.json', JSON.stringify({'claude/b@example.com': {needsLogin: {reason: 'revoked', at: '2026-01-01T00:00:00.000Z'}}}));
        return [ccs.paths.accountState];
      },
      (after) => assert.equal(after.accounts.find((a) => a.id === 'b@example.com')!.health, 'needs-login'),
    ],
    ['a file outside the token dirs', (ccs) => [path.join(ccs.paths.root, 'elsewhere.json')], () => undefined],
  ];
  for (const [what, change, check] of cases) {
    const ccs = setUp();
    try {
      const {after, reads} = await afterChange(ccs, () => change(ccs));
      assert.ok(reads.length >= 3 || what === 'a broken file', `${what}: every file read (${reads.join(', ')})`);
      check(after);
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message}`, {cause: error});
    } finally {
      ccs.cleanup();
    }
  }
});
