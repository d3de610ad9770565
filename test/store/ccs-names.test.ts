// Accounts as CCS names them (issue 10): CCS's registry keys, ids from file names, `email#suffix`
// ids for shared emails, ambiguous references refused, token types matched loosely, and a nested
// Gemini file that has expired.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {findAccount} from '../../source/core/accounts.js';
import {fetchAccountQuota} from '../../source/services/quota/service.js';
import {AccountStore} from '../../source/store/accounts.js';
import {describeUserError} from '../../source/store/errors.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {startFakeTokenServer, startFakeUpstream, sendJson} from '../helpers/fake-upstreams.js';

let ccs: TempCcs;
let store: AccountStore;
beforeEach(() => {
  ccs = makeTempCcs();
  store = new AccountStore(ccs.paths);
});
afterEach(() => ccs.cleanup());

const registry = () => JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
const idsOf = async (provider: string) => (await store.load()).accounts.filter((a) => a.provider === provider).map((a) => a.id).sort();

describe("CCS's registry keys", () => {
  test('providers.agy is antigravity and providers.ghcp is copilot; edits are written back under the same key', async () => {
    ccs.writeRegistry({
      version: 1,
      providers: {
        agy: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', tokenFile: 'antigravity-a@example.com.json'}, 'b@example.com': {email: 'b@example.com', tokenFile: 'antigravity-b@example.com.json'}}},
        ghcp: {accounts: {octo: {tokenFile: 'github-copilot-octo.json', nickname: 'gh'}}},
      },
    });
    ccs.writeToken('antigravity-a@example.com.json', tokenFixture('antigravity', 'a@example.com'));
    ccs.writeToken('antigravity-b@example.com.json', tokenFixture('antigravity', 'b@example.com'));
    ccs.writeToken('github-copilot-octo.json', tokenFixture('github-copilot', ''));
    const snapshot = await store.load();
    const names = snapshot.providers.map((p) => p.provider.id);
    assert.ok(!names.includes('agy') && !names.includes('ghcp'), `no unknown providers: ${names.join(', ')}`);
    assert.deepEqual(await idsOf('antigravity'), ['a@example.com', 'b@example.com']);
    assert.equal(snapshot.accounts.find((a) => a.default && a.provider === 'antigravity')?.id, 'a@example.com');
    assert.deepEqual(await idsOf('copilot'), ['octo']);

    const run = await runBin(['use', 'antigravity', 'b@example.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    // CCS's own names for the providers work on the command line too.
    const viaCcsName = await runBin(['pause', 'ghcp', 'gh'], ccs.env);
    assert.equal(viaCcsName.code, 0, viaCcsName.stderr);
    assert.match(viaCcsName.stdout, /copilot: paused gh/);
    assert.equal((await runBin(['resume', 'GHCP', 'gh'], ccs.env)).code, 0);
    await store.rename('copilot', 'gh', 'hub');
    const written = registry();
    assert.equal(written.providers.agy.default, 'b@example.com', 'the default is written where CCS reads it');
    assert.equal(written.providers.antigravity, undefined, 'no second spelling added');
    assert.equal(written.providers.ghcp.accounts.octo.nickname, 'hub');
    assert.equal(written.providers.copilot, undefined);
  });

  test('an account under both spellings is one account; removing it clears both', async () => {
    ccs.writeRegistry({
      version: 1,
      providers: {
        antigravity: {accounts: {'a@example.com': {email: 'a@example.com', tokenFile: 'antigravity-a@example.com.json'}}},
        agy: {default: 'a@example.com', accounts: {'a@example.com': {email: 'a@example.com', tokenFile: 'antigravity-a@example.com.json'}}},
      },
    });
    ccs.writeToken('antigravity-a@example.com.json', tokenFixture('antigravity', 'a@example.com'));
    assert.deepEqual(await idsOf('antigravity'), ['a@example.com']);
    await store.remove('antigravity', 'a@example.com');
    const written = registry();
    assert.deepEqual(written.providers.agy.accounts, {});
    assert.deepEqual(written.providers.antigravity.accounts, {});
    assert.equal(written.providers.agy.default, undefined);
  });

  test('a new login of a provider CCS lists under its own key is registered there', async () => {
    ccs.writeRegistry({version: 1, providers: {ghcp: {accounts: {}}}});
    const account = await store.saveLogin({provider: 'copilot', token: tokenFixture('github-copilot', 'new@example.com', {username: 'newbie'}) as never});
    assert.equal(registry().providers.ghcp.accounts[account.id].tokenFile, account.tokenFile);
    assert.equal(registry().providers.copilot, undefined);
  });
});

describe('ids CCS gives token files', () => {
  test('no email: the file name after its provider prefix', async () => {
    ccs.writeToken('codex-user@mail.example.com.json', tokenFixture('codex', ''));
    ccs.writeToken('ghcp-amazon-XYZ789.json', tokenFixture('github-copilot', ''));
    // Same kind, not in the issue: other prefixes CCS strips, and a file with no email key at all.
    ccs.writeToken('openai-ops@corp.example.json', tokenFixture('codex', ''));
    const {email: _drop, ...noEmail} = tokenFixture('gemini', 'x');
    ccs.writeToken('google-dev@lab.example.json', noEmail);
    ccs.writeToken('github-copilot-octocat.json', noEmail && tokenFixture('github-copilot', ''));
    // Empty-email collisions: two files whose names give the same id stay two accounts.
    ccs.writeToken('codex-ops@corp.example-2.json', tokenFixture('codex', ''));
    ccs.writeToken('codex-ops@corp.example.json', tokenFixture('codex', ''));
    assert.deepEqual(await idsOf('codex'), ['ops@corp.example', 'ops@corp.example#openai-ops@corp.example', 'ops@corp.example-2', 'user@mail.example.com']);
    assert.deepEqual(await idsOf('copilot'), ['amazon-XYZ789', 'octocat']);
    assert.deepEqual(await idsOf('gemini'), ['dev@lab.example']);
    // And they are what a person types.
    const run = await runBin(['use', 'codex', 'user@mail.example.com'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry().providers.codex.default, 'user@mail.example.com');
  });

  test('two codex files with one email get email#<suffix> ids, and the bare email is refused as ambiguous everywhere', async () => {
    ccs.writeToken('codex-04a0f049-dup@example.com-team.json', tokenFixture('codex', 'dup@example.com', {account_id: 'ws-team'}));
    ccs.writeToken('codex-9b1c2d3e-dup@example.com-plus.json', tokenFixture('codex', 'dup@example.com', {account_id: 'ws-plus'}));
    assert.deepEqual(await idsOf('codex'), ['dup@example.com#04a0f049-team', 'dup@example.com#9b1c2d3e-plus']);
    for (const args of [
      ['use', 'codex', 'dup@example.com'],
      ['rename', 'codex', 'DUP@example.com', 'x'],
      ['pause', 'codex', 'dup@example.com'],
      ['resume', 'codex', 'dup@example.com'],
      ['remove', 'codex', 'dup@example.com'],
      ['models', 'codex', '--account', 'dup@example.com'],
      ['proxy', 'serve', '--account', 'dup@example.com', '--port', '0'],
      ['proxy', 'serve', '--provider', 'codex', '--account', 'dup@example.com', '--port', '0'],
      ['run', 'dup@example.com'],
      ['run', 'codex', 'dup@example.com'],
    ]) {
      const run = await runBin(args, ccs.env);
      assert.notEqual(run.code, 0, `${args.join(' ')} must not succeed`);
      assert.match(run.stderr, /matches 2 codex accounts: dup@example\.com#04a0f049-team \(codex-04a0f049-dup@example\.com-team\.json\), dup@example\.com#9b1c2d3e-plus/, args.join(' '));
    }
    assert.equal((await store.load()).accounts.filter((a) => a.paused).length, 0, 'nothing was paused');
    const run = await runBin(['use', 'codex', 'dup@example.com#9b1c2d3e-plus'], ccs.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(registry().providers.codex.default, 'dup@example.com#9b1c2d3e-plus');
  });

  test('a registered account whose id is the shared email does not win the bare email either', async () => {
    ccs.writeRegistry({version: 1, providers: {claude: {accounts: {'same@example.com': {email: 'same@example.com', tokenFile: 'claude-same@example.com.json'}}}}});
    ccs.writeToken('claude-same@example.com.json', tokenFixture('claude', 'same@example.com', {organization_uuid: 'org-1'}));
    ccs.writeToken('claude-same@example.com-org2.json', tokenFixture('claude', 'same@example.com', {organization_uuid: 'org-2'}));
    assert.deepEqual(await idsOf('claude'), ['same@example.com', 'same@example.com#org2']);
    await assert.rejects(store.setDefault('claude', 'same@example.com'), /matches 2 claude accounts/);
    // A token file name is one account; a program's exact id is one account.
    assert.equal((await store.setDefault('claude', 'claude-same@example.com-org2.json')).id, 'same@example.com#org2');
    assert.equal((await store.setDefault('claude', {id: 'same@example.com'})).id, 'same@example.com');
    const accounts = (await store.load()).accounts;
    assert.throws(() => findAccount(accounts, 'claude', 'SAME@example.com'), /matches 2 claude accounts/);
  });
});

test('a login matching several files of one identity updates none of them silently', async () => {
  const token = (extra: Record<string, unknown>) => tokenFixture('claude', 'twin@example.com', {organization_uuid: 'org-1', ...extra});
  ccs.writeToken('claude-twin-ccs.json', token({access_token: 'old-one-0123456789'}));
  ccs.writeToken('claude-twin-copy.json', token({access_token: 'old-two-0123456789'}));
  await assert.rejects(
    store.saveLogin({provider: 'claude', token: token({access_token: 'new-0123456789abcdef'}) as never}),
    (error: Error) => {
      assert.match(error.message, /this claude login matches 2 accounts: .*claude-twin-ccs\.json.*claude-twin-copy\.json.*nothing was saved/);
      // The way out as each surface says it: a command, or the TUI's remove key.
      assert.match(describeUserError(error, 'cli')!.text, /remove the copies you do not want and log in again \(ccs-tui remove claude <token file>\)$/);
      assert.match(describeUserError(error, 'tui')!.text, /remove the copies you do not want and log in again \(d: remove\)$/);
      return true;
    },
  );
  assert.match(readFileSync(`${ccs.paths.authDir}/claude-twin-ccs.json`, 'utf8'), /old-one/);
  assert.match(readFileSync(`${ccs.paths.authDir}/claude-twin-copy.json`, 'utf8'), /old-two/);
  // With the file CLIProxyAPI would write among them, that one is updated.
  const canonical = (await import('../../source/store/tokens.js')).upstreamTokenFileName('claude', token({}) as never);
  ccs.writeToken(canonical, token({access_token: 'old-three-0123456789'}));
  const saved = await store.saveLogin({provider: 'claude', token: token({access_token: 'new-0123456789abcdef'}) as never});
  assert.equal(saved.tokenFile, canonical);
  assert.match(readFileSync(`${ccs.paths.authDir}/${canonical}`, 'utf8'), /new-0123456789abcdef/);
  assert.match(readFileSync(`${ccs.paths.authDir}/claude-twin-ccs.json`, 'utf8'), /old-one/);
});

test('token type is matched trimmed and case-insensitively', async () => {
  ccs.writeToken('codex-upper@example.com.json', tokenFixture('CODEX', 'upper@example.com'));
  ccs.writeToken('x-spaced@example.com.json', tokenFixture(' Claude ', 'spaced@example.com'));
  ccs.writeToken('copilot-old.json', tokenFixture('Copilot', 'old@example.com'));
  const accounts = (await store.load()).accounts;
  assert.deepEqual(
    accounts.map((a) => [a.provider, a.email]).sort(),
    [['claude', 'spaced@example.com'], ['codex', 'upper@example.com'], ['copilot', 'old@example.com']],
  );
  assert.ok(!(await store.load()).providers.some((p) => ['CODEX', 'Copilot', ' Claude '].includes(p.provider.id)));
});

test("an expired nested Gemini file shows its expiry and health, and a quota read refreshes it first", async () => {
  const tokens = await startFakeTokenServer();
  const usage = await startFakeUpstream((req, res) =>
    sendJson(res, 200, {buckets: [{modelId: 'gemini-2.5-pro', remainingFraction: 0.5, resetTime: '2031-01-01T00:00:00Z', seenBearer: req.headers.authorization}]}),
  );
  try {
    const expiry = new Date(Date.now() - 3600_000).toISOString();
    ccs.writeToken('gemini-n@example.com.json', {
      type: 'gemini',
      email: 'n@example.com',
      project_id: 'proj-n',
      token: {access_token: 'ya29.stale-0123456789', refresh_token: '1//nested-refresh-0123456789', expiry, token_type: 'Bearer'},
    });
    ccs.writeRaw('tui.json', JSON.stringify({endpoints: {gemini: {token: `${tokens.url}/token`, usage: `${usage.url}/usage`}}}));
    const [account] = (await store.load()).accounts.filter((a) => a.provider === 'gemini');
    assert.equal(account!.expiresAt, expiry);
    assert.equal(account!.health, 'expired');
    const run = await runBin(['accounts'], ccs.env);
    assert.match(run.stdout, /gemini .*n@example\.com .*refresh due/);
    const entry = await fetchAccountQuota({paths: ccs.paths, store, settings: (await loadSettings(ccs.paths)).settings}, account!);
    assert.equal(tokens.requests.length, 1, 'the nested refresh token was used');
    assert.equal(usage.requests.at(-1)!.headers.authorization, 'Bearer refreshed-access-1-0123456789abcdef');
    assert.deepEqual(entry.windows.map((w) => w.usedPct), [50]);
  } finally {
    await tokens.close();
    await usage.close();
  }
});
