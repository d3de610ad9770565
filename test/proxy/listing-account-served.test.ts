// The proxy asks a provider's live model list (routing, /v1/models) with the account its pool serves
// next, the one `proxy status` and the quota screen's ★ name: not the default when the pool serves
// another first (round-robin goes on from the default), whose key may be refused.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture} from './fixture.js';

const MAIN_KEY = 'AIzaSyMainKeyMainKeyMainKey000001';
const SPARE_KEY = 'AIzaSySpareKeySpareKeySpareKey0002';

describe('the live list of a pool whose default is not what it serves next', async () => {
  const upstream = await startFakeUpstream((req, res) =>
    req.headers.authorization === `Bearer ${SPARE_KEY}` ? sendJson(res, 200, {object: 'list', data: [{id: 'models/gemini-2.5-pro'}]}) : sendJson(res, 401, {error: {message: 'API key not valid'}}),
  );
  const f = await proxyFixture({
    provider: 'aistudio',
    upstream,
    strategy: 'round-robin',
    tokens: [
      {file: 'aistudio-main.json', token: {type: 'aistudio', email: 'main@example.com', api_key: MAIN_KEY}},
      {file: 'aistudio-spare.json', token: {type: 'aistudio', email: 'spare@example.com', api_key: SPARE_KEY}},
    ],
    registry: {version: 1, providers: {aistudio: {default: 'main@example.com', accounts: {
      'main@example.com': {email: 'main@example.com', tokenFile: 'aistudio-main.json'},
      'spare@example.com': {email: 'spare@example.com', tokenFile: 'aistudio-spare.json'},
    }}}},
    endpoints: {aistudio: {api: upstream.url}},
  });
  after(() => f.close());

  it('status names spare as serving next, and /v1/models lists spare\'s live list, asked with its key', async () => {
    assert.equal((await f.proxy.currentStatus()).accountId, 'spare@example.com');
    const response = await fetch(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
    assert.equal(response.status, 200);
    const list = (await response.json()) as {data: {id: string}[]};
    assert.deepEqual(list.data.map((m) => m.id), ['gemini-2.5-pro']);
    assert.deepEqual(upstream.requests.map((r) => r.headers.authorization), [`Bearer ${SPARE_KEY}`]);
  });
});
