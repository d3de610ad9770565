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

// Newcomer (s41): one 401 on a lone key account answered every later request with a 429
// `rate_limit_error` and Retry-After 1800, which clients retry, and a new key under the same name
// (what that answer advised) changed nothing for half an hour.
describe('a lone key account refused once: the next request is told the way out, and a new key serves at once', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}]});
  after(() => f.close());
  const NEW_KEY = 'bob-replaced-key-9876543210fedcba';

  it('answers 503 naming a new key (not a 429 to retry), then serves the new key without waiting', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 401);
    const sent = f.upstream.requests.length;
    const resting = await askChat(f.url, 'bob-model');
    assert.equal(resting.status, 503, resting.text);
    assert.equal(f.upstream.requests.length, sent, 'the refused key was sent again at once');
    const error = (JSON.parse(resting.text) as {error: {type: string; message: string}}).error;
    assert.equal(error.type, 'api_error');
    assert.match(error.message, /^IBM Bob: spare, the only account that can serve now, had its credential refused \(key rejected \(401\)\); tried again in 1800 s, or at once with a new key or login/);
    assert.match(error.message, /a new key: ccs-tui login bob --nickname spare; or try it again now: ccs-tui cooldown clear bob spare/);
    assert.ok(!resting.text.includes(KEY));

    f.upstream.handler = (req, res) => sendJson(res, req.headers.authorization === `Bearer ${NEW_KEY}` ? 200 : 401, {id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'hi'}, finish_reason: 'stop'}]});
    f.ccs.writeToken(FILE, {type: 'bob', api_key: NEW_KEY});
    const served = await askChat(f.url, 'bob-model');
    assert.equal(served.status, 200, served.text);
    assert.equal(f.upstream.requests.at(-1)?.headers.authorization, `Bearer ${NEW_KEY}`);
  });

  it('the same key written again (a file touched, nothing new) does not end the rest', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 401);
    f.ccs.writeToken(FILE, {type: 'bob', api_key: NEW_KEY});
    const sent = f.upstream.requests.length;
    assert.equal((await askChat(f.url, 'bob-model')).status, 503);
    assert.equal(f.upstream.requests.length, sent);
  });
});

describe('the account served alone (pinned) refused once, then its key replaced', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', serve: {provider: 'bob', account: 'spare'}, tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}, {file: 'bob-other.json', token: {type: 'bob', api_key: 'bob-other-key-0123456789abcdef'}}]});
  after(() => f.close());
  const NEW_KEY = 'bob-pinned-new-key-0123456789ab';

  it('serves the new key at once, never the pool\'s other account', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 401);
    const resting = await askChat(f.url, 'bob-model');
    assert.equal(resting.status, 503, resting.text);
    assert.match(resting.text, /a new key: ccs-tui login bob --nickname spare/);
    f.upstream.handler = (_req, res) => sendJson(res, 200, {id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'hi'}, finish_reason: 'stop'}]});
    f.ccs.writeToken(FILE, {type: 'bob', api_key: NEW_KEY});
    const served = await askChat(f.url, 'bob-model');
    assert.equal(served.status, 200, served.text);
    assert.equal(f.upstream.requests.at(-1)?.headers.authorization, `Bearer ${NEW_KEY}`);
  });
});

// Newcomer (s41): `t` (or `models --live`) found the key good again and `accounts` said ok, while the
// proxy kept answering 503 for the rest of its 30 minutes.
describe('a refused key found good again by another process', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: FILE, token: {type: 'bob', api_key: KEY}}]});
  after(() => f.close());
  const store = new AccountStore(f.ccs.paths);

  it('ends the rest once the key-rejected mark it wrote is gone (a success elsewhere), and not before', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 401, {error: {message: 'invalid key', type: 'authentication_error'}});
    assert.equal((await askChat(f.url, 'bob-model')).status, 401);
    assert.equal(await healthOnceSettled(store, 'key-rejected'), 'key-rejected');
    const sent = f.upstream.requests.length;
    // Until the proxy has seen its own mark on disk (its account list is re-read within a few seconds), requests rest.
    for (let i = 0; i < 20 && (await askChat(f.url, 'bob-model')).status === 503; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(f.upstream.requests.length, sent, 'the refused key was sent again before anything said it was good');
    f.upstream.handler = (_req, res) => sendJson(res, 200, {id: 'c1', object: 'chat.completion', choices: [{index: 0, message: {role: 'assistant', content: 'hi'}, finish_reason: 'stop'}]});
    // What `t` in the TUI does when the provider's model list answers with the key.
    await store.clearKeyRejected('bob', 'spare');
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await askChat(f.url, 'bob-model')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 200, 'still resting after the mark was ended');
  });
});
