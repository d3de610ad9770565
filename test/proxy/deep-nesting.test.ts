// A request body nested deeper than the proxy can re-serialise (JSON.parse reads any depth,
// JSON.stringify overflows the stack near 10,000 levels) is the client's error: a 400 in the
// client's protocol that says so, never a 502 "Maximum call stack size exceeded". The proxy serves on.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, proxyFixture} from './fixture.js';

// IBM Bob: an API-key provider that speaks Chat alone, so Messages and Responses are translated to Chat.
const BOB_KEY = 'bob-test-key-0123456789';
const DEEP = 20_000;
/** `{"model":…, …, "<field>": [[[…]]]}` as text: the client need not build it as an object. */
const deepBody = (head: string) => `${head.slice(0, -1)},"nested":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`;

async function post(url: string, body: string): Promise<{status: number; json: Record<string, unknown>}> {
  const response = await fetch(url, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'}, body});
  return {status: response.status, json: (await response.json()) as Record<string, unknown>};
}

describe('a body nested 20,000 levels deep', async () => {
  const f = await proxyFixture({provider: 'bob', tokens: [{file: 'bob-key.json', token: {type: 'bob', api_key: BOB_KEY}}]});
  after(() => f.close());
  const messages = JSON.stringify({model: 'bob-model', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
  const chat = JSON.stringify({model: 'bob-model', messages: [{role: 'user', content: 'hi'}]});

  it('translated (Messages → Chat): 400 in Anthropic\'s shape naming the depth', async () => {
    const {status, json} = await post(`${f.url}/api/provider/bob/v1/messages`, deepBody(messages));
    assert.equal(status, 400, JSON.stringify(json));
    assert.equal(json.type, 'error');
    assert.match(String((json.error as {message: string}).message), /nested too deep/);
  });

  it('translated (Responses → Chat, whose translator keeps no unknown field): served', async () => {
    const {status, json} = await post(`${f.url}/api/provider/bob/v1/responses`, deepBody(JSON.stringify({model: 'bob-model', input: 'hi'})));
    assert.equal(status, 200, JSON.stringify(json));
  });

  it('translated (Responses → Chat) with the depth inside a tool\'s schema: 400 in OpenAI\'s shape naming it', async () => {
    const tools = `[{"type":"function","name":"f","parameters":{"type":"object","properties":{"x":{"type":"array","default":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}}}}]`;
    const {status, json} = await post(`${f.url}/api/provider/bob/v1/responses`, `{"model":"bob-model","input":"hi","tools":${tools}}`);
    assert.equal(status, 400, JSON.stringify(json));
    assert.deepEqual(Object.keys(json), ['error']);
    assert.match(String((json.error as {message: string}).message), /nested too deep/);
  });

  it('pass-through Chat: served or refused as the client\'s error, never a 5xx; the next request is served', async () => {
    const {status, json} = await post(`${f.url}/api/provider/bob/v1/chat/completions`, deepBody(chat));
    assert.ok(status < 500, `${status} ${JSON.stringify(json)}`);
    const next = await post(`${f.url}/api/provider/bob/v1/chat/completions`, chat);
    assert.equal(next.status, 200, JSON.stringify(next.json));
  });
});
