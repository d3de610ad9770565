// A token the proxy sends stays masked while its request is in flight, whatever the file then holds
// (credential-redactor.ts noteSent). Here the file was paused and resumed first: the masker forgot
// the `#sent` entry of a file that was gone for a while, and the proxy's token cache hands out the
// very object it sent before the pause (a rename keeps mtime and size), so noteSent must not take
// "the same object as last time" for "already noted".
import assert from 'node:assert/strict';
import {renameSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {AccountStore} from '../../source/store/accounts.js';
import {answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {accountTokens, askMessages, oauthToken, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a token sent again after a pause and resume, its file rewritten while the request is in flight', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com'])});
  after(() => f.close());
  const store = new AccountStore(f.ccs.paths);
  const file = 'claude-a@example.com.json';
  const sent = String(oauthToken('claude', 'a@example.com').access_token);
  const ask = (route?: string) => askMessages(f, route);

  it('the echo of the sent token reaches the client masked', async () => {
    assert.equal((await ask()).status, 200);
    await store.setPaused('claude', 'a@example.com', true);
    // Once the account list's 3 s are up, a request for another provider (none of its accounts
    // there) re-reads the list without looking at the moved file; its log event makes the masker
    // look at the dirs, where the file is not.
    await sleep(3200);
    assert.equal((await ask('/api/provider/codex/v1/messages')).status, 503);
    await store.setPaused('claude', 'a@example.com', false);
    // Served again with the token sent before; meanwhile a refresh elsewhere (the TUI, CCS) replaces
    // the file, and the upstream echoes the token it was sent.
    f.upstream.handler = async (req, res) => {
      if (!String(req.headers.authorization).includes(sent)) return answerByProtocol(req, res);
      const fresh = f.ccs.writeToken('refreshed.tmp', oauthToken('claude', 'a@example.com', {access_token: 'at-after-refresh-elsewhere-0123456789'}));
      renameSync(fresh, path.join(f.ccs.paths.authDir, file));
      await sleep(250);
      sendJson(res, 200, {id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{type: 'text', text: `you sent ${sent}`}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});
    };
    const answer = await ask();
    assert.equal(answer.status, 200, answer.text);
    assert.ok(f.upstream.requests.at(-1)!.headers.authorization?.includes(sent), 'the token sent before the pause was sent again');
    assert.ok(!answer.text.includes(sent), `the client got the account token: ${answer.text}`);
    assert.match(answer.text, /you sent at-a…(\(redacted\))?/);
  });
});
