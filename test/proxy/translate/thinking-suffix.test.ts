// CLIProxyAPI thinking suffixes become each upstream protocol's thinking setting; the id goes bare.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {applyThinking, thinkingFromModel} from '../../../source/proxy/translate/thinking-suffix.js';

function sent(id: string, protocol: Parameters<typeof applyThinking>[1], body: Record<string, unknown> = {}): Record<string, unknown> {
  const {model, thinking} = thinkingFromModel(id);
  const out = {...body, model};
  if (thinking) applyThinking(out, protocol, model, thinking);
  return out;
}

describe('thinking suffix at the provider boundary', () => {
  it('reads budgets, levels, auto and none; leaves ids whose parentheses are not a thinking suffix', () => {
    assert.deepEqual(thinkingFromModel('m(8192)'), {model: 'm', thinking: {kind: 'budget', tokens: 8192}});
    assert.deepEqual(thinkingFromModel('m(HIGH)'), {model: 'm', thinking: {kind: 'level', level: 'high'}});
    assert.deepEqual(thinkingFromModel('m(auto)'), {model: 'm', thinking: {kind: 'auto'}});
    assert.deepEqual(thinkingFromModel('m(none)'), {model: 'm', thinking: {kind: 'none'}});
    assert.deepEqual(thinkingFromModel('m()'), {model: 'm'});
    assert.deepEqual(thinkingFromModel('m(beta)'), {model: 'm(beta)'});
  });

  it('Anthropic: thinking enabled with the budget (max_tokens above it), or disabled', () => {
    assert.deepEqual(sent('claude-sonnet-4-5(8192)', 'anthropic', {max_tokens: 4096}), {model: 'claude-sonnet-4-5', max_tokens: 9216, thinking: {type: 'enabled', budget_tokens: 8192}});
    assert.deepEqual(sent('claude-sonnet-4-5(high)', 'anthropic', {max_tokens: 64000}), {model: 'claude-sonnet-4-5', max_tokens: 64000, thinking: {type: 'enabled', budget_tokens: 24576}});
    assert.deepEqual(sent('claude-sonnet-4-5(none)', 'anthropic', {max_tokens: 100, thinking: {type: 'enabled', budget_tokens: 2000}}), {model: 'claude-sonnet-4-5', max_tokens: 100, thinking: {type: 'disabled'}});
  });

  it('OpenAI: Chat reasoning_effort and Responses reasoning.effort, budgets by threshold', () => {
    assert.equal(sent('qwen3-coder-plus(8192)', 'openai-chat').reasoning_effort, 'medium');
    assert.equal(sent('qwen3-coder-plus(1024)', 'openai-chat').reasoning_effort, 'low');
    assert.equal(sent('qwen3-coder-plus(30000)', 'openai-chat').reasoning_effort, 'high');
    assert.deepEqual(sent('gpt-5.2-codex(low)', 'openai-responses', {reasoning: {effort: 'high', summary: 'auto'}}), {model: 'gpt-5.2-codex', reasoning: {effort: 'low', summary: 'auto'}});
  });

  it('Gemini: thinkingBudget (auto -1, none 0), thinkingLevel for gemini-3', () => {
    const budget = (id: string) => (sent(id, 'gemini-internal', {request: {generationConfig: {thinkingConfig: {includeThoughts: true}}}}).request as {generationConfig: {thinkingConfig: unknown}}).generationConfig.thinkingConfig;
    assert.deepEqual(budget('gemini-2.5-pro(8192)'), {includeThoughts: true, thinkingBudget: 8192});
    assert.deepEqual(budget('gemini-2.5-pro(auto)'), {includeThoughts: true, thinkingBudget: -1});
    assert.deepEqual(budget('gemini-2.5-flash(none)'), {thinkingBudget: 0});
    assert.deepEqual(budget('gemini-3-pro-preview(high)'), {includeThoughts: true, thinkingLevel: 'high'});
    assert.deepEqual(budget('gemini-3-pro-preview(512)'), {includeThoughts: true, thinkingLevel: 'low'});
  });
});
