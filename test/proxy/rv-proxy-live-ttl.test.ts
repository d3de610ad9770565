// Review attack: root routing and /v1/models must agree after the live list's cache time
// (LIVE_LIST_TTL_MS) has passed. Kimi's complete live list retired kimi-k2; iFlow's static list has it.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {LIVE_LIST_TTL_MS} from '../../source/proxy/live-models.js';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {answerByProtocol, sendJson, startFakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';

const isList = (req: RecordedRequest) => req.method === 'GET' && /\/models$/.test(req.path);

describe('a retired static id, asked once the live list has aged out of the cache', async () => {
  let clock = Date.now();
  const upstream = await startFakeUpstream((req, res) => {
    if (!isList(req)) return answerByProtocol(req, res);
    if (String(req.headers.authorization).includes('at-k@example.com')) return sendJson(res, 200, {object: 'list', data: [{id: 'kimi-k3'}, {id: 'kimi-k2.7-code'}]});
    sendJson(res, 404, {error: {message: 'no list here'}});
  });
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    upstream,
    now: () => clock,
    tokens: [...accountTokens('kimi', ['k@example.com']), ...accountTokens('iflow', ['i@example.com'], () => ({api_key: 'iflow-key-0123456789abcdef'}))],
    endpoints: {kimi: {api: upstream.url}, iflow: {api: `${upstream.url}/v1`}},
  });
  after(() => f.close());
  const ownerOf = async (id: string) => {
    const response = await fetch(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
    const body = (await response.json()) as {data: {id: string; owned_by: string}[]};
    return body.data.find((m) => m.id === id)?.owned_by;
  };
  const routedTo = async (model: string) => {
    const answer = await chat(f.url, model);
    assert.equal(answer.status, 200, answer.text);
    const event = f.events.findLast((e) => e.type === 'request' && e.model === model);
    return /→ (\w+)\//.exec(describeEvent(event!))?.[1];
  };

  it('goes where /v1/models lists it, before and after the cache time', async () => {
    assert.equal(await ownerOf('kimi-k2'), 'iflow');
    assert.equal(await routedTo('kimi-k2'), 'iflow');
    clock += LIVE_LIST_TTL_MS + 60_000;
    const routed = await routedTo('kimi-k2');
    const listedNow = await ownerOf('kimi-k2');
    assert.equal(routed, listedNow, `routed to ${routed}, while /v1/models lists it as ${listedNow}'s`);
  });
});
