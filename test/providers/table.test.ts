import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PROVIDERS, findProvider, providerForTokenType, staticModels, withEndpointOverrides} from '../../source/providers/table.js';

test('every provider of PROVIDERS.md is one row', () => {
  const ids = PROVIDERS.map((p) => p.id);
  assert.deepEqual(ids, ['claude', 'codex', 'gemini', 'antigravity', 'qwen', 'iflow', 'kimi', 'xai', 'copilot', 'vertex', 'aistudio', 'bob']);
  assert.equal(new Set(ids).size, ids.length);
  for (const row of PROVIDERS) {
    assert.ok(row.logins.length > 0, `${row.id} has a login flow`);
    for (const url of Object.values(row.endpoints)) assert.match(url!, /^https:\/\//, `${row.id} endpoint ${url}`);
  }
});

test('token types map to providers (github-copilot is copilot)', () => {
  assert.equal(providerForTokenType('github-copilot')?.id, 'copilot');
  assert.equal(providerForTokenType('gemini')?.id, 'gemini');
  assert.equal(findProvider('CLAUDE')?.id, 'claude');
});

test('an endpoint override is used exactly as given, the rest stays', () => {
  const claude = findProvider('claude')!;
  const row = withEndpointOverrides(claude, {token: 'http://127.0.0.1:9999/custom/token'});
  assert.equal(row.endpoints.token, 'http://127.0.0.1:9999/custom/token');
  assert.equal(row.endpoints.authorize, claude.endpoints.authorize);
  assert.equal(claude.endpoints.token, 'https://platform.claude.com/v1/oauth/token', 'the table itself is not changed');
});

test('codex models depend on the plan', () => {
  const codex = findProvider('codex')!;
  assert.ok(staticModels(codex, 'pro').includes('gpt-5.3-codex-spark'));
  assert.ok(!staticModels(codex, 'team').includes('gpt-5.3-codex-spark'));
  assert.deepEqual(staticModels(codex, 'free'), ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'gpt-5.4-mini', 'codex-auto-review']);
  assert.equal(staticModels(codex, 'unknown-plan'), codex.models.default);
});
