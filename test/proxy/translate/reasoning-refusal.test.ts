import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {reasoningRefusal, thinkingRuleUnmet, toolLoopLacksThinking, turnOffThinkingWhereRuleUnmet, withoutReasoning} from '../../../source/proxy/translate/reasoning-refusal.js';

const thinking = (signature = 'sig') => ({type: 'thinking', thinking: 't', signature});
const toolUse = (id: string) => ({type: 'tool_use', id, name: 'Read', input: {}});
const toolResult = (id: string) => ({type: 'tool_result', tool_use_id: id, content: 'r'});

describe('reasoningRefusal: the upstream’s own words, 400 only, and whose rules', () => {
  const cases: [Parameters<typeof reasoningRefusal>[0], string, boolean][] = [
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
    // Gemini's OpenAI-compatible endpoint wraps its error in an array; Vertex prefixes its words.
    ['openai-chat', '[{"error":{"code":400,"message":"Function call is missing a thought_signature in functionCall parts.","status":"INVALID_ARGUMENT"}}]', true],
    ['gemini-internal', 'Unable to submit request because function call `default_api:read_file` in the 2. content block is missing a `thought_signature`. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures', true],
    ['openai-responses', '{"error":{"message":"Bad reasoning item.","type":"invalid_request_error","param":null,"code":"invalid_encrypted_content"}}', true],
    // Gateways in between: a prefix of plain words, an error body inside the message, OpenRouter's metadata.raw, a leading line break.
    ['anthropic', 'litellm.BadRequestError: AnthropicException - {"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0: Invalid `signature` in `thinking` block"}}', true],
    ['anthropic', '{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"{\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"invalid_request_error\\",\\"message\\":\\"messages.1.content.0: Invalid `signature` in `thinking` block\\"}}","provider_name":"Anthropic"}}}', true],
    ['anthropic', '{"type":"error","error":{"type":"invalid_request_error","message":"\\nmessages.1.content.0: Invalid `signature` in `thinking` block"}}', true],
    ['openai-chat', '{"error":{"message":"litellm.BadRequestError: VertexAIException BadRequestError - {\\"error\\":{\\"code\\":400,\\"message\\":\\"Function call is missing a thought_signature in functionCall parts.\\",\\"status\\":\\"INVALID_ARGUMENT\\"}}","code":"400"}}', true],
    // A signature whose base64 a client broke: Google's decoder refuses the field.
    ['gemini-native', `{"error":{"code":400,"message":"Invalid value at 'contents[2].parts[0].thought_signature' (TYPE_BYTES), Base64 decoding failed for \\"abc\\"","status":"INVALID_ARGUMENT"}}`, true],
    // Errors that quote the client's words (a content check): the words are there, the refusal is not.
    // Nor after a prefix of the gateway's own words, unquoted: only an error body there is read.
    ['openai-chat', '{"error":{"message":"Content blocked by safety filter: Invalid thought signature errors keep happening in my app"}}', false],
    ['gemini-native', '{"error":{"message":"The prompt was flagged - Corrupted thought signature is what my log says"}}', false],
    ['anthropic', '{"type":"error","error":{"type":"invalid_request_error","message":"This request would exceed your rate limit - messages.1.content.0: thinking signature"}}', false],
    ['openai-responses', '{"error":{"message":"Prompt rejected - The encrypted content in my file could not be decrypted"}}', false],
    ['openai-chat', 'Blocked: Invalid thought signature in my question', false],
    ['anthropic', '{"error":{"message":"Error from upstream: messages.1.content.0: Invalid `signature` in `thinking` block"}}', false],
    ['openai-chat', '{"error":{"message":"Input data may contain inappropriate content: \\"why is my thought signature invalid?\\"","type":"invalid_request_error","code":"data_inspection_failed"}}', false],
    ['anthropic', '{"type":"error","error":{"type":"invalid_request_error","message":"Output blocked by content filtering policy: \\"explain why my thinking block signature is invalid\\""}}', false],
    ['anthropic', 'prompt is too long: my notes on messages.1.content.0: Invalid `signature` in `thinking` block', false],
    ['openai-responses', '{"error":{"message":"Flagged: the user asked why the encrypted content could not be verified (invalid_encrypted_content)","type":"invalid_request_error","code":"content_filter"}}', false],
    ['gemini-native', '{"error":{"code":400,"message":"Content blocked: \\"Corrupted thought signature.\\" in the user turn","status":"INVALID_ARGUMENT"}}', false],
  ];
  const rulesOf = (upstream: string, text: string) => (upstream === 'anthropic' || /Invalid `signature`/.test(text) ? 'anthropic' : upstream === 'openai-responses' ? 'encrypted' : 'google');
  for (const [upstream, text, expected] of cases) {
    it(`${upstream}: ${expected ? 'refusal' : 'not one'}: ${text.slice(0, 70)}`, () => {
      assert.equal(reasoningRefusal(upstream, 400, text), expected ? rulesOf(upstream, text) : undefined);
      assert.equal(reasoningRefusal(upstream, 500, text), undefined);
      assert.equal(reasoningRefusal(upstream, 200, text), undefined);
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

describe('withoutReasoning: the client’s history without the refused reasoning, or undefined when that changes nothing', () => {
  const history = {
    model: 'm',
    thinking: {type: 'enabled', budget_tokens: 2048},
    messages: [
      {role: 'user', content: 'q1'},
      {role: 'assistant', content: [thinking('sig-kimi-1'), {type: 'text', text: 'a1'}]},
      {role: 'user', content: 'q2'},
      {role: 'assistant', content: [{type: 'redacted_thinking', data: 'x'}]},
      {role: 'user', content: 'q3'},
      {role: 'assistant', content: [thinking('sig-anthropic-2'), toolUse('t')]},
      {role: 'user', content: [toolResult('t')]},
    ],
  };

  it('Anthropic, earlier turns: their thinking out (an emptied message too), this loop’s kept, thinking on; the body not changed', () => {
    const copy = structuredClone(history);
    const out = withoutReasoning('anthropic', history, 'anthropic', 'earlier-turns')!;
    assert.deepEqual(history, copy, 'the client’s body is kept for any other attempt');
    assert.deepEqual(out.body.messages, [history.messages[0], {role: 'assistant', content: [{type: 'text', text: 'a1'}]}, history.messages[2], history.messages[4], history.messages[5], history.messages[6]]);
    assert.deepEqual(out.body.thinking, history.thinking);
    assert.match(out.takenOut, /earlier turns/);
  });

  it('Anthropic, all: this loop’s thinking too, and thinking off under Anthropic’s rules only', () => {
    const out = withoutReasoning('anthropic', history, 'anthropic', 'all')!;
    assert.equal(JSON.stringify(out.body.messages).includes('thinking'), false);
    assert.equal(out.body.thinking, undefined);
    assert.match(out.takenOut, /rest of this tool loop/);
    const onGemini = withoutReasoning('anthropic', history, 'google', 'all')!;
    assert.deepEqual(onGemini.body.thinking, history.thinking, 'Google has no such rule: the effort the user asked for stays');
  });

  it('Anthropic: a loop another provider opened without thinking: thinking off although nothing else is taken out; nothing to do: undefined', () => {
    const body = {thinking: {type: 'adaptive'}, messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: [toolUse('a')]}, {role: 'user', content: [toolResult('a')]}]};
    assert.equal(withoutReasoning('anthropic', body, 'anthropic', 'earlier-turns'), undefined);
    assert.deepEqual(withoutReasoning('anthropic', body, 'anthropic', 'all')!.body, {messages: body.messages});
    assert.equal(withoutReasoning('anthropic', {messages: [{role: 'user', content: 'q'}, {role: 'assistant', content: 'a'}]}, 'anthropic', 'all'), undefined);
    assert.equal(withoutReasoning('anthropic', {messages: 'nonsense'}, 'anthropic', 'all'), undefined);
  });

  it('Responses: earlier turns’ reasoning items first, then all, and codex’s compaction items only with all (said: the model loses what they summarised)', () => {
    const input = [
      {type: 'compaction', id: 'cmp_1', encrypted_content: 'gAAA-c'},
      {role: 'user', content: 'q1'},
      {type: 'reasoning', id: 'rs_1', encrypted_content: 'gAAA-1'},
      {type: 'message', role: 'assistant', content: [{type: 'output_text', text: 'a1'}]},
      {type: 'message', role: 'user', content: [{type: 'input_text', text: 'q2'}]},
      {type: 'reasoning', id: 'rs_2', encrypted_content: 'gAAA-2'},
      {type: 'function_call', call_id: 'c', name: 'f', arguments: '{}'},
      {type: 'function_call_output', call_id: 'c', output: 'r'},
    ];
    assert.deepEqual(withoutReasoning('openai-responses', {input}, 'encrypted', 'earlier-turns')!.body.input, input.filter((item) => item.id !== 'rs_1'));
    const all = withoutReasoning('openai-responses', {input}, 'encrypted', 'all')!;
    assert.deepEqual(all.body.input, input.filter((item) => item.type !== 'reasoning' && item.type !== 'compaction'));
    assert.match(all.takenOut, /compaction.*no longer sees/);
    assert.equal(withoutReasoning('openai-responses', {input: 'hi'}, 'encrypted', 'all'), undefined);
    assert.equal(withoutReasoning('openai-responses', {input: [input[1]]}, 'encrypted', 'all'), undefined);
  });

  it('Chat: with all of it, every call gets the skip value (other extra_content kept); nothing left: undefined', () => {
    const call = {id: 'c', type: 'function', function: {name: 'f', arguments: '{}'}, extra_content: {google: {thought_signature: 'bad', other: 1}, vendor: 2}};
    const body = {messages: [{role: 'assistant', tool_calls: [call, {id: 'd', function: {name: 'g'}}, null]}]};
    assert.equal(withoutReasoning('openai-chat', body, 'google', 'earlier-turns'), undefined, 'Google checks the current turn only');
    assert.ok(withoutReasoning('openai-chat', body, 'anthropic', 'all'), 'Claude on Antigravity refuses a Gemini call signature in Anthropic’s words');
    const out = withoutReasoning('openai-chat', body, 'google', 'all')!;
    assert.deepEqual((out.body.messages as {tool_calls: unknown[]}[])[0]!.tool_calls, [
      {...call, extra_content: {google: {thought_signature: 'skip_thought_signature_validator', other: 1}, vendor: 2}},
      {id: 'd', function: {name: 'g'}, extra_content: {google: {thought_signature: 'skip_thought_signature_validator'}}},
      null,
    ]);
    assert.equal(withoutReasoning('openai-chat', out.body, 'google', 'all'), undefined);
  });
});
