import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {describeUserError} from '../../source/store/errors.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

/** A registry in the exact CCS shape, with fields ccs-tui does not know at every level. */
function ccsRegistry() {
  return {
    version: 1,
    futureTopLevel: {keep: true},
    providers: {
      claude: {
        default: 'work@example.com',
        rotationHint: 'ccs-owned',
        accounts: {
          'work@example.com': {
            email: 'work@example.com',
            nickname: 'work',
            tokenFile: 'claude-work@example.com.json',
            createdAt: '2026-01-01T00:00:00.000Z',
            lastUsedAt: '2026-01-02T00:00:00.000Z',
            tier: 'max',
            ccsSecretSauce: 42,
          },
          'home@example.com': {
            email: 'home@example.com',
            nickname: 'home',
            tokenFile: 'claude-home@example.com.json',
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        },
      },
    },
  };
}

describe('AccountStore on CCS and CLIProxyAPI files', () => {
  let ccs: TempCcs;
  let store: AccountStore;

  beforeEach(() => {
    ccs = makeTempCcs();
    store = new AccountStore(ccs.paths);
    ccs.writeRegistry(ccsRegistry());
    ccs.writeToken('claude-work@example.com.json', tokenFixture('claude', 'work@example.com', {organization_uuid: 'org-a', cliproxyExtra: 'x'}));
    ccs.writeToken('claude-home@example.com.json', tokenFixture('claude', 'home@example.com'));
  });
  afterEach(() => ccs.cleanup());

  test('lists registered accounts with default, nickname and expiry', async () => {
    const snapshot = await store.load();
    const claude = snapshot.accounts.filter((a) => a.provider === 'claude');
    assert.deepEqual(
      claude.map((a) => [a.id, a.nickname, a.default, a.paused, a.health]),
      [
        ['work@example.com', 'work', true, false, 'ok'],
        ['home@example.com', 'home', false, false, 'ok'],
      ],
    );
    assert.ok(claude[0]!.expiresAt);
  });

  test('every provider appears even with no accounts, so one can be added', async () => {
    const snapshot = await store.load();
    const ids = snapshot.providers.map((p) => p.provider.id);
    for (const id of ['claude', 'codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi', 'xai', 'copilot']) {
      assert.ok(ids.includes(id), `${id} missing`);
    }
    assert.equal(snapshot.providers.find((p) => p.provider.id === 'kimi')!.accounts.length, 0);
  });

  test('token files nobody registered appear as accounts of their type and register on first edit', async () => {
    ccs.writeToken('github-copilot-octo.json', tokenFixture('github-copilot', 'octo@example.com'));
    let snapshot = await store.load();
    const copilot = snapshot.accounts.find((a) => a.provider === 'copilot')!;
    assert.equal(copilot.registered, false);
    assert.equal(copilot.id, 'octo@example.com');
    assert.equal(copilot.default, true, 'the only account is the effective default');

    await store.rename('copilot', 'octo@example.com', 'octo');
    const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(registry.providers.copilot.accounts['octo@example.com'].tokenFile, 'github-copilot-octo.json');
    assert.equal(registry.providers.copilot.accounts['octo@example.com'].nickname, 'octo');
    snapshot = await store.load();
    assert.equal(snapshot.accounts.find((a) => a.provider === 'copilot')!.registered, true);
  });

  test('unknown fields survive every rewrite of the registry and token files', async () => {
    await store.setDefault('claude', 'home');
    await store.rename('claude', 'work', 'office');
    await store.setPaused('claude', 'office', true);
    await store.setPaused('claude', 'office', false);
    await store.updateToken('claude', 'office', (t) => ({...t, access_token: 'new-access-token-0123456789'}));
    const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.deepEqual(registry.futureTopLevel, {keep: true});
    assert.equal(registry.providers.claude.rotationHint, 'ccs-owned');
    assert.equal(registry.providers.claude.accounts['work@example.com'].ccsSecretSauce, 42);
    assert.equal(registry.providers.claude.accounts['work@example.com'].tier, 'max');
    assert.equal(registry.providers.claude.default, 'home@example.com');
    const token = JSON.parse(readFileSync(path.join(ccs.paths.authDir, 'claude-work@example.com.json'), 'utf8'));
    assert.equal(token.cliproxyExtra, 'x');
    assert.equal(token.organization_uuid, 'org-a');
    assert.equal(token.access_token, 'new-access-token-0123456789');
  });

  test('pausing moves the token file to auth-paused/ and back', async () => {
    await store.setPaused('claude', 'home', true);
    assert.ok(existsSync(path.join(ccs.paths.pausedDir, 'claude-home@example.com.json')));
    assert.ok(!existsSync(path.join(ccs.paths.authDir, 'claude-home@example.com.json')));
    let account = (await store.load()).accounts.find((a) => a.id === 'home@example.com')!;
    assert.equal(account.paused, true);
    const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(registry.providers.claude.accounts['home@example.com'].paused, true);
    assert.ok(registry.providers.claude.accounts['home@example.com'].pausedAt);

    await store.setPaused('claude', 'home', false);
    assert.ok(existsSync(path.join(ccs.paths.authDir, 'claude-home@example.com.json')));
    account = (await store.load()).accounts.find((a) => a.id === 'home@example.com')!;
    assert.equal(account.paused, false);
  });

  test('pausing the default moves the default to the next usable account; pausing the last leaves none', async () => {
    const registry = () => JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    const paused = await store.setPaused('claude', 'work', true);
    assert.equal(paused.defaultMovedTo?.id, 'home@example.com');
    assert.equal(registry().providers.claude.default, 'home@example.com');
    const last = await store.setPaused('claude', 'home', true);
    assert.equal(last.defaultMovedTo, null, 'no usable account left');
    assert.equal(registry().providers.claude.default, undefined);
    // Pausing an account that is not the default leaves the default alone.
    await store.setPaused('claude', 'home', false);
    await store.setDefault('claude', 'home');
    await store.setPaused('claude', 'work', false);
    assert.equal((await store.setPaused('claude', 'work', true)).defaultMovedTo, undefined);
    assert.equal(registry().providers.claude.default, 'home@example.com');
  });

  test('a paused account cannot be made the default, unless resumed in the same step', async () => {
    await store.setPaused('claude', 'home', true);
    await assert.rejects(store.setDefault('claude', 'home'), /claude account home is paused, so it cannot be the default: resume it first \(ccs-tui resume claude home\)/);
    assert.ok(existsSync(path.join(ccs.paths.pausedDir, 'claude-home@example.com.json')), 'nothing changed');
    const account = await store.setDefault('claude', 'home', {resume: true});
    assert.equal(account.paused, false);
    assert.ok(existsSync(path.join(ccs.paths.authDir, 'claude-home@example.com.json')));
    const home = (await store.load()).accounts.find((a) => a.id === 'home@example.com')!;
    assert.deepEqual([home.default, home.paused], [true, false]);
  });

  test('a file left in auth-paused/ by a crash still counts as paused, whatever the registry says', async () => {
    ccs.writeToken('claude-home@example.com.json', tokenFixture('claude', 'home@example.com'), 'auth-paused');
    readdirSync(ccs.paths.authDir); // both copies exist: auth/ wins
    let account = (await store.load()).accounts.find((a) => a.id === 'home@example.com')!;
    assert.equal(account.paused, false);
    (await import('node:fs')).rmSync(path.join(ccs.paths.authDir, 'claude-home@example.com.json'));
    account = (await store.load()).accounts.find((a) => a.id === 'home@example.com')!;
    assert.equal(account.paused, true);
    assert.equal(account.health, 'ok');
  });

  test('rotate moves the default to the next usable account, skipping paused ones', async () => {
    ccs.writeToken('claude-third@example.com.json', tokenFixture('claude', 'third@example.com'));
    await store.setPaused('claude', 'home', true);
    const {from, to} = await store.rotate('claude');
    assert.equal(from!.id, 'work@example.com');
    assert.equal(to.id, 'third@example.com');
    await assert.rejects(store.rotate('kimi'), /kimi has no accounts/);
  });

  test('remove asks nothing of the store but deletes file and entry, and moves the default on', async () => {
    await store.remove('claude', 'work');
    assert.ok(!existsSync(path.join(ccs.paths.authDir, 'claude-work@example.com.json')));
    const snapshot = await store.load();
    const claude = snapshot.accounts.filter((a) => a.provider === 'claude');
    assert.deepEqual(claude.map((a) => a.id), ['home@example.com']);
    assert.equal(claude[0]!.default, true);
    const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(registry.providers.claude.default, 'home@example.com');
  });

  test('lookup by nickname, email or id; clear errors otherwise', async () => {
    await store.setDefault('claude', 'HOME');
    await store.setDefault('claude', 'work@example.com');
    await assert.rejects(store.setDefault('claude', 'nobody'), /no claude account "nobody" \(accounts: work, home\)/);
    await assert.rejects(store.rename('claude', 'home', 'work'), /nickname "work" is already used by work@example.com/);
    await assert.rejects(store.rename('claude', 'home', '   '), /cannot be empty/);
  });

  test('same email in two organisations is two accounts', async () => {
    const first = await store.saveLogin({provider: 'claude', token: tokenFixture('claude', 'dup@example.com', {organization_uuid: 'org-one-1111'}) as never});
    const second = await store.saveLogin({provider: 'claude', token: tokenFixture('claude', 'dup@example.com', {organization_uuid: 'org-two-2222'}) as never});
    assert.notEqual(first.tokenFile, second.tokenFile);
    assert.notEqual(first.id, second.id);
    const again = await store.saveLogin({
      provider: 'claude',
      token: tokenFixture('claude', 'dup@example.com', {organization_uuid: 'org-one-1111', access_token: 'updated-access-0123456789'}) as never,
    });
    assert.equal(again.tokenFile, first.tokenFile, 'logging in again updates in place');
    const dups = (await store.load()).accounts.filter((a) => a.email === 'dup@example.com');
    assert.equal(dups.length, 2);
  });

  test('the first login of a provider becomes its default', async () => {
    const account = await store.saveLogin({provider: 'kimi', token: tokenFixture('kimi', 'k@example.com') as never, nickname: 'kim'});
    assert.equal(account.default, true);
    const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
    assert.equal(registry.providers.kimi.default, account.id);
    assert.equal(registry.providers.kimi.accounts[account.id].nickname, 'kim');
  });

  test('dirs are 0700 and files 0600 after writes', async () => {
    await store.saveLogin({provider: 'kimi', token: tokenFixture('kimi', 'k@example.com') as never});
    await store.setPaused('claude', 'home', true);
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(ccs.paths.cliproxy), 0o700);
    assert.equal(mode(ccs.paths.authDir), 0o700);
    assert.equal(mode(ccs.paths.pausedDir), 0o700);
    assert.equal(mode(ccs.paths.registry), 0o600);
    for (const name of readdirSync(ccs.paths.authDir)) assert.equal(mode(path.join(ccs.paths.authDir, name)), 0o600, name);
  });

  test('needs-login is shown until the next login', async () => {
    await store.setNeedsLogin('claude', 'work', 'refresh token revoked (invalid_grant)');
    let account = (await store.load()).accounts.find((a) => a.id === 'work@example.com')!;
    assert.equal(account.health, 'needs-login');
    assert.match(account.healthDetail!, /invalid_grant/);
    await store.saveLogin({provider: 'claude', token: tokenFixture('claude', 'work@example.com', {organization_uuid: 'org-a'}) as never});
    account = (await store.load()).accounts.find((a) => a.id === 'work@example.com')!;
    assert.equal(account.health, 'ok');
  });

  test('refresh-unknown is shown while the token file holds the refresh token whose refresh got no answer', async () => {
    const before = await store.readToken((await store.load()).accounts.find((a) => a.id === 'work@example.com')!);
    await store.setRefreshUnknown('claude', 'work', 'timed out after 120 s', before!.refresh_token!);
    let account = (await store.load()).accounts.find((a) => a.id === 'work@example.com')!;
    assert.equal(account.health, 'refresh-unknown');
    assert.match(account.healthDetail!, /timed out/);
    assert.ok(!readFileSync(ccs.paths.accountState, 'utf8').includes(before!.refresh_token!), 'only a fingerprint is kept');
    // Another tool refreshed (a new refresh token in the file): the mark no longer applies.
    await store.updateToken('claude', 'work', (t) => ({...t, refresh_token: 'rt-from-elsewhere-0123456789'}));
    account = (await store.load()).accounts.find((a) => a.id === 'work@example.com')!;
    assert.equal(account.health, 'ok');
  });
});

describe('AccountStore with broken files', () => {
  let ccs: TempCcs;
  let store: AccountStore;
  beforeEach(() => {
    ccs = makeTempCcs();
    store = new AccountStore(ccs.paths);
  });
  afterEach(() => ccs.cleanup());

  test('a corrupt registry is kept as a backup and rebuilt from the token files', async () => {
    const broken = '{"version": 1, "providers": {"claude": {\n  "default": "a@example.com",\n  oops\n}}';
    ccs.writeRaw('cliproxy/accounts.json', broken);
    ccs.writeToken('claude-a@example.com.json', tokenFixture('claude', 'a@example.com'));
    const snapshot = await store.load();
    assert.equal(snapshot.registryRebuilt, true);
    assert.equal(snapshot.problems.length, 1);
    const problem = snapshot.problems[0]!;
    assert.match(problem.message, /accounts\.json:3:\d+: invalid JSON/);
    assert.equal(readFileSync(problem.backup!, 'utf8'), broken, 'backup is byte for byte the original');
    assert.equal(readFileSync(ccs.paths.registry, 'utf8'), broken, 'reading never overwrites the original');
    assert.deepEqual(snapshot.accounts.map((a) => a.id), ['a@example.com']);
    // an edit refuses until told, naming the fault and the backup; nothing is written
    await assert.rejects(store.rename('claude', 'a@example.com', 'alpha'), (error: Error) => {
      assert.match(error.message, /accounts\.json:3:\d+: invalid JSON/);
      assert.ok(error.message.includes(problem.backup!), error.message);
      assert.match(describeUserError(error, 'cli')!.text, /Nothing was changed\..*\(to rebuild the account list from the token files, run the command again with --force; /s);
      // The TUI has no --force: it says what a person can do there.
      const tui = describeUserError(error, 'tui')!.text;
      assert.match(tui, /Nothing was changed\..*\(fix the file, or remove it to have the account list rebuilt from the token files; /s);
      assert.doesNotMatch(tui, /--force|run the command/);
      return true;
    });
    assert.equal(readFileSync(ccs.paths.registry, 'utf8'), broken, 'a refused edit leaves the file alone');
    // told to go on (--force), the edit writes the rebuilt registry; the backup stays
    store.rebuildCorruptRegistry = true;
    await store.rename('claude', 'a@example.com', 'alpha');
    assert.equal(JSON.parse(readFileSync(ccs.paths.registry, 'utf8')).providers.claude.accounts['a@example.com'].nickname, 'alpha');
    assert.equal(readFileSync(problem.backup!, 'utf8'), broken);
  });

  test('a registry with the wrong shape names the field', async () => {
    ccs.writeRegistry({version: 1, providers: {claude: {accounts: {'x@example.com': {email: 'x@example.com'}}}}});
    const snapshot = await store.load();
    assert.match(snapshot.problems[0]!.message, /providers\.claude\.accounts\.x@example\.com\.tokenFile/);
  });

  test('a corrupt token file is reported, shown as unreadable, and never rewritten', async () => {
    ccs.writeRegistry({version: 1, providers: {claude: {default: 'b@example.com', accounts: {'b@example.com': {email: 'b@example.com', tokenFile: 'claude-b.json'}}}}});
    const file = ccs.writeRaw('cliproxy/auth/claude-b.json', '{"type": "claude",\n "access_token": ');
    ccs.writeRaw('cliproxy/auth/stray.json', 'not json at all');
    const snapshot = await store.load();
    const account = snapshot.accounts.find((a) => a.id === 'b@example.com')!;
    assert.equal(account.health, 'unreadable');
    assert.match(account.healthDetail!, /claude-b\.json:2:\d+/);
    // What the banner says: the file, where, and what it means for the account.
    const stray = snapshot.problems.find((p) => p.file.endsWith('stray.json'))!;
    assert.match(stray.message, /stray\.json:1:\d+: invalid JSON \(.*\); its account is ignored until it is fixed$/);
    const registered = snapshot.problems.find((p) => p.file.endsWith('claude-b.json'))!;
    assert.match(registered.message, /claude-b\.json:2:\d+: invalid JSON \(.*\); claude account b@example\.com cannot serve until it is fixed$/);
    await assert.rejects(store.updateToken('claude', 'b@example.com', (t) => t), /not rewriting it/);
    assert.equal(readFileSync(file, 'utf8'), '{"type": "claude",\n "access_token": ');
  });

  test('a corrupt token file of an account with a nickname: the banner names it by its nickname, with its id', async () => {
    ccs.writeRegistry({version: 1, providers: {kimi: {accounts: {'key-0123456789ab': {tokenFile: 'kimi-key-0123456789ab.json', nickname: 'work\u001b[31m'}}}}});
    ccs.writeRaw('cliproxy/auth/kimi-key-0123456789ab.json', '{"type": "kimi", ');
    const snapshot = await store.load();
    const problem = snapshot.problems.find((p) => p.file.endsWith('kimi-key-0123456789ab.json'))!;
    assert.match(problem.message, /; kimi account work\S* \(key-0123456789ab\) cannot serve until it is fixed$/);
    assert.doesNotMatch(problem.message, /\u001b/);
  });

  test('a token file without a type names the field', async () => {
    ccs.writeRaw('cliproxy/auth/notype.json', '{"access_token": "x"}');
    const snapshot = await store.load();
    assert.ok(snapshot.problems.some((p) => /field "type"/.test(p.message)));
  });

  test('an empty CCS dir lists no accounts and writes nothing', async () => {
    const empty = makeTempCcs();
    try {
      const snapshot = await new AccountStore(empty.paths).load();
      assert.equal(snapshot.accounts.length, 0);
      assert.equal(snapshot.problems.length, 0);
      assert.ok(!existsSync(empty.paths.registry));
    } finally {
      empty.cleanup();
    }
  });
});

describe('AccountStore.loadAccount', () => {
  test('finds one account like load() does, by id, nickname or email, registered or not', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRegistry({version: 1, providers: {claude: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', nickname: 'alpha', tokenFile: 'claude-a.json'}}}}});
      ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: '2031-01-01T00:00:00Z'}));
      ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
      const store = new AccountStore(ccs.paths);
      const all = (await store.load()).accounts;
      for (const ref of ['a@example.com', 'alpha', 'b@example.com']) {
        const one = await store.loadAccount('claude', ref);
        const same = all.find((a) => a.id === one.id)!;
        assert.deepEqual({...one, default: same.default}, same, ref);
      }
      assert.equal((await store.loadAccount('claude', 'a@example.com')).expiresAt, '2031-01-01T00:00:00Z');
      await assert.rejects(store.loadAccount('claude', 'nobody'), /no claude account "nobody"/);
    } finally {
      ccs.cleanup();
    }
  });
});
