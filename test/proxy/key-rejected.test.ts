// An API key the upstream refuses (401) is said as such wherever accounts are listed: `accounts`
// says "! key rejected" with when and what the upstream said (the key masked), `--json` gives
// `health: "key-rejected"` with `healthDetail` and `healthSince`. The proxy sends the refused key
// once (nothing to refresh: no retry, no "token refresh ok" line). The mark ends when a later
// request with the key succeeds, or when the key file holds another key.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {runBin} from '../helpers/cli.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askChat, proxyFixture} from './fixture.js';

const KEY = 'bob-secret-key-0123456789abcdef';
const FILE = 'bob-spare.json';

/** The account's health once the proxy's write of it (after the request) is done. */
async function healthOnceSettled(store: AccountStore, expected: string): Promise<string | undefined> {
  for (let i = 0; i < 40 && (await store.load()).accounts[0]?.health !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return (await store.load()).accounts[0]?.health;
}

describe('an IBM Bob key the upstream refuses with 401', async () => {
  let now = Date.now();
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}], now: () => now});
  after(() => f.close());
  const store = new AccountStore(f.ccs.paths);

  it('is sent once, logs no refresh, and `accounts` says key rejected, when and why, the key masked', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: `Invalid API key ${KEY} provided`, type: 'authentication_error'}});
    const answer = await askChat(f.url, 'bob-model');
    assert.equal(answer.status, 401, answer.text);
    assert.equal(f.upstream.requests.length, 1, 'the refused key was sent again (nothing was refreshed)');
    assert.deepEqual(f.events.filter((e) => e.type === 'refresh'), [], 'a "token refresh" line for an API key');
    assert.equal(await healthOnceSettled(store, 'key-rejected'), 'key-rejected');

    const text = await runBin(['accounts'], f.ccs.env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout.split('\n').find((l) => l.startsWith('bob')) ?? '', /! key rejected/, text.stdout);
    assert.match(text.stderr, /bob spare: key rejected at \d{4}-\d\d-\d\d \d\d:\d\d \(HTTP 401 from 127\.0\.0\.1:\d+\/v1\/chat\/completions: .*Invalid API key bob-…\(redacted\)/, text.stderr);
    // Named: `login bob` alone would add another account instead of replacing this one's key.
    assert.match(text.stderr, /a new key: ccs-tui login bob --nickname spare\b/);

    const json = await runBin(['accounts', '--json'], f.ccs.env);
    const [row] = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(row!.health, 'key-rejected');
    assert.match(String(row!.healthDetail), /^HTTP 401 from .*Invalid API key/);
    assert.ok(!Number.isNaN(Date.parse(String(row!.healthSince))), json.stdout);
    assert.ok(!json.stdout.includes(KEY) && !text.stdout.includes(KEY) && !text.stderr.includes(KEY), 'the key was printed');
  });

  it('a later request with the key that succeeds ends the mark', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 200, {id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'hi'}, finish_reason: 'stop'}]});
    // Past the proxy's own cooldown of the refused account.
    now += 2 * 3600_000;
    const answer = await askChat(f.url, 'bob-model');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(await healthOnceSettled(store, 'ok'), 'ok');
    const json = await runBin(['accounts', '--json'], f.ccs.env);
    const [row] = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(row!.health, 'ok');
    assert.equal(row!.healthDetail, undefined);
  });
});

describe('a refused key, then the key file holds another key', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}]});
  after(() => f.close());

  it('the mark was the old key\'s: the account is ok again', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 401);
    const store = new AccountStore(f.ccs.paths);
    assert.equal(await healthOnceSettled(store, 'key-rejected'), 'key-rejected');
    f.ccs.writeToken(FILE, {type: 'bob', api_key: 'bob-new-key-0123456789abcdef'});
    const text = await runBin(['accounts'], f.ccs.env);
    assert.match(text.stdout.split('\n').find((l) => l.startsWith('bob')) ?? '', / ok/, text.stdout);
  });
});

describe('a 403 that names no auth error (a model the key may not use)', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}]});
  after(() => f.close());

  it('is no refused key: the account stays ok', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 403, {error: {message: 'this model is not enabled for your organisation', type: 'permission_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 403);
    await f.proxy.close();
    const [account] = (await new AccountStore(f.ccs.paths).load()).accounts;
    assert.equal(account?.health, 'ok');
  });
});
