// `proxy status` says "requests have succeeded since" the last error only when an upstream answered
// a request since: a /v1/models list (answered by the proxy itself) is no such success. The newcomer
// saw it after one failed claude and one failed codex request, the only 200 a /v1/models.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {lastErrorText} from '../../source/services/proxy/ipc.js';
import {freePort, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askMessages, proxyFixture, type ProxyFixture} from './fixture.js';

let f: ProxyFixture | undefined;
after(() => f?.close());

test('a locally answered /v1/models is no success after the last error; an upstream answer is', async () => {
  const upstream = await startFakeUpstream();
  // Codex's API on a port nothing listens on: its request is refused there (a 502 and the last error).
  const closed = await freePort();
  f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('claude', ['a@example.com']), ...accountTokens('codex', ['b@example.com'])],
    endpoints: {claude: {api: upstream.url}, codex: {api: `http://127.0.0.1:${closed}`}},
  });
  const codex = await fetch(`${f.url}/api/provider/codex/v1/responses`, {
    method: 'POST',
    headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
    body: JSON.stringify({model: 'gpt-5', input: 'hi'}),
  });
  assert.equal(codex.status, 502);
  // One wording for a refused connection, as logins and every other command say it.
  assert.match(await codex.text(), new RegExp(`cannot reach 127\\.0\\.0\\.1:${closed}: connection refused`));
  const failed = f.proxy.status().lastError;
  assert.match(failed?.message ?? '', new RegExp(`^codex/b@example\\.com: cannot reach 127\\.0\\.0\\.1:${closed}: connection refused$`));
  assert.equal(failed!.servedSince, undefined);

  const models = await fetch(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
  assert.equal(models.status, 200);
  await models.text();
  const listed = f.proxy.status().lastError!;
  assert.equal(listed.servedSince, undefined, 'a list the proxy answered itself is no upstream success');
  assert.doesNotMatch(lastErrorText(listed, Date.now()), /succeeded since/);

  const claude = await askMessages(f, '/api/provider/claude/v1/messages');
  assert.equal(claude.status, 200, claude.text);
  const served = f.proxy.status().lastError!;
  assert.ok(served.servedSince, 'an upstream answered since');
  assert.match(lastErrorText(served, Date.now()), /, requests have succeeded since: codex\//);
});
