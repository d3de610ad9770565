// Model rules as CLIProxyAPI applies them (issue 10), asserted on the body the upstream RECEIVED:
// channel keys trimmed and lower-cased, thinking suffixes, a token file's aliases before the global
// ones, and iFlow's legacy ids normalised in the proxy. A thinking suffix resolves with the alias and
// then, like CLIProxyAPI's executors, becomes the upstream's thinking setting: these Chat upstreams
// get the bare id and `reasoning_effort` (translate/thinking-suffix.ts); no real service accepts `id(8192)`.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {resolveModels, resolveRequestedModel} from '../../source/core/model-rules.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {globalRules, updateGlobalRules} from '../../source/store/model-rules.js';
import {readFileSync} from 'node:fs';
import {makeTempCcs} from '../helpers/ccs.js';
import {API_KEY, oauthToken, proxyFixture, type ProxyFixture} from './fixture.js';

/**
 * Asks for each requested id in turn and checks the model id the upstream received for it, and the
 * `reasoning_effort` its thinking suffix became (undefined: none sent).
 */
async function assertSent(f: ProxyFixture, cases: readonly [requested: string, expected: string, effort?: string][]): Promise<void> {
  for (const [requested, expected, effort] of cases) {
    const {status, upstreamModel, reasoningEffort} = await sentModel(f, requested);
    assert.equal(status, 200, requested);
    assert.equal(upstreamModel, expected, requested);
    assert.equal(reasoningEffort, effort, `${requested}: reasoning_effort`);
  }
}

/** Posts a chat completion for `model` and returns the model id and reasoning effort the upstream received. */
async function sentModel(f: ProxyFixture, model: string): Promise<{status: number; upstreamModel: unknown; reasoningEffort?: unknown}> {
  const before = f.upstream.requests.length;
  const response = await fetch(`${f.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'},
    body: JSON.stringify({model, messages: [{role: 'user', content: 'hi'}]}),
  });
  await response.text();
  const received = f.upstream.requests.slice(before).at(-1);
  return {status: response.status, upstreamModel: received?.body?.model, reasoningEffort: received?.body?.reasoning_effort};
}

describe('iFlow legacy ids are normalised in the proxy, suffixes kept', async () => {
  const f = await proxyFixture({
    provider: 'iflow',
    apiPath: '/v1',
    tokens: [{file: 'iflow-a@example.com-1.json', token: oauthToken('iflow', 'a@example.com', {api_key: 'iflow-key-0123456789abcdef'})}],
  });
  after(() => f.close());

  it('sends the current id for every legacy id, whether or not the static list has it', async () => {
    const cases: [string, string, string?][] = [
      ['iflow-default', 'qwen3-coder-plus'],
      ['kimi-k2.5', 'kimi-k2'],
      ['deepseek-v3.2-chat', 'deepseek-v3.2'],
      ['glm-4.7', 'glm-4.6'],
      ['minimax-m2.5', 'qwen3-coder-plus'],
      ['kimi-k2.5(8192)', 'kimi-k2', 'medium'],
      // Same kind, not in the issue: another suffix and a differently cased legacy id.
      ['DeepSeek-V3.2-Chat(high)', 'deepseek-v3.2', 'high'],
      ['glm-4.7()', 'glm-4.6'],
      ['qwen3-max', 'qwen3-max'],
    ];
    await assertSent(f, cases);
  });
});

describe('aliases with thinking suffixes, channel keys as CLIProxyAPI reads them, account aliases first', async () => {
  const f = await proxyFixture({
    provider: 'xai',
    apiPath: '/v1',
    tokens: [
      {
        file: 'xai-a@example.com.json',
        token: oauthToken('xai', 'a@example.com', {model_aliases: [{name: 'grok-3-mini', alias: 'mine'}]}),
      },
    ],
    configYaml: [
      'oauth-model-alias:',
      '  " XAI ":', // trimmed and lower-cased: this is xai
      '    - name: "grok-4.6"',
      '      alias: "big"',
      '    - name: "grok-4.6(high)"',
      '      alias: "deep"',
      '    - name: "grok-4.5"',
      '      alias: "fast(low)"',
      '    - name: "grok-4.6"',
      '      alias: "mine"',
      'oauth-excluded-models:',
      '  Xai:',
      '    - "grok-4.3"',
      '',
    ].join('\n'),
  });
  after(() => f.close());

  it('resolves the part before the parenthesis and sends the suffix upstream as the thinking setting', async () => {
    const cases: [string, string, string?][] = [
      ['big(8192)', 'grok-4.6', 'medium'],
      ['big(high)', 'grok-4.6', 'high'],
      ['big(auto)', 'grok-4.6', 'medium'],
      ['big(none)', 'grok-4.6', 'none'],
      ['big()', 'grok-4.6'],
      ['big', 'grok-4.6'],
      // A suffix on the alias's target wins over the request's.
      ['deep(low)', 'grok-4.6', 'high'],
      ['deep', 'grok-4.6', 'high'],
      // An alias that carries a suffix in its own name is matched exactly first.
      ['fast(low)', 'grok-4.5'],
      ['fast(low)(1024)', 'grok-4.5', 'low'],
      // An upstream id with a suffix and no alias.
      ['grok-3-mini(16384)', 'grok-3-mini', 'high'],
      // The token file's alias beats the global one for the same alias.
      ['mine', 'grok-3-mini'],
      ['mine(2048)', 'grok-3-mini', 'medium'],
    ];
    await assertSent(f, cases);
  });

  it('an excluded model stays excluded with a suffix (channel key "Xai")', async () => {
    const before = f.upstream.requests.length;
    const {status} = await sentModel(f, 'grok-4.3(high)');
    assert.equal(status, 404);
    assert.equal(f.upstream.requests.length, before, 'nothing reached the upstream');
  });
});

describe('the rules themselves', () => {
  it('with fork the original id comes first, then its aliases in config order', () => {
    const r = resolveModels({
      provider: 'gemini',
      base: {models: ['gemini-2.5-pro', 'gemini-2.5-flash'], source: 'static'},
      global: {excluded: [], aliases: [{name: 'gemini-2.5-flash', alias: 'zeta', fork: true}, {name: 'gemini-2.5-flash', alias: 'alpha'}, {name: 'gemini-2.5-pro', alias: 'p', fork: true}]},
    });
    assert.deepEqual(r.models.map((m) => m.id), ['gemini-2.5-pro', 'p', 'gemini-2.5-flash', 'zeta', 'alpha']);
  });

  it('an unknown id keeps its suffix through the normaliser; an empty suffix is dropped', () => {
    const r = resolveModels({provider: 'x', base: {models: ['m'], source: 'static'}, global: {excluded: [], aliases: []}});
    const upper = (id: string) => id.toUpperCase();
    assert.deepEqual(resolveRequestedModel(r, 'new(8192)', upper), {kind: 'unknown', id: 'new(8192)', sentAs: 'NEW(8192)'});
    assert.deepEqual(resolveRequestedModel(r, 'm()'), {kind: 'served', id: 'm', upstream: 'm', sentAs: 'm'});
  });

  it('config.yaml channel keys are trimmed and lower-cased, merged in file order, and saved under the key the file used', async () => {
    const ccs = makeTempCcs();
    try {
      ccs.writeRaw(
        'cliproxy/config.yaml',
        ['oauth-excluded-models:', '  " GitHub-Copilot ":', '    - "gpt-4.1"', '  github-copilot:', '    - "gpt-5"', 'oauth-model-alias:', '  CODEX:', '    - name: "gpt-5.5"', '      alias: "g"', ''].join('\n'),
      );
      const {config} = await loadCliproxyConfig(ccs.paths);
      assert.deepEqual(globalRules(config, 'copilot').excluded, ['gpt-4.1', 'gpt-5']);
      assert.deepEqual(globalRules(config, 'codex').aliases, [{name: 'gpt-5.5', alias: 'g'}]);
      await updateGlobalRules(ccs.paths, 'codex', (rules) => ({...rules, aliases: [...rules.aliases, {name: 'gpt-5.4', alias: 'h'}]}));
      await updateGlobalRules(ccs.paths, 'copilot', (rules) => ({...rules, excluded: [...rules.excluded, 'gpt-5-mini']}));
      const text = readFileSync(ccs.paths.config, 'utf8');
      assert.match(text, /\n {2}CODEX:\n/, 'the spelling the file used is kept');
      assert.doesNotMatch(text, /\n {2}codex:/);
      assert.equal(text.match(/github-copilot/gi)?.length, 1, `one copilot channel left:\n${text}`);
      const {config: after} = await loadCliproxyConfig(ccs.paths);
      assert.deepEqual(globalRules(after, 'copilot').excluded, ['gpt-4.1', 'gpt-5', 'gpt-5-mini']);
      assert.deepEqual(globalRules(after, 'codex').aliases.map((a) => a.alias), ['g', 'h']);
    } finally {
      ccs.cleanup();
    }
  });
});
