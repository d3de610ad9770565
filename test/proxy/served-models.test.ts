// `/v1/models` lists what the proxy would serve (issue 14 notes): the static lists and the live ones
// it has or can fetch within the routing deadline, Google's `models/` ids made bare, the rules
// applied (exclusions dropped, aliases listed), in the asking client's shape.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {ROUTING_LIST_DEADLINE_MS} from '../../source/proxy/live-models.js';
import {findProvider, staticModels} from '../../source/providers/table.js';
import {answerByProtocol, sendJson, startFakeUpstream} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture} from './fixture.js';

const AISTUDIO_KEY = 'AIzaSyTestKey0123456789abcdefghijklmno';
const KIMI_KEY = 'sk-kimi-0123456789abcdef';
const CLAUDE = staticModels(findProvider('claude')!);
const KIMI = staticModels(findProvider('kimi')!);

interface OpenAiList {
  object: string;
  data: {id: string; object: string; owned_by: string}[];
}
interface AnthropicList {
  data: {type: string; id: string; display_name: string}[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** `/v1/models` (or a provider route's) as an OpenAI client asks (Bearer, no anthropic-version). */
const openAiModels = async (url: string, route = '/v1/models') => {
  const response = await fetch(`${url}${route}`, {headers: {authorization: `Bearer ${API_KEY}`}});
  assert.equal(response.status, 200);
  return (await response.json()) as OpenAiList;
};
/** As Claude Code asks: x-api-key and anthropic-version. */
const anthropicModels = async (url: string) => {
  const response = await fetch(`${url}/v1/models`, {headers: {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'}});
  assert.equal(response.status, 200);
  return (await response.json()) as AnthropicList;
};
/**
 * A proxy on the root routes with one Claude account and one AI Studio key, both at one fake
 * upstream whose AI Studio models list `answerList` answers (inference answered by protocol).
 */
async function claudeAndAiStudio(answerList: (res: ServerResponse) => void, configYaml?: string) {
  const upstream = await startFakeUpstream((req, res) => (req.method === 'GET' && req.path === '/v1beta/openai/models' ? answerList(res) : answerByProtocol(req, res)));
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('claude', ['a@example.com']), {file: 'aistudio-studio1.json', token: {type: 'aistudio', email: 'studio1', api_key: AISTUDIO_KEY}}],
    endpoints: {claude: {api: upstream.url}, aistudio: {api: upstream.url}},
    ...(configYaml === undefined ? {} : {configYaml}),
  });
  return {upstream, f};
}

describe('/v1/models on the root routes with Claude and AI Studio (which lists its models only live)', async () => {
  // AI Studio's OpenAI-compatible list names models as resources (`models/…`), one also bare, and
  // one entry is the prefix alone (no model: never listed as an empty id).
  const {upstream, f} = await claudeAndAiStudio(
    (res) => sendJson(res, 200, {object: 'list', data: ['models/gemini-2.5-pro', 'models/gemini-2.5-flash', 'models/learnlm-2.0-flash', 'gemini-2.5-pro', 'models/'].map((id) => ({id, object: 'model', owned_by: 'google'}))}),
    ['oauth-excluded-models:', '  aistudio:', '    - "gemini-2.5-flash"', 'oauth-model-alias:', '  aistudio:', '    - name: "learnlm-2.0-flash"', '      alias: "learn"', ''].join('\n'),
  );
  after(() => f.close());
  const listAsks = () => upstream.requests.filter((r) => r.method === 'GET' && r.path === '/v1beta/openai/models').length;

  it("an OpenAI client gets Claude's models and AI Studio's live ones, bare ids, the excluded one left out and the alias in its model's place", async () => {
    const list = await openAiModels(f.url);
    assert.equal(list.object, 'list');
    const owner = Object.fromEntries(list.data.map((m) => [m.id, m.owned_by]));
    for (const id of CLAUDE) assert.equal(owner[id], 'claude', id);
    assert.equal(owner['gemini-2.5-pro'], 'aistudio');
    assert.equal(owner.learn, 'aistudio', 'the alias is listed');
    assert.ok(!('learnlm-2.0-flash' in owner), 'a renamed model is listed by its alias only');
    assert.ok(!('gemini-2.5-flash' in owner), 'the excluded model is not listed');
    assert.deepEqual(list.data.filter((m) => m.id.startsWith('models/') || m.id.trim() === ''), []);
    assert.equal(list.data.filter((m) => m.id === 'gemini-2.5-pro').length, 1, 'listed once, though the upstream named it twice');
    assert.ok(list.data.every((m) => m.object === 'model'));
  });

  it('Claude Code (anthropic-version) gets the same ids in the Anthropic shape; the live list was asked once', async () => {
    const list = await anthropicModels(f.url);
    const ids = list.data.map((m) => m.id);
    assert.deepEqual(ids, (await openAiModels(f.url)).data.map((m) => m.id));
    assert.ok(list.data.every((m) => m.type === 'model' && m.display_name === m.id));
    assert.equal(list.has_more, false);
    assert.equal(list.first_id, ids[0]);
    assert.equal(list.last_id, ids.at(-1));
    assert.equal(listAsks(), 1, 'the cached list served the later asks');
  });

  it('what it lists is served: the alias reaches AI Studio as its model, with the key; the excluded model is refused', async () => {
    const aliased = await chat(f.url, 'learn');
    assert.equal(aliased.status, 200, aliased.text);
    const sent = upstream.requests.findLast((r) => r.method === 'POST');
    assert.equal(sent?.body?.model, 'learnlm-2.0-flash');
    assert.equal(sent?.headers.authorization, `Bearer ${AISTUDIO_KEY}`);
    const excluded = await chat(f.url, 'gemini-2.5-flash');
    assert.equal(excluded.status, 404, excluded.text);
    assert.match(excluded.text, /excluded for Google AI Studio/);
  });

  it("a provider's own route lists that provider's models only", async () => {
    const list = await openAiModels(f.url, '/api/provider/aistudio/v1/models');
    assert.deepEqual(list.data.map((m) => m.id).sort(), ['gemini-2.5-pro', 'learn']);
  });
});

describe('/v1/models when the live lists never answer', async () => {
  // Every models list hangs (no headers); inference answers.
  const upstream = await startFakeUpstream((req, res) => (req.method === 'GET' ? undefined : answerByProtocol(req, res)));
  const f = await proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('claude', ['a@example.com']), ...accountTokens('kimi', ['k@example.com'], () => ({api_key: KIMI_KEY}))],
    endpoints: {claude: {api: upstream.url}, kimi: {api: upstream.url}},
    configYaml: ['oauth-excluded-models:', '  kimi:', `    - "${KIMI[0]}"`, ''].join('\n'),
  });
  after(() => f.close());

  it('answers within the routing deadline with the static lists (exclusions applied), and logs each failure without a key', async () => {
    const started = Date.now();
    const list = await openAiModels(f.url);
    const took = Date.now() - started;
    assert.ok(took < ROUTING_LIST_DEADLINE_MS + 1000, `answered after ${took} ms`);
    assert.ok(upstream.requests.some((r) => r.method === 'GET'), 'the live lists were asked');
    assert.deepEqual(
      list.data.map((m) => m.id),
      [...CLAUDE, ...KIMI.slice(1)],
    );
    // A warning (what it serves goes on from the static list), never the proxy's last error.
    const failures = f.events.filter((e) => e.type === 'problem' && e.severity === 'warning' && /live model list/.test(e.message)).map((e) => JSON.stringify(e));
    assert.ok(!f.events.some((e) => e.type === 'error' && /live model list/.test(e.message)), 'not an error event');
    assert.doesNotMatch(f.proxy.status().lastError?.message ?? '', /live model list/);
    assert.ok(failures.some((line) => line.includes('kimi')), failures.join('\n'));
    for (const line of failures) {
      assert.ok(!line.includes(KIMI_KEY) && !line.includes('at-a@example.com'), line);
    }
  });
});

describe("/v1/models when AI Studio's live list fails, then a model only that list could name", async () => {
  const {upstream, f} = await claudeAndAiStudio((res) => sendJson(res, 500, {error: {message: 'backend down'}}));
  after(() => f.close());

  it("is refused with the 404 naming AI Studio's list while the failure is remembered, never sent to Claude with Claude's account", async () => {
    assert.deepEqual((await openAiModels(f.url)).data.map((m) => m.id), CLAUDE, "the static lists, AI Studio's failure cached");
    for (let ask = 1; ask <= 2; ask++) {
      const answer = await chat(f.url, 'learnlm-2.0-flash');
      assert.equal(answer.status, 404, `ask ${ask}: ${answer.text}`);
      assert.match(answer.text, /Google AI Studio's list could not be had/);
    }
    assert.deepEqual(upstream.requests.filter((r) => r.method === 'POST'), [], 'no upstream got the prompt');
    assert.equal(upstream.requests.filter((r) => r.path === '/v1beta/openai/models').length, 1, 'the failure was asked once, then remembered');
  });
});

describe("an alias of a model only AI Studio's live list names, on AI Studio's own route of a proxy that has not asked the list yet", async () => {
  const upstream = await startFakeUpstream((req, res) =>
    req.method === 'GET' && req.path === '/v1beta/openai/models' ? sendJson(res, 200, {object: 'list', data: [{id: 'models/learnlm-2.0-flash', object: 'model'}]}) : answerByProtocol(req, res),
  );
  const f = await proxyFixture({
    provider: 'aistudio',
    upstream,
    tokens: [{file: 'aistudio-studio1.json', token: {type: 'aistudio', email: 'studio1', api_key: AISTUDIO_KEY}}],
    endpoints: {aistudio: {api: upstream.url}},
    configYaml: ['oauth-model-alias:', '  aistudio:', '    - name: "learnlm-2.0-flash"', '      alias: "learn"', ''].join('\n'),
  });
  after(() => f.close());

  it('reaches AI Studio as its model (the list asked first), not as the alias', async () => {
    const answer = await fetch(`${f.url}/api/provider/aistudio/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
      body: JSON.stringify({model: 'learn', messages: [{role: 'user', content: 'hi'}]}),
    });
    assert.equal(answer.status, 200, await answer.text());
    assert.equal(upstream.requests.findLast((r) => r.method === 'POST')?.body?.model, 'learnlm-2.0-flash');
  });
});

describe('/v1/models on the root routes: a Gemini account whose refresh failed and whose token expired in 2020', async () => {
  const gemini = {type: 'gemini', email: 'old@example.com', access_token: 'ya29.old-0123456789abcdef', refresh_token: '1//old-0123456789abcdef', expired: '2020-01-01T00:00:00Z', project_id: 'p1'};
  const f = await proxyFixture({provider: 'claude', serve: {provider: null}, tokens: [...accountTokens('claude', ['a@example.com']), {file: 'gemini-old@example.com-p1.json', token: gemini}]});
  after(() => f.close());

  it('lists no Gemini model (that account cannot serve now), Claude\'s as before', async () => {
    const {AccountStore} = await import('../../source/store/accounts.js');
    await new AccountStore(f.ccs.paths).setRefreshFailed('gemini', {id: 'old@example.com'}, 'refused (400)', gemini.refresh_token);
    const ids = (await openAiModels(f.url)).data.map((m) => m.id);
    assert.ok(ids.includes(CLAUDE[0]!), ids.join(', '));
    assert.ok(!ids.some((id) => id.startsWith('gemini-')), `Gemini models listed: ${ids.join(', ')}`);
  });
});
