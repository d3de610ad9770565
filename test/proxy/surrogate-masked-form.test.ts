// A masked form shows a credential's first characters, and a cut message its first ones: never
// half a character. A credential with an astral character near its start (a token file's refresh
// token or secret: any string; no header can carry one, but an upstream may quote it) was shown as `sk-\ud83d…(redacted)`: a lone surrogate, which the
// client received as U+FFFD (UTF-8) or as a `\ud83d` escape its JSON parser may reject.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {sendJson} from '../helpers/fake-upstreams.js';
import {askMessages, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';
import {anthropicEvents, askRaw, msgReq, serve} from './rv-harness.js';

const secret = 'sk-\u{1F600}ant-surrogate-token-0123456789';
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const message = (text: string) => ({id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{type: 'text', text}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});

/** What a client may read: the raw text, and every JSON document in it parsed (escapes decoded). */
function readTexts(raw: string): string[] {
  const out = [raw];
  for (const line of raw.split('\n')) {
    const json = line.startsWith('data: ') ? line.slice(6) : line;
    if (json.startsWith('{')) out.push(JSON.stringify(JSON.parse(json), (_k, v) => v).replace(/\\u[dD][89abAB][0-9a-fA-F]{2}/g, (e) => JSON.parse(`"${e}"`)));
  }
  return out;
}

function assertWhole(raw: string): void {
  assert.ok(!raw.includes(secret), `the client got the token: ${raw}`);
  assert.ok(!raw.includes('\ufffd'), `the client got U+FFFD (half a character encoded): ${raw}`);
  assert.ok(!/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/.test(raw), `the client got an escaped surrogate: ${raw}`);
  for (const text of readTexts(raw)) assert.ok(!LONE.test(text), `a lone surrogate: ${JSON.stringify(text)}`);
  assert.match(raw, /sk-…\(redacted\)/);
}

describe('a credential with an astral character in its first four code units, echoed', () => {
  let f: ProxyFixture;
  before(async () => (f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-s@example.com.json', token: oauthToken('claude', 's@example.com', {refresh_token: secret})}]})));
  after(() => f.close());

  it('in a JSON answer', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 200, message(`you sent ${secret}`));
    const r = await askMessages(f);
    assert.equal(r.status, 200, r.text);
    assertWhole(r.text);
  });

  it('in a stream, whole and cut across events', async () => {
    serve(f, anthropicEvents([`a ${secret} b `, secret.slice(0, 9), `${secret.slice(9)} c`]), 'trickle');
    const r = await askRaw(f, msgReq(true));
    assert.equal(r.status, 200, r.text);
    assertWhole(r.text);
  });

  it('in an error answer and the proxy log', async () => {
    f.upstream.handler = (_req, res) => sendJson(res, 400, {type: 'error', error: {type: 'invalid_request_error', message: `bad key ${secret}`}});
    const r = await askMessages(f);
    assert.equal(r.status, 400, r.text);
    assertWhole(r.text);
    const logged = JSON.stringify(f.events);
    assert.ok(!logged.includes(secret) && !/\\ud83d(?!\\ude00)/.test(logged), `the log: ${logged}`);
  });
});
