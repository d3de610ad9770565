// Attack on issue 11 "no token is ever shown": a token file rewritten in place (same inode: a shell
// redirect, an editor, a tool that does not write-then-rename). The proxy's token cache follows the
// file's mtime at once and sends the new token; the CredentialRedactor rescans only when the dir's
// mtime changes or every 5 s, so for up to 5 s an upstream that echoes the token gets it to the client.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from './fixture.js';
import {startClaudeProxyChild} from './proxy-child.js';

test('a token rewritten in place is masked in the very next answer', async () => {
  const ccs = makeTempCcs();
  const upstream = await startFakeUpstream((req, res) => {
    res.writeHead(400, {'content-type': 'application/json'});
    res.end(JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message: `you sent ${String(req.headers.authorization ?? req.headers['x-api-key'])}`}}));
  });
  const file = ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com', {access_token: 'sk-ant-oat01-OLD-0123456789abcdef'}));
  const port = await startClaudeProxyChild(ccs, upstream);
  const ask = async () =>
    (
      await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
        body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
      })
    ).text();
  assert.match(await ask(), /redacted/);
  const fresh = `NEW-ACCESS-TOKEN-${Math.random().toString(36).slice(2, 12)}`;
  writeFileSync(file, JSON.stringify(oauthToken('claude', 'a@example.com', {access_token: fresh}))); // same inode
  const body = await ask();
  assert.ok(body.includes('you sent'), body);
  assert.ok(!body.includes(fresh), `the client received the new token in full: ${body}`);
});
