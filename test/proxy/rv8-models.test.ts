// rv8 attack review (model lists): a provider's live model list is an upstream's answer like any
// other, but /v1/models serves its ids without the credential masker: an upstream that echoes the
// account's token as a model id hands it to every client. Fails on main at a33e1d5.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson, startFakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {liveModelList} from '../../source/proxy/live-models.js';
import {loadRulesContext} from '../../source/store/model-rules.js';
import {accountTokens, API_KEY, oauthToken, proxyFixture} from './fixture.js';
import {leaks} from './rv-harness.js';

const isList = (req: RecordedRequest) => req.method === 'GET' && /\/models$/.test(req.path);

describe('rv8: a live model list that echoes the account token', async () => {
  const token = 'at-k@example.com-0123456789abcdef';
  const upstream = await startFakeUpstream((req, res) => {
    if (!isList(req)) return answerByProtocol(req, res);
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    sendJson(res, 200, {object: 'list', data: [{id: 'kimi-k3'}, {id: bearer}, {id: `echo-${Buffer.from(bearer).toString('base64')}`}]});
  });
  const f = await proxyFixture({provider: 'kimi', upstream, tokens: accountTokens('kimi', ['k@example.com']), endpoints: {kimi: {api: upstream.url}}});
  after(() => f.close());

  it('/v1/models holds the token in no form', async () => {
    const response = await fetch(`${f.url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.ok(text.includes('kimi-k3'), `the live list was served: ${text}`);
    assert.ok(!leaks(text, token), `/v1/models: ${text}`);
  });
});

// Control (passes on a33e1d5): the command line masks the same list. And the rules screen's live
// list (proxy/live-models.ts liveModelList), which shows what it reads as it is.
describe('rv8: `ccs-tui models kimi --live` on a live list that echoes the account token', async () => {
  const token = 'at-k@example.com-0123456789abcdef';
  let fail = false;
  const upstream = await startFakeUpstream((req, res) => {
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (fail) return sendJson(res, 401, {error: {message: `bad token ${bearer}`}});
    sendJson(res, 200, {object: 'list', data: [{id: 'kimi-k3'}, {id: bearer}, {id: `echo-${Buffer.from(bearer).toString('base64')}`}]});
  });
  const ccs = makeTempCcs();
  ccs.writeToken('kimi-k@example.com.json', oauthToken('kimi', 'k@example.com'));
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {kimi: {api: upstream.url}}}));
  after(async () => {
    await upstream.close();
    ccs.cleanup();
  });
  it('prints no token', async () => {
    for (const args of [['models', 'kimi', '--account', 'k@example.com', '--live'], ['models', 'kimi', '--account', 'k@example.com', '--live', '--json']]) {
      const result = await runBin(args, ccs.env);
      assert.ok(result.stdout.includes('kimi-k3'), `${args.join(' ')}: the live list was read: ${result.stdout}${result.stderr}`);
      assert.ok(!leaks(result.stdout + result.stderr, token), `${args.join(' ')} printed: ${result.stdout}`);
    }
  });

  it('the rules screen live list: ids with the token in no form, the other ids as listed', async () => {
    const context = await loadRulesContext(ccs.paths, 'kimi', {account: 'k@example.com', live: await liveModelList(ccs.paths)});
    assert.equal(context.liveError, undefined);
    const ids = JSON.stringify(context.base);
    assert.ok(ids.includes('kimi-k3'), ids);
    assert.ok(!leaks(ids, token), ids);
  });

  it('the rules screen live list: an error body that quotes the token', async () => {
    fail = true;
    const context = await loadRulesContext(ccs.paths, 'kimi', {account: 'k@example.com', live: await liveModelList(ccs.paths)});
    assert.ok(context.liveError?.includes('401'), context.liveError);
    assert.ok(!leaks(context.liveError ?? '', token), context.liveError);
  });
});
