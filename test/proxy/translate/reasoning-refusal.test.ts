import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {refusesReasoning, thinkingRuleUnmet, toolLoopLacksThinking, turnOffThinkingWhereRuleUnmet, withoutReasoning} from '../../../source/proxy/translate/reasoning-refusal.js';

const thinking = (signature = 'sig') => ({type: 'thinking', thinking: 't', signature});
const toolUse = (id: string) => ({type: 'tool_use', id, name: 'Read', input: {}});
const toolResult = (id: string) => ({type: 'tool_result', tool_use_id: id, content: 'r'});

describe('refusesReasoning: the upstream’s own words, 400 only', () => {
  const cases: [Parameters<typeof refusesReasoning>[0], string, boolean][] = [
    ['anthropic', '{"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0: Invalid `signature` in `thinking` block"}}', true],
    ['anthropic', 'messages.3.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block', true],
    ['anthropic', 'messages.1.content.2: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified', true],
    ['anthropic', 'messages.1.content.0.thinking.signature: Field required', true],
    ['anthropic', 'messages.3.content.0.thinking: each thinking block must contain thinking', true],
    ['anthropic', 'temperature may only be set to 1 when thinking is enabled', false],
    ['anthropic', 'max_tokens: 70000 > 64000, which is the maximum allowed number of output tokens', false],
    ['anthropic', 'thinking.budget_tokens: Input should be greater than or equal to 1024', false],
    ['openai-responses', '{"error":{"message":"The encrypted content gAAA...DQ== could not be verified.","type":"invalid_request_error","param":null,"code":"invalid_encrypted_content"}}', true],
    ['openai-responses', 'The encrypted content Work...out. could not be verified. Reason: Encrypted content could not be decrypted or parsed.', true],
    ['openai-responses', '{"detail":"Store must be set to false"}', false],
    ['gemini-internal', '{"error":{"code":400,"message":"Corrupted thought signature.","status":"INVALID_ARGUMENT"}}', true],
    ['gemini-native', 'Function call is missing a thought_signature in functionCall parts.', true],
    ['openai-chat', 'Unable to submit request because Thought signature is not valid.', true],
    ['openai-chat', "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", false],
    ['openai-chat', 'messages.1.content.0: Invalid `signature` in `thinking` block', false],
    // Claude on Antigravity: Vertex's refusal inside Google's error (CLIProxyAPI #570).
    ['gemini-internal', '{"error":{"code":400,"message":"{\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"invalid_request_error\\",\\"message\\":\\"messages.1.content.0: Invalid `signature` in `thinking` block\\"}}","status":"INVALID_ARGUMENT"}}', true],
    ['gemini-internal', '{"error":{"code":400,"message":"Permission denied on resource project p-2.","status":"INVALID_ARGUMENT"}}', false],
  ];
  for (const [upstream, text, expected] of cases) {
    it(`${upstream}: ${expected ? 'refusal' : 'not one'}: ${text.slice(0, 70)}`, () => {
      assert.equal(refusesReasoning(upstream, 400, text), expected);
      assert.equal(refusesReasoning(upstream, 500, text), false);
      assert.equal(refusesReasoning(upstream, 200, text), false);
    });
  }
});

describe('toolLoopLacksThinking and the thinking rule', () => {
  it('holds inside a loop whose opening or last assistant message does not start with thinking', () => {
    const loop = (opening: unknown[], later?: unknown[]) => [
      {role: 'user', content: 'q'},
      {role: 'assistant', content: opening},
      {role: 'user', content: [toolResult('a')]},
      ...(later ? [{role: 'assistant', content: later}, {role: 'user', content: [toolResult('b'), {type: 'text', text: '<system-reminder>x</system-reminder>'}]}] : []),
    ];
    assert.equal(toolLoopLacksThinking(loop([thinking(), toolUse('a')])), false);
    assert.equal(toolLoopLacksThinking(loop([toolUse('a')])), true);
    assert.equal(toolLoopLacksThinking(loop([{type: 'text', text: 'let me look'}, toolUse('a')])), true);
    assert.equal(toolLoopLacksThinking(loop([thinking(), toolUse('a')], [thinking(), toolUse('b')])), false);
    assert.equal(toolLoopLacksThinking(loop([thinking(), toolUse('a')], [toolUse('b')])), false, 'later steps need none (Claude thinks after a tool result only when interleaved)');
    assert.equal(toolLoopLacksThinking(loop([toolUse('a')], [thinking(), toolUse('b')])), true, 'its opening too');
    assert.equal(toolLoopLacksThinking(loop([{type: 'redacted_thinking', data: 'x'}, toolUse('a')])), false);
    // Consecutive messages of one role are one turn, as Anthropic takes them.
    const split = [{role: 'user', content: 'q'}, {role: 'assistant', content: [{type: 'text', text: 'looking'}]}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}, {role: 'user', content: 'and?'}];
    assert.equal(toolLoopLacksThinking(split), true, 'tool results, then text in a message of its own: still the loop’s turn');
    assert.equal(toolLoopLacksThinking([{role: 'user', content: 'q'}, {role: 'assistant', content: [thinking()]}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}]), false);
    assert.equal(toolLoopLacksThinking([{role: 'user', content: 'q'}, {role: 'assistant', content: 'plain text'}, {role: 'user', content: [toolResult('a')]}]), true);
  });

  it('does not hold outside a loop: a new question, an empty history, a system message at the end', () => {
    assert.equal(toolLoopLacksThinking([]), false);
    assert.equal(toolLoopLacksThinking([{role: 'user', content: 'q'}]), false);
    assert.equal(toolLoopLacksThinking([{role: 'user', content: 'q'}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}, {role: 'assistant', content: 'done'}, {role: 'user', content: 'next'}]), false);
    assert.equal(toolLoopLacksThinking([{role: 'user', content: [toolResult('a')]}]), false, 'no assistant message: nothing to start with thinking');
    assert.equal(toolLoopLacksThinking([{role: 'user', content: 'q'}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}, {role: 'system', content: 'env'}]), true);
  });

  it('turns thinking (enabled or adaptive) off, and only clear_thinking edits, only where the rule is unmet', () => {
    const messages = [{role: 'user', content: 'q'}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}];
    const body: Record<string, unknown> = {thinking: {type: 'adaptive'}, context_management: {edits: [{type: 'clear_thinking_20251015'}]}, messages};
    assert.equal(turnOffThinkingWhereRuleUnmet(body), true);
    assert.deepEqual(body, {messages});
    const enabled: Record<string, unknown> = {thinking: {type: 'enabled', budget_tokens: 2048}, context_management: {edits: [{type: 'clear_tool_uses_20250919'}]}, messages};
    assert.equal(turnOffThinkingWhereRuleUnmet(enabled), true);
    assert.deepEqual(enabled, {context_management: {edits: [{type: 'clear_tool_uses_20250919'}]}, messages});
    const disabled = {thinking: {type: 'disabled'}, messages};
    assert.equal(thinkingRuleUnmet(disabled), false);
    assert.equal(turnOffThinkingWhereRuleUnmet({thinking: {type: 'enabled', budget_tokens: 2048}, messages: [{role: 'user', content: 'q'}]}), false);
  });
});

describe('withoutReasoning: the client’s history without reasoning state, or undefined when there is none', () => {
  it('Anthropic: thinking blocks out, an emptied message out, other fields and messages as they were, the body not changed', () => {
    const body = {
      model: 'm',
      thinking: {type: 'enabled', budget_tokens: 2048},
      messages: [
        {role: 'user', content: 'q1'},
        {role: 'assistant', content: [thinking('sig-kimi-1'), {type: 'text', text: 'a1'}]},
        {role: 'user', content: 'q2'},
        {role: 'assistant', content: [{type: 'redacted_thinking', data: 'x'}]},
        {role: 'user', content: 'q3'},
      ],
    };
    const copy = structuredClone(body);
    const out = withoutReasoning('anthropic', body)!;
    assert.deepEqual(body, copy, 'the client’s body is kept for any other attempt');
    assert.deepEqual(out.messages, [{role: 'user', content: 'q1'}, {role: 'assistant', content: [{type: 'text', text: 'a1'}]}, {role: 'user', content: 'q2'}, {role: 'user', content: 'q3'}]);
    assert.deepEqual(out.thinking, body.thinking, 'not in a loop: thinking stays on');
    assert.equal(withoutReasoning('anthropic', {messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: 'a'}]}), undefined);
    assert.equal(withoutReasoning('anthropic', {messages: 'nonsense'}), undefined);
  });

  it('Anthropic in a loop: thinking off with the loop’s thinking gone (Claude on Antigravity has the same rule)', () => {
    const body = {thinking: {type: 'enabled', budget_tokens: 2048}, messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: [thinking(), toolUse('a')]}, {role: 'user', content: [toolResult('a')]}]};
    assert.equal(withoutReasoning('anthropic', body)!.thinking, undefined);
    assert.deepEqual(body.thinking, {type: 'enabled', budget_tokens: 2048});
  });

  it('Responses: reasoning items out of input; none, or input a string: undefined', () => {
    const input = [{role: 'user', content: 'q'}, {type: 'reasoning', id: 'rs_1', encrypted_content: 'gAAA'}, {type: 'function_call', call_id: 'c', name: 'f', arguments: '{}'}];
    assert.deepEqual(withoutReasoning('openai-responses', {input})!.input, [input[0], input[2]]);
    assert.equal(withoutReasoning('openai-responses', {input: 'hi'}), undefined);
    assert.equal(withoutReasoning('openai-responses', {input: [input[0]]}), undefined);
    // Codex's compaction of earlier turns carries encrypted content another account cannot read either.
    const compacted = [{type: 'compaction', id: 'cmp_1', encrypted_content: 'gAAA'}, {role: 'user', content: 'q'}];
    assert.deepEqual(withoutReasoning('openai-responses', {input: compacted})!.input, [compacted[1]]);
  });

  it('Chat: every call gets Google’s skip value, other extra_content kept; no call, or all skipped already: undefined', () => {
    const call = {id: 'c', type: 'function', function: {name: 'f', arguments: '{}'}, extra_content: {google: {thought_signature: 'bad', other: 1}, vendor: 2}};
    const out = withoutReasoning('openai-chat', {messages: [{role: 'assistant', tool_calls: [call]}]})!;
    assert.deepEqual((out.messages as {tool_calls: unknown[]}[])[0]!.tool_calls[0], {...call, extra_content: {google: {thought_signature: 'skip_thought_signature_validator', other: 1}, vendor: 2}});
    assert.equal(withoutReasoning('openai-chat', out), undefined, 'the skip value is what is left: nothing more to take out');
    const unsigned = withoutReasoning('openai-chat', {messages: [{role: 'assistant', tool_calls: [{id: 'c', function: {name: 'f'}}, null]}]})!;
    assert.deepEqual((unsigned.messages as {tool_calls: unknown[]}[])[0]!.tool_calls, [{id: 'c', function: {name: 'f'}, extra_content: {google: {thought_signature: 'skip_thought_signature_validator'}}}, null], 'a call without one gets it too ("missing a thought_signature")');
    assert.equal(withoutReasoning('openai-chat', {messages: [{role: 'user', content: 'q'}]}), undefined);
  });
});
