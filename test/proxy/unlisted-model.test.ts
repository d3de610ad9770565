// A proxy serving no provider picks one by the model asked for; a model no provider lists goes to
// the root provider (Claude) with Claude's account, and its log line says so (README "Proxy").
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {describeEvent, type ProxyEvent} from '../../source/services/proxy/ipc.js';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';

const ask = (url: string, model: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  }).then(async (response) => ({status: response.status, text: await response.text()}));

const requestLine = (events: ProxyEvent[], model: string) => {
  const event = events.findLast((e) => e.type === 'request' && e.model === model);
  assert.ok(event, `a request event for ${model}`);
  return describeEvent(event);
};

describe('a model no provider lists, on the root routes of a proxy serving every provider', async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('claude', ['a@example.com']), ...accountTokens('kimi', ['k@example.com'], () => ({api_key: 'sk-0123456789abcdef'}))],
    endpoints: {claude: {api: upstream.url}, kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it("goes to the root provider with its account, and the log line says the model was listed by no provider and where it went", async () => {
    const answer = await ask(f.url, 'mystery-model-9');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef', "Claude's account");
    assert.match(requestLine(f.events, 'mystery-model-9'), /^POST \/v1\/messages mystery-model-9 → claude\/a@example\.com 200 \d+ ms \(model listed by no provider: sent to claude, the root provider\)$/);
  });

  it('a listed model goes to the provider that lists it, with no such note', async () => {
    const kimi = await ask(f.url, 'kimi-k3');
    assert.equal(kimi.status, 200, kimi.text);
    assert.match(requestLine(f.events, 'kimi-k3'), /→ kimi\/k@example\.com 200 \d+ ms$/);
    const claude = await ask(f.url, 'claude-opus-4-6');
    assert.equal(claude.status, 200, claude.text);
    assert.match(requestLine(f.events, 'claude-opus-4-6'), /→ claude\/a@example\.com 200 \d+ ms$/);
  });
});

describe('a model no provider lists when the root provider has no account', async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    upstream,
    tokens: accountTokens('kimi', ['k@example.com'], () => ({api_key: 'sk-0123456789abcdef'})),
    endpoints: {kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it('the refusal says why Claude was asked', async () => {
    const answer = await ask(f.url, 'mystery-model-9');
    assert.equal(answer.status, 503);
    assert.match(answer.text, /no Claude account.*\(model \\"mystery-model-9\\" is listed by no provider, so it went to Claude, the root provider\)/);
    // Kimi's live list was asked (GET …/models, which this stand-in does not have); no inference went out.
    assert.deepEqual(upstream.requests.filter((r) => r.method !== 'GET'), []);
  });

  // Newcomer (s41): a Claude model was said to be "listed by no provider" when no Claude account was set up.
  it('a Claude model: no Claude account is the reason, not a model no provider lists', async () => {
    const before = upstream.requests.length;
    for (const model of ['claude-sonnet-4-5', 'claude-opus-4-6']) {
      const answer = await ask(f.url, model);
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.text, /no Claude account/);
      assert.doesNotMatch(answer.text, /listed by no provider/);
    }
    // Known as Claude's from its static list: no other provider's list was asked about it, nothing sent.
    assert.equal(upstream.requests.length, before);
  });
});

const AISTUDIO_KEY = 'AIzaSyTestKey0123456789abcdefghijklmno';
const aistudioAndClaude = (upstream: {url: string}) => ({
  provider: 'claude',
  serve: {provider: null},
  tokens: [...accountTokens('claude', ['a@example.com']), {file: 'aistudio-studio1.json', token: {type: 'aistudio', email: 'studio1', api_key: AISTUDIO_KEY}}],
  endpoints: {claude: {api: upstream.url}, aistudio: {api: upstream.url}},
});

describe('a provider without a static list (AI Studio) beside Claude, on the root routes', async () => {
  // AI Studio's OpenAI-compatible surface lists its models at /v1beta/openai/models.
  const upstream = await startFakeUpstream((req, res) =>
    req.method === 'GET' && req.path === '/v1beta/openai/models' ? sendJson(res, 200, {object: 'list', data: [{id: 'models/learnlm-2.0-flash'}, {id: 'learnlm-2.0-flash'}, {id: 'gemini-2.5-pro'}]}) : answerByProtocol(req, res),
  );
  const f = await proxyFixture({...aistudioAndClaude(upstream), upstream});
  after(() => f.close());
  const sentWith = (model: string) => upstream.requests.findLast((r) => r.method === 'POST' && r.body?.model === model)?.headers.authorization;

  it("a Gemini model goes to AI Studio with AI Studio's key, never to Claude with Claude's token", async () => {
    const answer = await chat(f.url, 'gemini-2.5-pro');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(sentWith('gemini-2.5-pro'), `Bearer ${AISTUDIO_KEY}`);
    assert.match(requestLine(f.events, 'gemini-2.5-pro'), /→ aistudio\/studio1 200 \d+ ms$/);
  });

  it('a model only its live list names goes there, the list asked once and then cached', async () => {
    const lists = () => upstream.requests.filter((r) => r.method === 'GET' && r.path === '/v1beta/openai/models').length;
    const first = await chat(f.url, 'learnlm-2.0-flash');
    assert.equal(first.status, 200, first.text);
    assert.equal(sentWith('learnlm-2.0-flash'), `Bearer ${AISTUDIO_KEY}`);
    assert.match(requestLine(f.events, 'learnlm-2.0-flash'), /→ aistudio\/studio1 200/);
    assert.equal(lists(), 1);
    assert.equal((await chat(f.url, 'learnlm-2.0-flash')).status, 200);
    assert.equal(lists(), 1, 'the second request used the cached list');
  });

  it("a model no list names still goes to Claude (its own newer ids by pattern, others as the root provider)", async () => {
    const newer = await ask(f.url, 'claude-opus-9');
    assert.equal(newer.status, 200, newer.text);
    assert.match(requestLine(f.events, 'claude-opus-9'), /→ claude\/a@example\.com 200 \d+ ms$/);
    const mystery = await ask(f.url, 'mystery-model-9');
    assert.equal(mystery.status, 200, mystery.text);
    assert.match(requestLine(f.events, 'mystery-model-9'), /\(model listed by no provider: sent to claude, the root provider\)$/);
  });
});

describe("when AI Studio's live list cannot be had", async () => {
  const upstream = await startFakeUpstream((req, res) => (req.method === 'GET' ? sendJson(res, 500, {error: {message: 'backend down'}}) : answerByProtocol(req, res)));
  const f = await proxyFixture({...aistudioAndClaude(upstream), upstream});
  after(() => f.close());

  it('an unknown model is refused with a 404 naming the command that lists its models, and sent nowhere', async () => {
    const answer = await chat(f.url, 'learnlm-2.0-flash');
    assert.equal(answer.status, 404, answer.text);
    assert.match(answer.text, /model \\"learnlm-2\.0-flash\\" is listed by no provider whose list is known: Google AI Studio's list could not be had \(.*500.*\); see ccs-tui models aistudio --account studio1 --live, or send it to \/api\/provider\/aistudio\/v1\//);
    assert.deepEqual(upstream.requests.filter((r) => r.method !== 'GET'), []);
  });
});

describe("when AI Studio's live list trickles in and never ends", async () => {
  // A byte every half second: never idle long enough for a per-read timeout, never complete.
  const trickling = new Set<NodeJS.Timeout>();
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method !== 'GET') return answerByProtocol(req, res);
    res.writeHead(200, {'content-type': 'application/json'});
    res.write('{"object":"list","data":[');
    const timer = setInterval(() => res.write('{"id":"m"},'), 500);
    trickling.add(timer);
    res.on('close', () => clearInterval(timer));
  });
  const f = await proxyFixture({...aistudioAndClaude(upstream), upstream});
  after(async () => {
    for (const timer of trickling) clearInterval(timer);
    await f.close();
  });

  it('the request is answered within the routing deadline (404 saying the list did not come), not held', async () => {
    const started = Date.now();
    const answer = await chat(f.url, 'learnlm-2.0-flash');
    const took = Date.now() - started;
    assert.equal(answer.status, 404, answer.text);
    assert.match(answer.text, /Google AI Studio's list could not be had \(.*within \d+ s.*\)/);
    assert.ok(took < 8000, `answered after ${took} ms`);
  });
});

describe("when AI Studio's live list is an endless body that comes fast", async () => {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.method !== 'GET') return answerByProtocol(req, res);
    res.writeHead(200, {'content-type': 'application/json'});
    res.write('{"object":"list","data":[');
    const page = Buffer.from('{"id":"m"},'.repeat(6000));
    // As fast as the proxy reads, until it hangs up.
    const more = () => {
      while (!res.destroyed && res.write(page));
    };
    res.on('drain', more);
    more();
  });
  const f = await proxyFixture({...aistudioAndClaude(upstream), upstream});
  after(() => f.close());

  it('reading stops at the size limit: a 404 naming the list URL and the limit, long before the deadline; the proxy serves on', async () => {
    const started = Date.now();
    const answer = await chat(f.url, 'learnlm-2.0-flash');
    const took = Date.now() - started;
    assert.equal(answer.status, 404, answer.text);
    assert.match(answer.text, /Google AI Studio's list could not be had \(127\.0\.0\.1:\d+\/v1beta\/openai\/models answered 200: answer larger than 4 MB \(not read further\)\)/);
    assert.ok(took < 4000, `answered after ${took} ms`);
    assert.equal((await ask(f.url, 'claude-opus-4-6')).status, 200);
  });
});

describe('model ids from a live list are data', async () => {
  const upstream = await startFakeUpstream((req, res) =>
    req.method === 'GET' && req.path === '/v1beta/openai/models'
      ? sendJson(res, 200, {object: 'list', data: [{id: '__proto__'}, {id: 'constructor'}, {id: 'toString'}, {id: '\u001b[31mred'}, {id: 42}, {id: null}, {}, ...Array.from({length: 5000}, (_, i) => ({id: `bulk-${i}`}))]})
      : answerByProtocol(req, res),
  );
  const f = await proxyFixture({...aistudioAndClaude(upstream), upstream});
  after(() => f.close());

  it('prototype names and escapes route as plain strings; the proxy keeps serving', async () => {
    for (const model of ['__proto__', 'constructor', 'hasOwnProperty', 'bulk-3']) {
      const answer = await chat(f.url, model);
      assert.ok(answer.status === 200 || answer.status === 404, `${model}: ${answer.status} ${answer.text}`);
    }
    assert.equal((await ask(f.url, 'claude-opus-4-6')).status, 200);
    for (const event of f.events) assert.ok(!JSON.stringify(event).includes('\u001b'), JSON.stringify(event));
  });
});
