// An upstream (or a client) that spells an account's token or the proxy's key percent-encoded
// letter by letter (`%2D` for `-`, every character as `%XX`), or quotes a token without its first
// characters: what the client receives and what the proxy logs (its events) hold neither.
// Found by an attack on the masking.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, leaks, msgReq, serve} from './rv-harness.js';

const TOKEN = 'sk-ant-oat01-SECRETACCESS0123456789abcdefXYZ';
const everyChar = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');
const FORMS: Record<string, (t: string) => string> = {dashes: (t) => t.replace(/-/g, '%2D'), every: everyChar, twice: (t) => everyChar(t).replace(/%/g, '%25')};
/** No run of 12 characters of `secret` anywhere in `text`. */
const noRunOf = (text: string, secret: string) => {
  for (let from = 0; from + 12 <= secret.length; from++) if (text.includes(secret.slice(from, from + 12))) return false;
  return true;
};

describe('percent-encoded and cut echoes of credentials', async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com', {access_token: TOKEN})}]});
  after(() => f.close());
  const logged = () => JSON.stringify(f.events);

  it('a JSON answer, a streamed answer cut every 7 bytes, and the same stream translated to Chat: no token in what the client decodes', async () => {
    for (const [name, form] of Object.entries(FORMS)) {
      const echo = form(TOKEN);
      f.upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: `your key: ${echo}`}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}));
      };
      const json = await askRaw(f, msgReq(false));
      assert.equal(json.status, 200, json.text);
      assert.ok(!leaks(json.text, TOKEN), `${name}: ${json.text}`);
      assert.match(json.text, /your key: sk-a…\(redacted\)/);
      serve(f, anthropicEvents(['your key: ', echo.slice(0, 20), echo.slice(20), ' ok']), 'bytes');
      const streamed = await askRaw(f, msgReq(true));
      assert.ok(!leaks(streamed.text, TOKEN), `${name} stream: ${streamed.text}`);
      serve(f, anthropicEvents(['your key: ', echo.slice(0, 20), echo.slice(20), ' ok']), 'trickle');
      const chat = await askRaw(f, {model: 'claude-sonnet-4-5', stream: true, messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      assert.equal(chat.status, 200, chat.text);
      assert.ok(!leaks(chat.text, TOKEN), `${name} chat: ${chat.text}`);
    }
    assert.ok(noRunOf(logged(), TOKEN), logged());
  });

  it("an upstream error quoting the token without its first characters: the client's answer and the logged error hold no 12 characters of it", async () => {
    for (const cut of [TOKEN.slice(14), TOKEN.slice(4), `${TOKEN.slice(0, 20)}\\n${TOKEN.slice(20)}`]) {
      f.events.length = 0;
      f.upstream.handler = (_req, res) => {
        res.writeHead(400, {'content-type': 'application/json'});
        res.end(`{"type":"error","error":{"type":"invalid_request_error","message":"token ...${cut}"}}`);
      };
      const answer = await askRaw(f, {model: 'claude-sonnet-4-5', messages: [{role: 'user', content: 'hi'}]}, '/v1/chat/completions');
      assert.equal(answer.status, 400, answer.text);
      assert.ok(noRunOf(answer.text.replace(/\\n/g, '\n'), TOKEN), answer.text);
      assert.match(logged(), /upstream 400/);
      assert.ok(noRunOf(logged().replace(/\\\\n/g, '\n'), TOKEN), logged());
    }
  });

  it("the proxy's key in a request's path, percent-encoded or cut by one character: not in the 404's body nor the logged request", async () => {
    f.events.length = 0;
    for (const path of [`/x/${FORMS.dashes!(API_KEY)}`, `/x/${everyChar(API_KEY)}`, `/x/${API_KEY.slice(0, -1)}`, `/v1/messages?k=${API_KEY.slice(0, -1)}`]) {
      const response = await fetch(`${f.url}${path}`, {headers: {'x-api-key': API_KEY}});
      const text = await response.text();
      assert.ok(!leaks(text, API_KEY) && noRunOf(decodeURIComponent(text), API_KEY), `${path}: ${text}`);
    }
    const events = logged();
    assert.ok(noRunOf(decodeURIComponent(events), API_KEY), events);
    assert.match(events, /test…\(redacted\)/);
  });
});
