import assert from 'node:assert/strict';
import {test} from 'node:test';
import {
  matchesPattern,
  resolveModels,
  resolveRequestedModel,
  type ModelRules,
  type ModelResolution,
} from '../../source/core/model-rules.js';
import {normalizeIflowModel} from '../../source/providers/adapters/iflow.js';
import {findProvider, staticModels} from '../../source/providers/table.js';

const NONE: ModelRules = {excluded: [], aliases: []};

function resolve(provider: string, global: Partial<ModelRules>, account?: Partial<ModelRules>, plan?: string): ModelResolution {
  return resolveModels({
    provider,
    base: {models: staticModels(findProvider(provider)!, plan), source: 'static'},
    global: {...NONE, ...global},
    account: account && {...NONE, ...account},
    normalize: provider === 'iflow' ? normalizeIflowModel : undefined,
  });
}
const ids = (r: ModelResolution) => r.models.map((m) => m.id);
const excludedIds = (r: ModelResolution) => r.excluded.map((e) => e.id);
const warningKinds = (r: ModelResolution) => r.warnings.map((w) => w.kind);

test('pattern forms: exact, prefix*, *suffix, *infix*, * — all case-insensitive', () => {
  const table: [string, string, boolean][] = [
    ['gpt-5.4', 'gpt-5.4', true],
    ['gpt-5.4', 'gpt-5.4-mini', false],
    ['GPT-5.4', 'gpt-5.4', true],
    ['gpt-5.4', 'GPT-5.4', true],
    ['  gpt-5.4 ', 'gpt-5.4', true],
    ['gpt-5-*', 'gpt-5-mini', true],
    ['gpt-5-*', 'gpt-5', false],
    ['gpt-5-*', 'gpt-5.1', false],
    ['GPT-5-*', 'gpt-5-codex', true],
    ['*-mini', 'gpt-5.4-mini', true],
    ['*-mini', 'grok-3-mini-fast', false],
    ['*-MINI', 'gpt-5-mini', true],
    ['*flash*', 'gemini-2.5-flash', true],
    ['*flash*', 'gemini-2.5-flash-lite', true],
    ['*flash*', 'flash', true],
    ['*FLASH*', 'Gemini-3-Flash-Preview', true],
    ['*flash*', 'gemini-2.5-pro', false],
    ['*', 'anything', true],
    ['*', '', true],
    ['gemini-*-pro*', 'gemini-3.1-pro-preview', true],
    ['gemini-*-pro*', 'gemini-2.5-flash', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['', 'gpt-5', false],
    ['gpt.5', 'gpt-5', false],
  ];
  for (const [pattern, id, expected] of table) {
    assert.equal(matchesPattern(pattern, id), expected, `${pattern} vs ${id}`);
  }
});

test('exclusions apply to upstream ids; the excluded list names the pattern', () => {
  const r = resolve('codex', {excluded: ['*-mini']}, undefined, 'pro');
  assert.deepEqual(excludedIds(r), ['gpt-5.4-mini']);
  assert.deepEqual(r.excluded[0], {id: 'gpt-5.4-mini', pattern: '*-mini', scope: 'global'});
  assert.ok(!ids(r).includes('gpt-5.4-mini'));
  assert.deepEqual(r.counts, {visible: 7, all: 8, excluded: 1});
});

test('seed: *-mini on codex, by plan (free has no gpt-5.4 and no spark)', () => {
  const free = resolve('codex', {excluded: ['*-mini']}, undefined, 'free');
  assert.deepEqual(ids(free), ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'codex-auto-review']);
  const team = resolve('codex', {excluded: ['*-MINI']}, undefined, 'team');
  assert.ok(!ids(team).includes('gpt-5.3-codex-spark'));
  assert.ok(!ids(team).includes('gpt-5.4-mini'));
});

test('seed: *-thinking on kimi', () => {
  const r = resolve('kimi', {excluded: ['*-thinking']});
  assert.deepEqual(excludedIds(r), ['kimi-k2-thinking']);
  assert.equal(r.counts.visible, 7);
});

test('seed: glm-4.7 → glm-god on iflow, sent upstream as the normalised glm-4.6', () => {
  const r = resolve('iflow', {aliases: [{name: 'glm-4.7', alias: 'glm-god'}]});
  assert.ok(!ids(r).includes('glm-4.7'), 'renamed away without fork');
  const god = r.models.find((m) => m.id === 'glm-god');
  assert.deepEqual(god, {id: 'glm-god', upstream: 'glm-4.7', sentAs: 'glm-4.6', kind: 'alias'});
  assert.deepEqual(resolveRequestedModel(r, 'glm-god'), {kind: 'served', id: 'glm-god', upstream: 'glm-4.7', sentAs: 'glm-4.6'});
  assert.equal(r.aliases[0]!.status, 'renamed');
});

test('iFlow legacy ids are normalised in one table', () => {
  assert.equal(normalizeIflowModel('kimi-k2.5'), 'kimi-k2');
  assert.equal(normalizeIflowModel('deepseek-v3.2-chat'), 'deepseek-v3.2');
  assert.equal(normalizeIflowModel('glm-4.7'), 'glm-4.6');
  assert.equal(normalizeIflowModel('minimax-m2.5'), 'qwen3-coder-plus');
  assert.equal(normalizeIflowModel('qwen3-max'), 'qwen3-max');
  const r = resolve('iflow', {});
  assert.equal(r.models.find((m) => m.id === 'glm-4.7')?.sentAs, 'glm-4.6');
  assert.equal(r.models.find((m) => m.id === 'glm-4.6')?.sentAs, 'glm-4.6');
  // Legacy ids outside the catalogue are still sent as the current id.
  assert.deepEqual(resolveRequestedModel(r, 'kimi-k2.5', normalizeIflowModel), {kind: 'unknown', id: 'kimi-k2.5', sentAs: 'kimi-k2'});
});

test('seed: gemini-2.5-flash → flash with fork keeps both ids', () => {
  const r = resolve('gemini', {aliases: [{name: 'gemini-2.5-flash', alias: 'flash', fork: true}]});
  assert.ok(ids(r).includes('gemini-2.5-flash'));
  assert.ok(ids(r).includes('flash'));
  assert.deepEqual(r.models.find((m) => m.id === 'flash'), {id: 'flash', upstream: 'gemini-2.5-flash', sentAs: 'gemini-2.5-flash', kind: 'fork'});
  assert.equal(r.counts.visible, 8);
  assert.equal(r.counts.all, 7);
  assert.equal(r.aliases[0]!.status, 'forked');
});

test('no fork: the alias replaces the id', () => {
  const r = resolve('gemini', {aliases: [{name: 'gemini-2.5-flash', alias: 'flash'}]});
  assert.ok(!ids(r).includes('gemini-2.5-flash'));
  assert.ok(ids(r).includes('flash'));
  assert.equal(r.counts.visible, 7);
});

test('several aliases for one model: all appear; any fork entry keeps the original', () => {
  const plain = resolve('claude', {
    aliases: [
      {name: 'claude-opus-4-8', alias: 'opus'},
      {name: 'claude-opus-4-8', alias: 'big'},
    ],
  });
  assert.ok(ids(plain).includes('opus') && ids(plain).includes('big'));
  assert.ok(!ids(plain).includes('claude-opus-4-8'));
  const forked = resolve('claude', {
    aliases: [
      {name: 'claude-opus-4-8', alias: 'opus'},
      {name: 'claude-opus-4-8', alias: 'big', fork: true},
    ],
  });
  assert.ok(ids(forked).includes('opus') && ids(forked).includes('big') && ids(forked).includes('claude-opus-4-8'));
  assert.deepEqual(forked.aliases.map((a) => a.status), ['forked', 'forked']);
});

test('account rules come before global ones: the account alias wins, exclusions add up', () => {
  const r = resolve(
    'codex',
    {excluded: ['gpt-5.5'], aliases: [{name: 'gpt-5.4', alias: 'fast'}]},
    {excluded: ['*-mini'], aliases: [{name: 'gpt-5.6-luna', alias: 'fast'}]},
    'pro',
  );
  assert.equal(r.models.find((m) => m.id === 'fast')?.upstream, 'gpt-5.6-luna');
  assert.ok(ids(r).includes('gpt-5.4'), 'the losing global entry does not rename gpt-5.4');
  assert.deepEqual(excludedIds(r), ['gpt-5.5', 'gpt-5.4-mini']);
  assert.deepEqual(r.excluded.map((e) => e.scope), ['global', 'account']);
  const duplicate = r.warnings.find((w) => w.kind === 'duplicate-alias');
  assert.deepEqual(duplicate, {kind: 'duplicate-alias', scope: 'global', index: 0, alias: 'fast', name: 'gpt-5.4', winner: 'gpt-5.6-luna'});
  // A model matched by an account pattern and a global one names the account pattern.
  const both = resolve('kimi', {excluded: ['kimi-k3*']}, {excluded: ['*-256k']});
  assert.deepEqual(both.excluded.find((e) => e.id === 'kimi-k3-256k'), {id: 'kimi-k3-256k', pattern: '*-256k', scope: 'account'});
});

test('an alias of an excluded model never appears, and the proxy refuses it', () => {
  const r = resolve('gemini', {excluded: ['*flash*'], aliases: [{name: 'gemini-2.5-flash', alias: 'flash', fork: true}]});
  assert.ok(!ids(r).includes('flash'));
  assert.ok(!ids(r).includes('gemini-2.5-flash'));
  assert.equal(r.aliases[0]!.status, 'excluded');
  assert.deepEqual(r.warnings.find((w) => w.kind === 'alias-of-excluded'), {
    kind: 'alias-of-excluded',
    scope: 'global',
    index: 0,
    alias: 'flash',
    name: 'gemini-2.5-flash',
    pattern: '*flash*',
  });
  assert.deepEqual(resolveRequestedModel(r, 'flash'), {kind: 'excluded', id: 'flash', pattern: '*flash*'});
  assert.deepEqual(resolveRequestedModel(r, 'GEMINI-2.5-FLASH'), {kind: 'excluded', id: 'GEMINI-2.5-FLASH', pattern: '*flash*'});
  // An id outside the catalogue that a pattern matches is refused too.
  assert.deepEqual(resolveRequestedModel(r, 'gemini-9-flash'), {kind: 'excluded', id: 'gemini-9-flash', pattern: '*flash*'});
  assert.deepEqual(resolveRequestedModel(r, 'gemini-2.5-pro'), {kind: 'served', id: 'gemini-2.5-pro', upstream: 'gemini-2.5-pro', sentAs: 'gemini-2.5-pro'});
  assert.equal(resolveRequestedModel(r, 'gemini-9-pro').kind, 'unknown');
});

test('entries with name == alias or empty fields are dropped, with a warning', () => {
  const r = resolve('claude', {
    aliases: [
      {name: 'claude-sonnet-4-6', alias: 'Claude-Sonnet-4-6'},
      {name: '', alias: 'x'},
      {name: 'claude-opus-5', alias: '  '},
    ],
  });
  assert.equal(r.counts.visible, 15);
  assert.deepEqual(r.aliases.map((a) => a.status), ['same', 'incomplete', 'incomplete']);
  assert.deepEqual(warningKinds(r), ['alias-equals-name', 'alias-incomplete', 'alias-incomplete']);
});

test('warnings: pattern that matches nothing, pattern that removes everything, alias collision, unknown name', () => {
  const nothing = resolve('kimi', {excluded: ['gpt-*']});
  assert.deepEqual(nothing.warnings, [{kind: 'pattern-matches-nothing', scope: 'global', index: 0, pattern: 'gpt-*'}]);
  const everything = resolve('kimi', {excluded: ['kimi-*']});
  assert.deepEqual(warningKinds(everything), ['pattern-removes-everything']);
  assert.equal(everything.counts.visible, 0);
  const together = resolve('qwen', {excluded: ['*coder*', '*-model']});
  assert.deepEqual(warningKinds(together), ['everything-excluded']);
  const collision = resolve('codex', {aliases: [{name: 'gpt-5.4-mini', alias: 'gpt-5.5'}]}, undefined, 'pro');
  assert.deepEqual(warningKinds(collision), ['alias-collides']);
  // The alias shadows the model it collides with: one gpt-5.5, pointing at gpt-5.4-mini.
  assert.deepEqual(collision.models.filter((m) => m.id === 'gpt-5.5'), [
    {id: 'gpt-5.5', upstream: 'gpt-5.4-mini', sentAs: 'gpt-5.4-mini', kind: 'alias'},
  ]);
  // No collision when the other model is itself renamed away.
  const swap = resolve('codex', {
    aliases: [
      {name: 'gpt-5.4-mini', alias: 'gpt-5.5'},
      {name: 'gpt-5.5', alias: 'five'},
    ],
  });
  assert.deepEqual(warningKinds(swap), []);
  const unknown = resolve('codex', {aliases: [{name: 'gpt-9', alias: 'nine'}]});
  assert.deepEqual(warningKinds(unknown), ['alias-unknown-model']);
  assert.ok(!ids(unknown).includes('nine'));
});

test('a live base list is labelled and used instead of the static one', () => {
  const r = resolveModels({provider: 'codex', base: {models: ['gpt-live-1', 'gpt-live-mini'], source: 'live'}, global: {excluded: ['*-mini'], aliases: []}});
  assert.equal(r.source, 'live');
  assert.deepEqual(ids(r), ['gpt-live-1']);
});
