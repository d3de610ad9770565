// An upstream that splits the account's token over two response header fields (`x-tok: <its first 20
// characters>`, `x-tok2: <the rest>`): a client (or a person reading a log of them) joins them as it
// joins a body's pieces, so each field's piece is masked as a body's cut echo is (CUT_ECHO_MIN
// characters or more of a token's start or end), on a success as on an error, JSON or stream.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {anthropicMessage, anthropicStreamEvents} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken, proxyFixture} from './fixture.js';

const account = oauthToken('claude', 'a@example.com');
const TOKEN = String(account.access_token);
const MODEL = 'claude-sonnet-4-5-20250929';

describe("a token split over two of an answer's header fields", async () => {
  const f = await proxyFixture({provider: 'claude', tokens: [{file: 'claude-a.json', token: account}]});
  after(() => f.close());

  /** The headers the client gets when the upstream answers `status` with the token split at `cut` over x-tok and x-tok2. */
  const headersFor = async (status: number, cut: number, stream = false) => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(status, {'content-type': stream ? 'text/event-stream' : 'application/json', 'x-tok': TOKEN.slice(0, cut), 'x-tok2': TOKEN.slice(cut), 'x-request-id': 'req_0123456789abcdefghij'});
      res.end(stream ? anthropicStreamEvents(MODEL, ['hi']).join('') : JSON.stringify(status < 300 ? anthropicMessage(MODEL, 'hi') : {type: 'error', error: {type: 'invalid_request_error', message: 'no'}}));
    };
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify({model: MODEL, max_tokens: 8, ...(stream ? {stream: true} : {}), messages: [{role: 'user', content: 'hi'}]}),
    });
    await response.arrayBuffer();
    return {status: response.status, headers: response.headers};
  };

  for (const [what, status, stream] of [['a 200 JSON answer', 200, false], ['a 200 stream', 200, true], ['a 400', 400, false]] as const) {
    for (const cut of [20, 12, TOKEN.length - 12]) {
      it(`${what}, cut at ${cut}: both pieces masked, the other fields as sent`, async () => {
        const got = await headersFor(status, cut, stream);
        assert.equal(got.status, status);
        const joined = `${got.headers.get('x-tok')}${got.headers.get('x-tok2')}`;
        assert.ok(!joined.includes(TOKEN.slice(0, 12)) && !joined.includes(TOKEN.slice(-12)), `${what}: a piece of the token passed`);
        // Each as a header takes a masked form (ASCII), never quoting the piece (which could print the token).
        assert.ok(got.headers.get('x-tok') === `${TOKEN.slice(0, 4)}...(redacted)` && got.headers.get('x-tok2') === `${TOKEN.slice(0, 4)}...(redacted)`, `${what}: masked forms`);
        assert.equal(got.headers.get('x-request-id'), 'req_0123456789abcdefghij');
      });
    }
  }
});
