// A token-file alias some accounts of a pool define and others do not (server.ts pinToOwners): on a
// served provider's root routes too, every request goes to an account that defines it, spread over
// all of them; an owner's failure is the answer (no account without the alias is tried instead), and
// a model no account names still goes upstream as asked, by any account.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, askChat as chat, proxyFixture} from './fixture.js';

const alias = () => ({model_aliases: [{name: 'kimi-k3', alias: 'house-model'}]});

describe('an alias two of three accounts define, on a served provider (round-robin)', async () => {
  let failing = '';
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method === 'POST' && failing && String(req.headers.authorization).includes(failing)) return sendJson(res, 500, {error: {message: 'owner down'}});
    answerByProtocol(req, res);
  });
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: 'kimi'},
    strategy: 'round-robin',
    upstream,
    tokens: [...accountTokens('kimi', ['a1@example.com'], alias), ...accountTokens('kimi', ['b2@example.com']), ...accountTokens('kimi', ['c3@example.com'], alias)],
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());
  const posts = () => upstream.requests.filter((r) => r.method === 'POST');

  it('is served by both owners, each sending the model it stands for, and never by the third', async () => {
    const before = posts().length;
    for (let ask = 0; ask < 6; ask++) assert.equal((await chat(f.url, 'house-model')).status, 200);
    const sent = posts().slice(before);
    assert.equal(sent.length, 6, 'one upstream request per ask');
    for (const r of sent) {
      assert.equal(r.body?.model, 'kimi-k3');
      assert.doesNotMatch(String(r.headers.authorization), /b2@/);
    }
    const by = new Set(sent.map((r) => /(a1|c3)@/.exec(String(r.headers.authorization))?.[1]));
    assert.deepEqual([...by].sort(), ['a1', 'c3'], 'round-robin spreads over both owners');
  });

  it('a model no account names goes upstream as asked, by every account in turn', async () => {
    const before = posts().length;
    for (let ask = 0; ask < 3; ask++) assert.equal((await chat(f.url, 'kimi-k9-preview')).status, 200);
    const sent = posts().slice(before);
    assert.deepEqual(sent.map((r) => r.body?.model), ['kimi-k9-preview', 'kimi-k9-preview', 'kimi-k9-preview']);
    assert.equal(new Set(sent.map((r) => r.headers.authorization)).size, 3);
  });

  it('when both owners answer 500 the client gets that 500, and the account without the alias is never asked', async () => {
    failing = 'example.com';
    const before = posts().length;
    try {
      const answer = await chat(f.url, 'house-model');
      assert.equal(answer.status, 500, answer.text);
      assert.match(answer.text, /owner down/);
      const sent = posts().slice(before);
      assert.equal(sent.length, 2, 'each owner once');
      for (const r of sent) assert.doesNotMatch(String(r.headers.authorization), /b2@/);
    } finally {
      failing = '';
    }
  });
});
