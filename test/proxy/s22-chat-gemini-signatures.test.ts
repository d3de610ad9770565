// A Chat upstream serving Gemini 3 (here an IBM Bob-style OpenAI-compatible key whose gateway fronts
// Gemini's OpenAI-compatible surface) gives each call's thought signature in
// `extra_content.google.thought_signature` and refuses (400) a follow-up whose call lacks it. The Chat
// reader dropped it, so Claude Code and Codex CLI failed on the turn after their first tool call; it
// now reaches them as a thinking signature / reasoning item and goes back on the call.
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {startFakeInference} from '../helpers/fake-inference/server.js';
import {GEMINI_CALL_SIGNATURE} from '../helpers/fake-inference/turns.js';
import type {RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture} from './fixture.js';

const MODEL = 'gemini-3-flash-preview';
const READ_SCHEMA = {type: 'object' as const, properties: {file_path: {type: 'string'}}, required: ['file_path']};
type Json = Record<string, unknown>;
/** The tool calls of the assistant messages a Chat request sends back. */
const sentToolCalls = (req: RecordedRequest) => (req.body!.messages as Json[]).flatMap((m) => (m.role === 'assistant' ? ((m.tool_calls as Json[] | undefined) ?? []) : []));

describe('a Chat upstream serving Gemini 3: its thought signatures go back on the calls', async () => {
  const upstream = await startFakeInference({
    // Some reasoning first, so the signature travels beside the reasoning the Chat reader already carries.
    script: (turn) => (turn.toolResults.length > 0 ? {text: `Tool said: ${turn.toolResults.join(' | ')}`} : {reasoning: 'I should read it.', call: {name: turn.tools[0]!, args: {file_path: '/etc/hostname'}}}),
  });
  const f = await proxyFixture({provider: 'bob', upstream, tokens: [{file: 'bob-key.json', token: {type: 'bob', api_key: 'bob-gateway-key-0123456789'}}]});
  after(() => f.close());
  const anthropic = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/bob`, maxRetries: 0});
  const params = {model: MODEL, max_tokens: 256, tools: [{name: 'Read', description: 'Reads a file', input_schema: READ_SCHEMA}]};

  for (const stream of [true, false]) {
    it(`Claude Code, ${stream ? 'streamed' : 'not streamed'}: the round trip is served, the signature in extra_content of the call sent back`, async () => {
      const from = upstream.requests.length;
      const ask = (messages: Anthropic.MessageParam[]) => (stream ? anthropic.messages.stream({...params, messages}).finalMessage() : anthropic.messages.create({...params, messages}));
      const first = await ask([{role: 'user', content: 'read /etc/hostname'}]);
      const call = first.content.find((b) => b.type === 'tool_use');
      assert.ok(call && call.type === 'tool_use', JSON.stringify(first.content));
      const second = await ask([
        {role: 'user', content: 'read /etc/hostname'},
        {role: 'assistant', content: first.content},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'box-42'}]},
      ]);
      assert.deepEqual(upstream.refusals, []);
      assert.deepEqual(second.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])), ['Tool said: box-42']);
      const sent = upstream.requests.slice(from);
      assert.equal(sent.length, 2);
      assert.deepEqual(sentToolCalls(sent[1]!).map((c) => c.extra_content), [{google: {thought_signature: GEMINI_CALL_SIGNATURE}}]);
      // The reasoning still goes back as reasoning_content, the signature's empty block adds nothing to it.
      assert.equal((sent[1]!.body!.messages as Json[]).find((m) => m.role === 'assistant')?.reasoning_content, 'I should read it.');
    });
  }

  it('Codex CLI (Responses, streamed): the round trip is served, the signature in extra_content of the call sent back', async () => {
    const from = upstream.requests.length;
    const openai = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/bob/v1`, maxRetries: 0});
    const request = {model: MODEL, tools: [{type: 'function' as const, name: 'Read', parameters: READ_SCHEMA, strict: false}], store: false, include: ['reasoning.encrypted_content' as const]};
    const first = await openai.responses.stream({...request, input: 'read /etc/hostname'}).finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call', JSON.stringify(first.output));
    const input = [{role: 'user' as const, content: 'read /etc/hostname'}, ...first.output, {type: 'function_call_output' as const, call_id: call.call_id, output: 'box-42'}] as OpenAI.Responses.ResponseInput;
    const second = await openai.responses.stream({...request, input}).finalResponse();
    assert.deepEqual(upstream.refusals, []);
    assert.equal(second.output_text, 'Tool said: box-42');
    const sent = upstream.requests.slice(from);
    assert.deepEqual(sentToolCalls(sent[1]!).map((c) => c.extra_content), [{google: {thought_signature: GEMINI_CALL_SIGNATURE}}]);
  });

  it('a model that gives no signature gets none back: the calls sent back carry no extra_content', async () => {
    const from = upstream.requests.length;
    const model = 'gemini-2.5-flash';
    const first = await anthropic.messages.create({...params, model, messages: [{role: 'user', content: 'read /etc/hostname'}]});
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.ok(call && call.type === 'tool_use');
    assert.ok(!first.content.some((b) => b.type === 'thinking' && b.thinking === ''), JSON.stringify(first.content));
    await anthropic.messages.create({
      ...params,
      model,
      messages: [{role: 'user', content: 'read /etc/hostname'}, {role: 'assistant', content: first.content}, {role: 'user', content: [{type: 'tool_result', tool_use_id: call.id, content: 'box-42'}]}],
    });
    assert.deepEqual(sentToolCalls(upstream.requests.slice(from)[1]!).map((c) => Object.keys(c).sort()), [['function', 'id', 'type']]);
  });
});
