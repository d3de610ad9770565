// A token file rewritten in place at the same size with its old mtime put back (`cp -p`, a sync
// tool): the proxy, which keeps each token file's parse while its stamp is unchanged, sends the new token.
import assert from 'node:assert/strict';
import {readFileSync, utimesSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {RECENT_CHANGE_MS} from '../../source/store/file-stamp.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {rewriteKeepingMtime} from '../helpers/rewrite-in-place.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

test('the proxy sends the token of a file rewritten in place at the same size and mtime', async (t) => {
  const ccs = makeTempCcs();
  t.after(() => ccs.cleanup());
  const sent: string[] = [];
  const upstream = await startFakeUpstream((req, res) => {
    sent.push(String(req.headers.authorization ?? req.headers['x-api-key']));
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}));
  });
  const file = ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: 'sk-ant-oat01-AAAA-0123456789abcdef'}));
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = async () => {
    const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(answer.status, 200, await answer.text());
    return sent.at(-1);
  };
  await sleep(RECENT_CHANGE_MS + 100); // the file's last change is past the "racily clean" second: its parse is kept
  assert.equal(await ask(), 'Bearer sk-ant-oat01-AAAA-0123456789abcdef');
  rewriteKeepingMtime(file, readFileSync(file, 'utf8').replace('AAAA', 'BBBB'));
  assert.equal(await ask(), 'Bearer sk-ant-oat01-BBBB-0123456789abcdef', 'at once');
  await sleep(RECENT_CHANGE_MS + 100);
  assert.equal(await ask(), 'Bearer sk-ant-oat01-BBBB-0123456789abcdef', 'a second later');
});
