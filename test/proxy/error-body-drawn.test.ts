// An upstream's error body reaches the client as its terminal will draw it, never with a credential
// whole: the account's key or the proxy's own echoed with JSON-escaped invisible characters or
// combining marks between its letters (`\u200b`, a variation selector, a surrogate pair's tag
// character), which the client's JSON decoder turns into characters a terminal draws as nothing; and
// a key with characters that go on no token (`:`, `!`, `@`) gapped likewise. And a body of
// backslashes is masked in time (a look tried at each backslash of the run took 33 s for 200 KB).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {drawnOnTerminal} from '../helpers/terminal-draw.js';
import {API_KEY, proxyFixture} from './fixture.js';

const ACCOUNT_KEY = 'bob-key-a-0123456789abcdef-Q7w2Lp9Rt4';
const ODD_KEY = 'team:key!0123456789@ABCDEFGH';
const routes = ['/v1/chat/completions', '/v1/messages', '/v1/responses'] as const;
const payload = (route: string) =>
  route === '/v1/messages' ? {model: 'bob-model', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}
  : route === '/v1/responses' ? {model: 'bob-model', input: 'hi'}
  : {model: 'bob-model', messages: [{role: 'user', content: 'hi'}]};

describe('an upstream error body as the client draws it', async () => {
  const f = await proxyFixture({provider: 'bob', apiPath: '/v1', tokens: [{file: 'bob-a.json', token: {type: 'bob', api_key: ACCOUNT_KEY}}, {file: 'bob-b.json', token: {type: 'bob', api_key: ODD_KEY}}]});
  after(() => f.close());
  let body = '';
  f.upstream.handler = (_req, res) => {
    res.writeHead(400, {'content-type': 'application/json'});
    res.end(body);
  };
  const ask = async (route: string) => {
    const response = await fetch(`${f.url}${route}`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify(payload(route)),
    });
    const text = await response.text();
    return {status: response.status, text, message: () => String((JSON.parse(text) as {error: {message: string}}).error.message)};
  };

  // As the body holds them: JSON escapes (the decoder makes them characters), and one raw.
  const gaps = ['\\u200b', '\\u2060', '\\u00ad', '\\ufe0f', '\\u0301', '\\u034F', '\\udb40\\udc41', '\\\\u200b', '\u200b'];
  for (const route of routes) {
    for (const gap of gaps) {
      for (const secret of [ACCOUNT_KEY, API_KEY, ODD_KEY]) {
        it(`${route}: ${secret === API_KEY ? "the proxy's key" : secret === ODD_KEY ? 'a key with : ! @' : "the account's key"} with ${JSON.stringify(gap)} between its letters is masked`, async () => {
          body = `{"error":{"message":"Incorrect API key provided: ${[...secret].join(gap)}","type":"invalid_request_error","code":"invalid_api_key"}}`;
          const answer = await ask(route);
          const message = answer.message();
          const drawn = drawnOnTerminal(message.replace(/\\u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
          assert.ok(!drawn.includes(secret.slice(4, -4)), `${answer.status} ${message}`);
          assert.match(message, /Incorrect API key provided: .*…\(redacted\)/u, message);
        });
      }
    }
  }

  it('an error body of 400,000 backslashes is answered, in the client shape, without holding the proxy', {timeout: 20_000}, async () => {
    body = `{"error":{"message":"${'\\\\'.repeat(200_000)}"}}`;
    for (const route of routes) {
      const answer = await ask(route);
      assert.equal(answer.status, 400);
      // Passed through as it came (its first part: an error body is read up to a bound); translated, in the client's shape.
      if (route === '/v1/chat/completions') assert.match(answer.text, /^\{"error":\{"message":"\\\\\\\\/);
      else assert.ok(answer.message().length > 0, answer.text.slice(0, 200));
    }
  });
});
