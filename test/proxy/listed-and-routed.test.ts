// What /v1/models lists is what the root routes serve, and nothing a provider no longer has:
// - a complete live list retires the static ids it does not name (a picker would offer dead models;
//   choosing one gave a 404 and a 12 h not-found cooldown), a partial one retires none;
// - root routing reads the lists the same way (a static id one provider retired goes to the
//   provider that still lists it);
// - an alias defined only in an account's token file is routed to that provider and that account.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import {describeEvent} from '../../source/services/proxy/ipc.js';
import {findProvider, staticModels} from '../../source/providers/table.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, sendJson, startFakeUpstream, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {accountTokens, API_KEY, askChat as chat, proxyFixture, type ProxyFixture} from './fixture.js';

const CLAUDE = staticModels(findProvider('claude')!);

/** `/v1/models` ids as an OpenAI client gets them, with each id's owner. */
async function listed(url: string): Promise<{ids: string[]; owner: Record<string, string>}> {
  const response = await fetch(`${url}/v1/models`, {headers: {authorization: `Bearer ${API_KEY}`}});
  assert.equal(response.status, 200);
  const body = (await response.json()) as {data: {id: string; owned_by: string}[]};
  return {ids: body.data.map((m) => m.id), owner: Object.fromEntries(body.data.map((m) => [m.id, m.owned_by]))};
}

/** As Claude Code asks (anthropic-version): the ids. */
async function listedForClaudeCode(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/models`, {headers: {'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'}});
  assert.equal(response.status, 200);
  return ((await response.json()) as {data: {id: string}[]}).data.map((m) => m.id);
}

/** An Anthropic models page of `ids`; `more`: says there are more without saying where (a list that cannot be read to the end). */
function anthropicList(res: ServerResponse, ids: readonly string[], more = false) {
  sendJson(res, 200, {data: ids.map((id) => ({type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z'})), has_more: more, first_id: ids[0], last_id: more ? '' : ids.at(-1)});
}

const isList = (req: RecordedRequest) => req.method === 'GET' && /\/models$/.test(req.path);
const requestLine = (f: ProxyFixture, model: string) => {
  const event = f.events.findLast((e) => e.type === 'request' && e.model === model);
  assert.ok(event, `a request event for ${model}`);
  return describeEvent(event);
};

/** Claude on the root routes, its live list answered by `answerList`; config.yaml: an alias of a kept id, one of a retired id, one exclusion. */
async function claudeWithList(answerList: (res: ServerResponse) => void) {
  const upstream = await startFakeUpstream((req, res) => (isList(req) ? answerList(res) : answerByProtocol(req, res)));
  return proxyFixture({
    provider: 'claude',
    serve: {provider: null},
    upstream,
    tokens: accountTokens('claude', ['a@example.com']),
    endpoints: {claude: {api: upstream.url}},
    configYaml: [
      'oauth-excluded-models:',
      '  claude:',
      '    - "claude-sonnet-4-6"',
      'oauth-model-alias:',
      '  claude:',
      '    - name: "claude-opus-4-8"',
      '      alias: "opus"',
      '    - name: "claude-3-5-haiku-20241022"',
      '      alias: "old-haiku"',
      '',
    ].join('\n'),
  });
}

describe("/v1/models when Claude's complete live list no longer names most of its static ids", async () => {
  const f = await claudeWithList((res) => anthropicList(res, ['claude-opus-5-1', 'claude-haiku-4-5-20251001', 'claude-opus-4-8', 'claude-sonnet-4-6']));
  after(() => f.close());

  it('lists only the static ids the live list names, then its new ones; rules still apply; no retired id and no alias of one', async () => {
    const {ids, owner} = await listed(f.url);
    // Static order first (claude-opus-4-8 renamed by its alias, claude-sonnet-4-6 excluded), then what only the live list has.
    assert.deepEqual(ids, ['opus', 'claude-haiku-4-5-20251001', 'claude-opus-5-1']);
    assert.ok(Object.values(owner).every((o) => o === 'claude'));
    assert.deepEqual(await listedForClaudeCode(f.url), ids, "Claude Code's picker offers the same");
  });

  it('what it lists is served: the alias reaches Claude as its model, the live-only model as is', async () => {
    const aliased = await chat(f.url, 'opus');
    assert.equal(aliased.status, 200, aliased.text);
    assert.equal(f.upstream.requests.findLast((r) => r.method === 'POST')?.body?.model, 'claude-opus-4-8');
    const newer = await chat(f.url, 'claude-opus-5-1');
    assert.equal(newer.status, 200, newer.text);
    assert.match(requestLine(f, 'claude-opus-5-1'), /→ claude\/a@example\.com 200 \d+ ms$/);
  });

  it('`ccs-tui models claude --live` shows the same list as the proxy serves', async () => {
    const run = await runBin(['models', 'claude', '--account', 'a@example.com', '--live', '--json'], f.ccs.env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {models: {id: string}[]};
    assert.deepEqual(out.models.map((m) => m.id), (await listed(f.url)).ids);
  });
});

describe("/v1/models when Claude's live list is partial", async () => {
  const f = await claudeWithList((res) => anthropicList(res, ['claude-opus-5-1', 'claude-opus-4-8'], true));
  after(() => f.close());

  it('keeps every static id (one missing may be on a page not read), then the live ones', async () => {
    const {ids} = await listed(f.url);
    const expected = CLAUDE.filter((id) => id !== 'claude-sonnet-4-6').map((id) => ({'claude-opus-4-8': 'opus', 'claude-3-5-haiku-20241022': 'old-haiku'})[id] ?? id);
    assert.deepEqual(ids, [...expected, 'claude-opus-5-1']);
  });
});

/**
 * The root routes over a Kimi and an iFlow account (closed after the file's tests); the one whose
 * credential contains `credential` gets `ids` as its complete live list, the other none.
 */
async function kimiAndIflow(credential: string, ids: readonly string[]) {
  const upstream = await startFakeUpstream((req, res) => {
    if (!isList(req)) return answerByProtocol(req, res);
    if (String(req.headers.authorization).includes(credential)) return sendJson(res, 200, {object: 'list', data: ids.map((id) => ({id}))});
    sendJson(res, 404, {error: {message: 'no list here'}});
  });
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    upstream,
    tokens: [...accountTokens('kimi', ['k@example.com']), ...accountTokens('iflow', ['i@example.com'], () => ({api_key: 'iflow-key-0123456789abcdef'}))],
    endpoints: {kimi: {api: upstream.url}, iflow: {api: `${upstream.url}/v1`}},
  });
  after(() => f.close());
  return f;
}

describe('root routing reads the lists as /v1/models does: a static id its provider retired goes to the provider that still serves it', async () => {
  // Kimi's complete live list no longer names kimi-k2; iFlow's static list does (its live list is not had).
  const f = await kimiAndIflow('at-k@example.com', ['kimi-k3', 'kimi-k2.7-code']);

  it('lists kimi-k2 as iFlow\'s and sends it there; Kimi\'s live models still go to Kimi', async () => {
    const {ids, owner} = await listed(f.url);
    assert.equal(owner['kimi-k2'], 'iflow');
    // Grouped by provider: Kimi's live-only ids follow Kimi's, not iFlow's (once each provider, no interleaving).
    const runs = ids.map((id) => owner[id]).filter((provider, i, all) => i === 0 || all[i - 1] !== provider);
    assert.deepEqual(runs, [...new Set(runs)], `each provider's ids together: ${ids.map((id) => `${id}:${owner[id]}`).join(' ')}`);
    assert.equal(owner['kimi-k3'], 'kimi');
    assert.equal(owner['kimi-k2.6'], undefined, "a static id Kimi's list retired, and iFlow does not have, is not listed");
    const retired = await chat(f.url, 'kimi-k2');
    assert.equal(retired.status, 200, retired.text);
    assert.match(requestLine(f, 'kimi-k2'), /→ iflow\/i@example\.com 200 \d+ ms$/);
    const kept = await chat(f.url, 'kimi-k3');
    assert.equal(kept.status, 200, kept.text);
    assert.match(requestLine(f, 'kimi-k3'), /→ kimi\/k@example\.com 200 \d+ ms$/);
  });
});

describe('/v1/models on the root routes keeps each provider\'s ids together', async () => {
  // iFlow (first: its account file sorts first) has a complete live list that keeps one static id
  // and adds one; Kimi has none (its static list follows iFlow's).
  const f = await kimiAndIflow('iflow-key', ['qwen3-max', 'iflow-new-1']);

  it('a live-only id follows its own provider\'s ids, not another provider\'s', async () => {
    const {ids, owner} = await listed(f.url);
    assert.equal(owner['iflow-new-1'], 'iflow');
    assert.deepEqual(ids.filter((id) => owner[id] === 'iflow'), ['qwen3-max', 'iflow-new-1'], 'the static ids the live list names, then its new ones');
    assert.ok(ids.some((id) => owner[id] === 'kimi'));
    const runs = ids.map((id) => owner[id]).filter((provider, i, all) => i === 0 || all[i - 1] !== provider);
    assert.deepEqual(runs, [...new Set(runs)], `each provider's ids together: ${ids.map((id) => `${id}:${owner[id]}`).join(' ')}`);
  });
});

describe("an alias only one account's token file defines, on the root routes (round-robin pool of two)", async () => {
  const upstream = await startFakeUpstream();
  const f = await proxyFixture({
    provider: 'kimi',
    serve: {provider: null},
    strategy: 'round-robin',
    upstream,
    tokens: [
      ...accountTokens('claude', ['c@example.com']),
      ...accountTokens('kimi', ['k1@example.com'], () => ({model_aliases: [{name: 'kimi-k3', alias: 'team-coder'}]})),
      ...accountTokens('kimi', ['k2@example.com']),
    ],
    endpoints: {claude: {api: upstream.url}, kimi: {api: upstream.url}},
  });
  after(() => f.close());

  it('is listed with Kimi, and every request for it lands on that account as its model (never on Claude, never on the other account)', async () => {
    const {owner} = await listed(f.url);
    assert.equal(owner['team-coder'], 'kimi');
    for (let ask = 1; ask <= 3; ask++) {
      const answer = await chat(f.url, 'team-coder');
      assert.equal(answer.status, 200, `ask ${ask}: ${answer.text}`);
      const sent = upstream.requests.findLast((r) => r.method === 'POST');
      assert.equal(sent?.body?.model, 'kimi-k3', `ask ${ask}`);
      assert.equal(sent?.headers.authorization, 'Bearer at-k1@example.com-0123456789abcdef', `ask ${ask}`);
      assert.match(requestLine(f, 'kimi-k3'), /→ kimi\/k1@example\.com 200 \d+ ms$/, 'logged with the model sent');
    }
    // The pool goes on rotating for Kimi's own models.
    const own = await chat(f.url, 'kimi-k2');
    assert.equal(own.status, 200, own.text);
    assert.match(requestLine(f, 'kimi-k2'), /→ kimi\/k2@example\.com 200 \d+ ms$/);
  });
});
