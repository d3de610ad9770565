// Review attacks on the model list from one rule (store/model-rules.ts servedBase) and token-file
// aliases: prototype-key names in a live list and in aliases, and an alias only one account's token
// file defines, asked on a provider's own route (/api/provider/<id>/…) of a round-robin pool of two.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson, startFakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';

async function listed(url: string): Promise<{ids: string[]; owner: Record<string, string>}> {
  const response = await fetch(`${url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
  assert.equal(response.status, 200);
  const body = (await response.json()) as {data: {id: string; owned_by: string}[]};
  const owner: Record<string, string> = Object.create(null);
  for (const m of body.data) owner[m.id] = m.owned_by;
  return {ids: body.data.map((m) => m.id), owner};
}

const isList = (req: RecordedRequest) => req.method === 'GET' && /\/models$/.test(req.path);
function anthropicList(res: ServerResponse, ids: readonly string[]) {
  sendJson(res, 200, {data: ids.map((id) => ({type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z'})), has_more: false, first_id: ids[0], last_id: ids.at(-1)});
}

describe('prototype-key model names in a live list, a config alias and a token-file alias', async () => {
  const upstream = await startFakeUpstream((req, res) => (isList(req) ? anthropicList(res, ['__proto__', 'constructor', 'claude-opus-4-8', 'hasOwnProperty']) : answerByProtocol(req, res)));
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: accountTokens('claude', ['a@example.com'], () => ({model_aliases: [{name: 'claude-opus-4-8', alias: 'toString'}]})),
    endpoints: {claude: {api: upstream.url}},
    configYaml: ['oauth-model-alias:', '  claude:', '    - name: "constructor"', '      alias: "valueOf"', ''].join('\n'),
  });
  after(() => f.close());

  it('lists them as data and routes each to Claude with the model it stands for', async () => {
    const {ids, owner} = await listed(f.url);
    for (const id of ['__proto__', 'valueOf', 'hasOwnProperty', 'toString']) assert.equal(owner[id], 'claude', `${id} listed: ${JSON.stringify(ids)}`);
    for (const [asked, sent] of [['__proto__', '__proto__'], ['valueOf', 'constructor'], ['hasOwnProperty', 'hasOwnProperty'], ['toString', 'claude-opus-4-8']] as const) {
      const answer = await chat(f.url, asked);
      assert.equal(answer.status, 200, `${asked}: ${answer.text}`);
      assert.equal(upstream.requests.findLast((r) => r.method === 'POST')?.body?.model, sent, asked);
    }
    // Never listed, never routed anywhere but as an unknown name.
    const unknown = await chat(f.url, 'isPrototypeOf');
    assert.notEqual(unknown.status, 500, unknown.text);
  });
});

describe("an alias only one account's token file defines, on the provider's own route (round-robin pool of two)", async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    strategy: 'round-robin',
    upstream,
    tokens: [...accountTokens('kimi', ['k1@example.com'], () => ({model_aliases: [{name: 'kimi-k3', alias: 'team-coder'}]})), ...accountTokens('kimi', ['k2@example.com'])],
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it('every request for it reaches the account that defines it, sent as its model (the other account never sends the alias upstream)', async () => {
    for (let ask = 1; ask <= 4; ask++) {
      const response = await fetch(`${f.url}/api/provider/kimi/v1/chat/completions`, {
        method: 'POST',
        headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
        body: JSON.stringify({model: 'team-coder', messages: [{role: 'user', content: 'hi'}]}),
      });
      const text = await response.text();
      assert.equal(response.status, 200, `ask ${ask}: ${text}`);
      const sent = upstream.requests.findLast((r) => r.method === 'POST');
      assert.equal(sent?.body?.model, 'kimi-k3', `ask ${ask}: sent ${String(sent?.body?.model)} with ${String(sent?.headers.authorization)}`);
    }
  });
});

describe("the provider's own /v1/models in that pool", async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    strategy: 'round-robin',
    upstream,
    tokens: [...accountTokens('kimi', ['k1@example.com'], () => ({model_aliases: [{name: 'kimi-k3', alias: 'team-coder'}]})), ...accountTokens('kimi', ['k2@example.com'])],
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());
  it('lists the alias (so a client picks it there)', async () => {
    const {ids} = await listed(`${f.url}/api/provider/kimi`);
    assert.ok(ids.includes('team-coder'), JSON.stringify(ids));
  });
});

describe('a live list that names an id twice (pages that overlap, or differ only in case)', async () => {
  const upstream = await startFakeUpstream((req, res) => (isList(req) ? anthropicList(res, ['claude-opus-5-1', 'claude-opus-4-8', 'claude-opus-5-1', 'Claude-Opus-5-1']) : answerByProtocol(req, res)));
  const f = await proxyFixture({provider: 'claude', serve: {provider: null}, upstream, tokens: accountTokens('claude', ['a@example.com']), endpoints: {claude: {api: upstream.url}}});
  after(() => f.close());
  it('/v1/models lists each id once', async () => {
    const {ids} = await listed(f.url);
    const lower = ids.map((id) => id.toLowerCase());
    assert.deepEqual(lower.filter((id, i) => lower.indexOf(id) !== i), [], JSON.stringify(ids));
  });
});

describe('a token-file alias named __proto__ and one named constructor (pool of two, root routes)', async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    strategy: 'round-robin',
    upstream,
    tokens: [
      ...accountTokens('kimi', ['k1@example.com'], () => ({model_aliases: [{name: 'kimi-k3', alias: '__proto__'}, {name: 'kimi-k2', alias: 'constructor'}]})),
      ...accountTokens('kimi', ['k2@example.com']),
    ],
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());
  it('each is listed with Kimi and served by k1 as the model it stands for', async () => {
    const {owner} = await listed(f.url);
    assert.equal(owner['__proto__'], 'kimi');
    assert.equal(owner['constructor'], 'kimi');
    for (const [asked, sent] of [['__proto__', 'kimi-k3'], ['constructor', 'kimi-k2'], ['__proto__', 'kimi-k3'], ['constructor', 'kimi-k2']] as const) {
      const answer = await chat(f.url, asked);
      assert.equal(answer.status, 200, `${asked}: ${answer.text}`);
      const last = upstream.requests.findLast((r) => r.method === 'POST');
      assert.equal(last?.body?.model, sent, asked);
      assert.match(String(last?.headers.authorization), /k1@/, asked);
    }
  });
});
