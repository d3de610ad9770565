// The rules screen's live list (proxy/live-models.ts liveModelList) is an upstream's answer shown as
// it is: an upstream that echoes the account's token as a model id, or in its error body, must not
// put the token on the screen. The command line masks what it prints; the screen reads this list.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {liveModelList} from '../../source/proxy/live-models.js';
import {loadRulesContext} from '../../source/store/model-rules.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {oauthToken} from './fixture.js';
import {leaks} from './rv-harness.js';

describe('the rules screen live list masks what an upstream echoes', async () => {
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

  it('ids: the token in no form, the other ids as listed', async () => {
    const context = await loadRulesContext(ccs.paths, 'kimi', {account: 'k@example.com', live: await liveModelList(ccs.paths)});
    assert.equal(context.liveError, undefined);
    const ids = JSON.stringify(context.base);
    assert.ok(ids.includes('kimi-k3'), ids);
    assert.ok(!leaks(ids, token), ids);
  });

  it('an error body that quotes the token', async () => {
    fail = true;
    const context = await loadRulesContext(ccs.paths, 'kimi', {account: 'k@example.com', live: await liveModelList(ccs.paths)});
    assert.ok(context.liveError?.includes('401'), context.liveError);
    assert.ok(!leaks(context.liveError ?? '', token), context.liveError);
  });
});
