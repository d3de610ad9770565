// OpenAI Chat clients on an OpenAI Chat provider (IBM Bob, two API keys), passed through: a stream
// that began and then ended in the upstream's rate-limit error chunk (`data: {"error": {...}}`, as
// OpenAI-compatible servers end a stream they cannot finish) cools the account, as the same bytes
// translated for Claude Code do.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {startFakeUpstream, answerByProtocol} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture, type ProxyFixture} from './fixture.js';

const begun = `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', model: 'bob-model', choices: [{index: 0, delta: {role: 'assistant', content: 'Half an answer'}, finish_reason: null}]})}\n\n`;
const limit = `data: ${JSON.stringify({error: {message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded'}})}\n\n`;

async function pool() {
  const upstream = await startFakeUpstream();
  const tried: string[] = [];
  upstream.handler = (req, res) => {
    const key = /bob-key-(\w)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '?';
    tried.push(key);
    if (key !== 'a') return answerByProtocol(req, res);
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.write(begun);
    setTimeout(() => res.end(limit), 50);
  };
  const f = await proxyFixture({
    provider: 'bob',
    apiPath: '/v1',
    upstream,
    tokens: [
      {file: 'bob-a.json', token: {type: 'bob', api_key: 'bob-key-a-0123456789abcdef'}},
      {file: 'bob-b.json', token: {type: 'bob', api_key: 'bob-key-b-0123456789abcdef'}},
    ],
  });
  after(() => f.close());
  return {f, tried};
}

async function ask(f: ProxyFixture, path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${f.url}${path}`, {method: 'POST', headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body: JSON.stringify({...body, stream: true})});
  return res.text().catch(() => '');
}
const failovers = (f: ProxyFixture) => f.events.filter((e) => e.type === 'failover') as Array<{from: string; reason: string}>;
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('Chat client → Chat provider, passed through: a rate limit error chunk after the stream began', async () => {
  const {f, tried} = await pool();
  it('cools the account, so the retry goes to the next key', async () => {
    const text = await ask(f, '/v1/chat/completions', {model: 'bob-model', messages: [{role: 'user', content: 'hi'}]});
    assert.match(text, /Rate limit reached/);
    await settle();
    assert.equal(failovers(f).length, 1, JSON.stringify(f.events));
    await ask(f, '/v1/chat/completions', {model: 'bob-model', messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(tried, ['a', 'b']);
  });
});

describe('control: Claude Code → Chat provider, translated: the same bytes', async () => {
  const {f, tried} = await pool();
  it('cool the account', async () => {
    await ask(f, '/v1/messages', {model: 'bob-model', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    await settle();
    assert.equal(failovers(f).length, 1, JSON.stringify(f.events));
    await ask(f, '/v1/messages', {model: 'bob-model', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
    assert.deepEqual(tried, ['a', 'b']);
  });
});
