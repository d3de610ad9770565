// An upstream's 200 whose body is no answer (HTML under a JSON type, SSE of garbage lines, JSON of
// another shape) on a translated route: every client protocol gets a 502 in its own error shape,
// logged as a 502, whether it asked for a stream or not. Found by testers: Messages got a 502, a
// Responses client a 200 `status: failed` (logged as 200), a stream client a 200 stream holding an
// error event; a Responses upstream's `{}` was read as an empty completed answer.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

const bodies = [
  {name: 'HTML labelled application/json', type: 'application/json', body: '<html>not json at all'},
  {name: 'an event stream of garbage lines', type: 'text/event-stream', body: 'hello\nworld\n\n<html>\n\n'},
  {name: 'HTML labelled text/html', type: 'text/html; charset=utf-8', body: '<html><body>Bad gateway</body></html>'},
  {name: 'a JSON object of no API', type: 'application/json', body: '{"hello":"world"}'},
];

type Route = '/v1/messages' | '/v1/responses' | '/v1/chat/completions';
const payload = (route: Route, model: string, stream: boolean) =>
  route === '/v1/messages' ? {model, max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]}
  : route === '/v1/responses' ? {model, stream, input: 'hi'}
  : {model, stream, messages: [{role: 'user', content: 'hi'}]};

/** The route's error message, checked to be in the route's own error shape. */
function errorMessage(route: Route, json: Record<string, unknown>): string {
  const error = json.error as Record<string, unknown>;
  if (route === '/v1/messages') {
    assert.equal(json.type, 'error');
    assert.equal(error.type, 'api_error');
  } else {
    assert.equal(error.type, 'server_error');
    assert.ok('param' in error && 'code' in error, JSON.stringify(json));
  }
  return String(error.message);
}

async function ask(f: ProxyFixture, route: Route, model: string, stream: boolean) {
  const before = f.events.length;
  const response = await fetch(`${f.url}${route}`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify(payload(route, model, stream)),
  });
  const text = await response.text();
  const logged = f.events.slice(before).filter((e) => e.type === 'request');
  return {status: response.status, type: response.headers.get('content-type') ?? '', text, logged};
}

const setups = [
  {name: 'a Chat upstream (IBM Bob API key)', fixture: {provider: 'bob', apiPath: '/v1', tokens: [{file: 'bob-a.json', token: {type: 'bob', api_key: 'bob-key-a-0123456789abcdef'}}]}, model: 'bob-model', routes: ['/v1/messages', '/v1/responses'] as Route[]},
  {name: 'an Anthropic upstream (Claude)', fixture: {provider: 'claude', tokens: [{file: 'claude-a@example.com.json', token: oauthToken('claude', 'a@example.com')}]}, model: 'claude-sonnet-4-5', routes: ['/v1/responses', '/v1/chat/completions'] as Route[]},
  {name: 'a Responses upstream (Codex)', fixture: {provider: 'codex', apiPath: '/backend-api/codex', tokens: [{file: 'codex-a.json', token: oauthToken('codex', 'x@example.com', {account_id: 'a1'})}]}, model: 'gpt-5-codex', routes: ['/v1/messages', '/v1/chat/completions'] as Route[]},
];

for (const setup of setups) {
  describe(`${setup.name}: a 200 that is no answer, on the translated routes`, async () => {
    const f = await proxyFixture(setup.fixture);
    after(() => f.close());
    for (const {name, type, body} of bodies) {
      for (const route of setup.routes) {
        for (const stream of [false, true]) {
          it(`${route} (${stream ? 'stream' : 'no stream'}), ${name}: 502 in the client's error shape, logged as 502`, async () => {
            f.upstream.handler = (_req, res) => {
              res.writeHead(200, {'content-type': type});
              res.end(body);
            };
            const answer = await ask(f, route, setup.model, stream);
            assert.equal(answer.status, 502, answer.text);
            assert.match(answer.type, /^application\/json/);
            assert.match(errorMessage(route, JSON.parse(answer.text) as Record<string, unknown>), /^the upstream failed: /);
            assert.deepEqual(answer.logged.map((e) => e.type === 'request' && e.status), [502]);
          });
        }
      }
    }
  });
}

describe('a translated stream whose upstream answers well is still a 200 stream', async () => {
  const f = await proxyFixture(setups[0]!.fixture);
  after(() => f.close());

  it('an upstream that ignores stream: true and answers one chat.completion: a 200 stream of its text', async () => {
    f.upstream.handler = (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({id: 'c1', object: 'chat.completion', model: 'bob-model', choices: [{index: 0, message: {role: 'assistant', content: 'whole'}, finish_reason: 'stop'}]}));
    };
    const answer = await ask(f, '/v1/messages', 'bob-model', true);
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^text\/event-stream/);
    assert.match(answer.text, /"text":"whole"[\s\S]*event: message_stop/);
  });

  it('an upstream silent past the hold: the head goes out first, and a later failure is an error event in the 200 stream', async () => {
    f.upstream.handler = async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'});
      res.flushHeaders();
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      res.end('<html>late</html>');
    };
    const started = Date.now();
    const response = await fetch(`${f.url}/v1/messages`, {
      method: 'POST',
      headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
      body: JSON.stringify(payload('/v1/messages', 'bob-model', true)),
    });
    // The head came before the upstream's body did.
    assert.ok(Date.now() - started < 1_250, `head after ${Date.now() - started} ms`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /event: error/);
  });
});

/** Each upstream protocol's error as the first event of its 200 stream, with the code word it gives. */
const firstEventErrors: Record<string, (code: string, type?: string) => string> = {
  // OpenAI's own: `code` the word, `type` sometimes what was limited (`requests`, `tokens`).
  bob: (code, type) => `data: ${JSON.stringify({error: {message: `stopped: ${code}`, type: type ?? code, code}})}\n\n`,
  claude: (code) => `event: error\ndata: ${JSON.stringify({type: 'error', error: {type: code, message: `stopped: ${code}`}})}\n\n`,
  codex: (code) => `event: response.failed\ndata: ${JSON.stringify({type: 'response.failed', response: {id: 'r1', status: 'failed', error: {code, message: `stopped: ${code}`}}})}\n\n`,
};

/** What each upstream calls a rate limit, an overload and a refused request, and what the client gets for it. */
const codeWords: Record<string, Array<{code: string; type?: string; status: number; anthropic: string; openai: string}>> = {
  bob: [
    {code: 'rate_limit_exceeded', type: 'requests', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'rate_limit_exceeded', type: 'tokens', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'overloaded', type: 'server_error', status: 503, anthropic: 'overloaded_error', openai: 'server_error'},
    // The account's key refused: no fault of the client's request (not a 400 it would not retry).
    {code: 'invalid_api_key', type: 'invalid_request_error', status: 502, anthropic: 'api_error', openai: 'server_error'},
    {code: 'rate_limit_exceeded', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'insufficient_quota', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'context_length_exceeded', status: 400, anthropic: 'invalid_request_error', openai: 'invalid_request_error'},
    {code: 'server_error', status: 502, anthropic: 'api_error', openai: 'server_error'},
  ],
  claude: [
    {code: 'overloaded_error', status: 503, anthropic: 'overloaded_error', openai: 'server_error'},
    {code: 'rate_limit_error', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'invalid_request_error', status: 400, anthropic: 'invalid_request_error', openai: 'invalid_request_error'},
  ],
  codex: [
    {code: 'rate_limit_exceeded', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'usage_limit_reached', status: 429, anthropic: 'rate_limit_error', openai: 'rate_limit_error'},
    {code: 'server_is_overloaded', status: 503, anthropic: 'overloaded_error', openai: 'server_error'},
  ],
};

for (const setup of setups) {
  const provider = setup.fixture.provider;
  describe(`${setup.name}: an error as the first event keeps its kind on the translated routes`, async () => {
    // A rate limit cools the lone account as a 429 status does (first-event-failover.test.ts): each
    // case starts an hour later, past any wait the one before left (at most 30 min without a reset).
    let clock = Date.now();
    const f = await proxyFixture({...setup.fixture, now: () => clock});
    after(() => f.close());
    for (const word of codeWords[provider]!) {
      for (const route of setup.routes) {
        for (const stream of [false, true]) {
          it(`${route} (${stream ? 'stream' : 'no stream'}), ${word.code}${word.type ? ` (type ${word.type})` : ''}: ${word.status} in the client's error shape, logged as ${word.status}`, async () => {
            clock += 3600_000;
            f.upstream.handler = (_req, res) => {
              res.writeHead(200, {'content-type': 'text/event-stream'});
              res.end(firstEventErrors[provider]!(word.code, word.type));
            };
            const answer = await ask(f, route, setup.model, stream);
            assert.equal(answer.status, word.status, answer.text);
            const json = JSON.parse(answer.text) as Record<string, unknown>;
            const error = json.error as Record<string, unknown>;
            // A client retries a rate limit or an overload after a wait, and shows a refused request as its own fault.
            if (route === '/v1/messages') assert.deepEqual([json.type, error.type], ['error', word.anthropic]);
            else assert.equal(error.type, word.openai, answer.text);
            assert.match(String(error.message), new RegExp(`^the upstream failed: stopped: ${word.code}$`));
            // An OpenAI client's SDK reads the upstream's own word as the error's code.
            if (route !== '/v1/messages') assert.equal(error.code, word.code, answer.text);
            assert.deepEqual(answer.logged.map((e) => e.type === 'request' && e.status), [word.status]);
          });
        }
      }
    }
  });
}
