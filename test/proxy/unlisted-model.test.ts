// A proxy serving no provider picks one by the model asked for; a model no provider lists goes to
// the root provider (Claude) with Claude's account, and its log line says so (README "Proxy").
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {describeEvent, type ProxyEvent} from '../../source/services/proxy/ipc.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, proxyFixture} from './fixture.js';

const ask = (url: string, model: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  }).then(async (response) => ({status: response.status, text: await response.text()}));

const requestLine = (events: ProxyEvent[], model: string) => {
  const event = events.findLast((e) => e.type === 'request' && e.model === model);
  assert.ok(event, `a request event for ${model}`);
  return describeEvent(event);
};

describe('a model no provider lists, on the root routes of a proxy serving every provider', async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('claude', ['a@example.com']), ...accountTokens('kimi', ['k@example.com'], () => ({api_key: 'sk-0123456789abcdef'}))],
    endpoints: {claude: {api: upstream.url}, kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it("goes to the root provider with its account, and the log line says the model was listed by no provider and where it went", async () => {
    const answer = await ask(f.url, 'mystery-model-9');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef', "Claude's account");
    assert.match(requestLine(f.events, 'mystery-model-9'), /^POST \/v1\/messages mystery-model-9 → claude\/a@example\.com 200 \d+ ms \(model listed by no provider: sent to claude, the root provider\)$/);
  });

  it('a listed model goes to the provider that lists it, with no such note', async () => {
    const kimi = await ask(f.url, 'kimi-k3');
    assert.equal(kimi.status, 200, kimi.text);
    assert.match(requestLine(f.events, 'kimi-k3'), /→ kimi\/k@example\.com 200 \d+ ms$/);
    const claude = await ask(f.url, 'claude-opus-4-6');
    assert.equal(claude.status, 200, claude.text);
    assert.match(requestLine(f.events, 'claude-opus-4-6'), /→ claude\/a@example\.com 200 \d+ ms$/);
  });
});

describe('a model no provider lists when the root provider has no account', async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    upstream,
    tokens: accountTokens('kimi', ['k@example.com'], () => ({api_key: 'sk-0123456789abcdef'})),
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it('the refusal says why Claude was asked', async () => {
    const answer = await ask(f.url, 'mystery-model-9');
    assert.equal(answer.status, 503);
    assert.match(answer.text, /no Claude account.*\(model \\"mystery-model-9\\" is listed by no provider, so it went to Claude, the root provider\)/);
    assert.equal(upstream.requests.length, 0);
  });
});
