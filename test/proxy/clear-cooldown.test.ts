// `C` on this machine: the person knows an account's limit has reset, and the local proxy's wait
// (after a 429 with a long Retry-After, an hour here) is ended at once: in the running proxy's pool
// (POST /_ccs-tui/clear-cooldown, keyed) and in the stored account state a restart reads. Before,
// only a remote server's cooldown could be cleared, and a newcomer waited an hour or edited a file.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {sendJson} from '../helpers/fake-upstreams.js';
import {API_KEY, askMessages, claudeAccounts, proxyFixture} from './fixture.js';

describe('ending a local cooldown', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: claudeAccounts('a', 'b')});
  after(() => f.close());

  it('a rested for an hour after a 429: the control call ends the wait in the pool and in the file; r moves the pool to it and it serves', async () => {
    f.upstream.handler = (req, res) => {
      const auth = String(req.headers.authorization ?? '');
      if (auth.includes('a@example.com')) return sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'usage limit reached'}}, {'retry-after': '3600'});
      return sendJson(res, 200, {id: 'm', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: auth.includes('b@') ? 'from b' : 'from a'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});
    };
    assert.match((await askMessages(f)).text, /from b/);
    assert.deepEqual(f.proxy.status().cooling?.map((c) => c.accountId), ['a@example.com']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok((await new AccountStore(f.ccs.paths).load()).accounts.find((a) => a.id === 'a@example.com')?.coolingUntil, 'stored for a restart');

    // Its limit has reset (the person knows): the upstream takes a again.
    f.upstream.handler = (_req, res) => sendJson(res, 200, {id: 'm', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});
    const keyless = await fetch(`${f.url}/_ccs-tui/clear-cooldown?provider=claude&account=a%40example.com`, {method: 'POST'});
    assert.equal(keyless.status, 401, 'the proxy key is asked, as on every control route');
    const res = await fetch(`${f.url}/_ccs-tui/clear-cooldown?provider=claude&account=a%40example.com`, {method: 'POST', headers: {'x-api-key': API_KEY}});
    assert.deepEqual(await res.json(), {cleared: true});
    assert.deepEqual(f.proxy.status().cooling ?? [], []);
    const stored = (await new AccountStore(f.ccs.paths).load()).accounts.find((a) => a.id === 'a@example.com');
    assert.ok(!stored?.coolingUntil || Date.parse(stored.coolingUntil) <= Date.now(), `stored wait ended: ${stored?.coolingUntil}`);
    // a can serve again: `r` moves the pool to it (while it cooled, b had no other to go to), and it serves.
    assert.equal(await f.proxy.rotate('claude'), 'a@example.com');
    assert.equal((await askMessages(f)).status, 200);
    assert.match(String(f.upstream.requests.at(-1)?.headers.authorization), /a@example\.com/);
    // Asked again: nothing held.
    const again = await fetch(`${f.url}/_ccs-tui/clear-cooldown?provider=claude&account=a%40example.com`, {method: 'POST', headers: {'x-api-key': API_KEY}});
    assert.deepEqual(await again.json(), {cleared: false});
  });

  it('an id the files do not have is a 404 naming it (not "no wait held"); an unknown provider is refused', async () => {
    for (const account of ['nosuch@example.com', '__proto__', 'constructor', '../a@example.com']) {
      const res = await fetch(`${f.url}/_ccs-tui/clear-cooldown?provider=claude&account=${encodeURIComponent(account)}`, {method: 'POST', headers: {'x-api-key': API_KEY}});
      const body = (await res.json()) as {error?: {message?: string}};
      assert.equal(res.status, 404, account);
      assert.equal(body.error?.message, `no claude account has the id "${account}" (removed meanwhile?)`);
    }
    const res = await fetch(`${f.url}/_ccs-tui/clear-cooldown?provider=nosuch&account=a%40example.com`, {method: 'POST', headers: {'x-api-key': API_KEY}});
    assert.notEqual(res.status, 200);
    assert.match(JSON.stringify(await res.json()), /nosuch/);
  });
});
