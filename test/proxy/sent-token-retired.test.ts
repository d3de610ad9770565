// A token the proxy sent stays masked while a request that carried it may still be answering, even
// once no file stands for it: the account removed mid-request, or a newer token sent from the same
// file by a later request (credential-redactor.ts retire).
import assert from 'node:assert/strict';
import {renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';
import {answerByProtocol, sendJson} from '../helpers/fake-upstreams.js';
import {accountTokens, askMessages, oauthToken, proxyFixture} from './fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const echo = (text: string) => ({id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{type: 'text', text}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});

describe('the echo of a sent token whose file no longer holds it', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: accountTokens('claude', ['a@example.com'])});
  after(() => f.close());
  const file = path.join(f.ccs.paths.authDir, 'claude-a@example.com.json');
  const first = String(oauthToken('claude', 'a@example.com').access_token);
  const ask = () => askMessages(f);

  it('is masked when a later request sent a newer token from the same file meanwhile', async () => {
    const newer = 'at-newer-token-from-elsewhere-0123456789';
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => {};
    const sentFirst = new Promise<void>((resolve) => (arrived = resolve));
    f.upstream.handler = async (req, res) => {
      if (!String(req.headers.authorization).includes(first)) return answerByProtocol(req, res);
      arrived();
      await held;
      sendJson(res, 200, echo(`you sent ${first}`));
    };
    const slow = ask();
    // The slow request has carried the first token upstream (not merely been sent by the client).
    await sentFirst;
    // A refresh elsewhere replaces the file; the next request sends the newer token.
    const fresh = f.ccs.writeToken('refreshed.tmp', oauthToken('claude', 'a@example.com', {access_token: newer}));
    renameSync(fresh, file);
    const quick = await ask();
    assert.equal(quick.status, 200, quick.text);
    assert.ok(f.upstream.requests.at(-1)!.headers.authorization?.includes(newer), 'the later request sent the newer token');
    await sleep(250);
    release();
    const answer = await slow;
    assert.equal(answer.status, 200, answer.text);
    assert.ok(!answer.text.includes(first), `the client got the account token: ${answer.text}`);
    assert.match(answer.text, /you sent at-a…(\(redacted\))?/);
  });

  it('is masked when the account was removed while its request was answering', async () => {
    const current = 'at-newer-token-from-elsewhere-0123456789';
    f.upstream.handler = async (req, res) => {
      // The account's file goes (removed in the TUI or by CCS) before the upstream answers.
      rmSync(file);
      await sleep(250);
      sendJson(res, 200, echo(`you sent ${String(req.headers.authorization).replace('Bearer ', '')}`));
    };
    const answer = await ask();
    assert.equal(answer.status, 200, answer.text);
    assert.ok(!answer.text.includes(current), `the client got the account token: ${answer.text}`);
    assert.match(answer.text, /you sent at-n…(\(redacted\))?/);
  });
});
