// The proxy's own refresh of a token that the provider refuses (an answer, not a dead grant) marks
// the account refresh-failed, as the TUI's `t` does: the accounts table and the TUI then say so,
// and the request is still served with the access token it has. The refused refresh token is never
// sent again (the refusal was the one refresh).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {AccountStore} from '../../source/store/accounts.js';
import {runBin} from '../helpers/cli.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askMessages, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

describe("a refresh the provider refuses during the proxy's request", async () => {
  // Expired a minute ago: the proxy refreshes before sending.
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('marks the account refresh-failed in the accounts table; the request is still served', async () => {
    f.tokenServer.handler = (_req, res) => sendJson(res, 400, {error: 'invalid_request', error_description: 'refresh temporarily refused'});
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.tokenServer.requests.length, 1, 'the one refresh was sent');
    const store = new AccountStore(f.ccs.paths);
    for (let i = 0; i < 50 && (await store.load()).accounts[0]?.health !== 'refresh-failed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const shown = await runBin(['accounts'], f.ccs.env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout.split('\n').find((line) => line.includes('me@example.com')) ?? '', /refresh failed/, shown.stdout);
    assert.match(f.events.filter((e) => e.type === 'refresh').map((e) => JSON.stringify(e)).join('\n'), /"ok":false.*refresh temporarily refused/);
  });

});

/** The account's health as `accounts` reads it, once the proxy's write of it (after the request) is done. */
async function healthOnceSettled(f: ProxyFixture, expected: string): Promise<string | undefined> {
  const store = new AccountStore(f.ccs.paths);
  for (let i = 0; i < 20 && (await store.load()).accounts[0]?.health !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return (await store.load()).accounts[0]?.health;
}

describe('a refresh refused, then the token endpoint would grant it', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('the refused refresh token is never sent again: the account stays refresh-failed until a new login', async () => {
    f.tokenServer.handler = (_req, res) => sendJson(res, 400, {error: 'invalid_request', error_description: 'refresh temporarily refused'});
    assert.equal((await askMessages(f)).status, 200);
    assert.equal(await healthOnceSettled(f, 'refresh-failed'), 'refresh-failed');
    f.tokenServer.handler = (_req, res) => sendJson(res, 200, {access_token: 'granted-access-0123456789abcdef', token_type: 'Bearer', expires_in: 3600});
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.tokenServer.requests.length, 1, 'the refused refresh token was sent again');
    assert.notEqual(f.upstream.requests.at(-1)?.headers.authorization, 'Bearer granted-access-0123456789abcdef');
    assert.equal(await healthOnceSettled(f, 'refresh-failed'), 'refresh-failed');
    const shown = await runBin(['accounts'], f.ccs.env);
    assert.match(shown.stdout.split('\n').find((line) => line.includes('me@example.com')) ?? '', /refresh failed/, shown.stdout);
  });
});

describe('a token endpoint and an upstream that answer 401 to everything', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('one refresh in all: not again after the upstream\'s 401, nor on the next request', async () => {
    f.tokenServer.handler = (_req, res) => sendJson(res, 401, {error: {type: 'authentication_error', message: 'unauthorized'}});
    f.upstream.handler = (_req, res) => sendJson(res, 401, {type: 'error', error: {type: 'authentication_error', message: 'invalid bearer token'}});
    const first = await askMessages(f);
    assert.equal(first.status, 401, first.text);
    const second = await askMessages(f);
    assert.ok(second.status >= 400, second.text);
    assert.equal(f.tokenServer.requests.length, 1, 'the refresh token was sent more than once');
  });
});

describe("a refresh the token endpoint rate-limits during the proxy's request", async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('is not a refusal: the account is not marked refresh-failed (no "log in again")', async () => {
    // Longer than the refresh waits for: the refresh gives up at once.
    f.tokenServer.handler = (_req, res) => sendJson(res, 429, {error: 'rate_limited'}, {'retry-after': '3600'});
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(f.tokenServer.requests.length, 1);
    assert.match(f.events.filter((e) => e.type === 'refresh').map((e) => JSON.stringify(e)).join('\n'), /"ok":false.*rate_limited/);
    await f.proxy.close();
    assert.notEqual(await healthOnceSettled(f, 'refresh-failed'), 'refresh-failed');
  });
});

describe('a refresh rate-limited for longer than a short wait, during a request', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() + 120_000).toISOString(), last_refresh: new Date(Date.now() - 8 * 3600_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('does not hold the request through the wait (Retry-After 30 s): one refresh sent, the request answered with the token still alive', async () => {
    f.tokenServer.handler = (_req, res) => sendJson(res, 429, {error: 'rate_limited'}, {'retry-after': '30'});
    const started = Date.now();
    const answer = await askMessages(f);
    assert.equal(answer.status, 200, answer.text);
    // Before, the request waited out the 30 s (up to three times) saying nothing.
    assert.ok(Date.now() - started < 20_000, `answered after ${(Date.now() - started) / 1000} s`);
    assert.equal(f.tokenServer.requests.length, 1);
    // Nor is the refresh sent again at each request while the endpoint asked to be left alone.
    for (let i = 0; i < 4; i++) assert.equal((await askMessages(f)).status, 200);
    assert.equal(f.tokenServer.requests.length, 1, 'no refresh sent before Retry-After');
  });
});

// Requests that meet one refresh in flight share it (services/refresh.ts): it was logged, and a
// refusal recorded, once per request ("token refresh ok" four times for the one refresh sent).
describe('requests that share one refresh in flight', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());
  const lines = (kind: string) => f.events.filter((e) => e.type === 'refresh').map((e) => describeEvent(e)).filter((line) => line.includes(kind));

  it('log it once when it is granted', async () => {
    const granted = f.tokenServer.handler;
    f.tokenServer.handler = async (req, res, incoming) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return granted(req, res, incoming);
    };
    const answers = await Promise.all([1, 2, 3, 4].map(() => askMessages(f)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
    assert.equal(f.tokenServer.requests.length, 1, 'one refresh was sent');
    assert.deepEqual(lines('token refresh'), ['claude/me@example.com token refresh ok']);
  });
});

describe('requests that share one refused refresh', async () => {
  const token = oauthToken('claude', 'me@example.com', {expired: new Date(Date.now() - 60_000).toISOString()});
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-me@example.com.json', token}]});
  after(() => f.close());

  it('log it and record it once', async () => {
    f.tokenServer.handler = async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      sendJson(res, 400, {error: 'invalid_request', error_description: 'refresh temporarily refused'});
    };
    const answers = await Promise.all([1, 2, 3, 4].map(() => askMessages(f)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200], 'served with the access token it has');
    assert.equal(f.tokenServer.requests.length, 1, 'one refresh was sent');
    const failed = f.events.filter((e) => e.type === 'refresh').map((e) => describeEvent(e));
    assert.equal(failed.length, 1, failed.join('\n'));
    assert.match(failed[0]!, /token refresh failed: .*refresh temporarily refused/);
    assert.equal(f.events.filter((e) => e.type === 'error' && /refresh failed/.test(JSON.stringify(e))).length, 1, JSON.stringify(f.events));
  });
});
