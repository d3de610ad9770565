// Claude Code (Anthropic Messages) in front of Gemini via Cloud Code (gemini-cli, antigravity).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicSdkFinalMessage, runStream, sseEvents, withoutGeminiCallIds} from '../../helpers/translate-stream.js';

const pair = translatorFor('anthropic', 'gemini-internal')!;
const context = (over: Partial<TranslateContext> = {}): TranslateContext => ({clientModel: 'claude-sonnet-4-6', upstreamModel: 'gemini-2.5-pro', clientStream: true, project: 'proj-42', ...over});

const data = (response: object) => `data: ${JSON.stringify({response})}\r\n\r\n`;
const parts = (list: object[], extra: object = {}) => ({candidates: [{content: {role: 'model', parts: list}, ...extra}], modelVersion: 'gemini-2.5-pro', responseId: 'r-1'});

/** Thoughts, text, then two calls, the first carrying the thought signature; usage on every chunk, STOP at the end. */
const UPSTREAM =
  data({...parts([{text: 'Weighing options', thought: true}]), usageMetadata: {promptTokenCount: 900}}) +
  data(parts([{text: ' carefully.', thought: true}])) +
  data(parts([{text: 'Checking '}])) +
  data(parts([{text: 'both.'}])) +
  data(parts([{functionCall: {name: 'Read', args: {file_path: '/x'}, id: 'fc-1'}, thoughtSignature: 'CiQB-sig=='}, {functionCall: {name: 'Glob', args: {}, id: 'fc-2'}}])) +
  data({...parts([], {finishReason: 'STOP'}), usageMetadata: {promptTokenCount: 900, cachedContentTokenCount: 512, candidatesTokenCount: 40, thoughtsTokenCount: 60, totalTokenCount: 1000}});

describe('anthropic → gemini-internal: stream', () => {
  it('writes the exact Anthropic event stream; the call signature rides on an empty thinking block', () => {
    const events = sseEvents(runStream(pair.stream(context()), UPSTREAM).join(''));
    const id = (events[0]!.data as {message: {id: string}}).message.id;
    const delta = (index: number, d: object) => ({event: 'content_block_delta', data: {type: 'content_block_delta', index, delta: d}});
    const start = (index: number, block: object) => ({event: 'content_block_start', data: {type: 'content_block_start', index, content_block: block}});
    const stop = (index: number) => ({event: 'content_block_stop', data: {type: 'content_block_stop', index}});
    assert.deepEqual(events, [
      {event: 'message_start', data: {type: 'message_start', message: {id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 0, output_tokens: 0}}}},
      start(0, {type: 'thinking', thinking: '', signature: ''}),
      delta(0, {type: 'thinking_delta', thinking: 'Weighing options'}),
      delta(0, {type: 'thinking_delta', thinking: ' carefully.'}),
      stop(0),
      start(1, {type: 'text', text: ''}),
      delta(1, {type: 'text_delta', text: 'Checking '}),
      delta(1, {type: 'text_delta', text: 'both.'}),
      stop(1),
      start(2, {type: 'thinking', thinking: '', signature: ''}),
      delta(2, {type: 'signature_delta', signature: 'ccs1:gemini-internal:next:CiQB-sig=='}),
      stop(2),
      start(3, {type: 'tool_use', id: 'fc-1', name: 'Read', input: {}}),
      delta(3, {type: 'input_json_delta', partial_json: '{"file_path":"/x"}'}),
      stop(3),
      start(4, {type: 'tool_use', id: 'fc-2', name: 'Glob', input: {}}),
      delta(4, {type: 'input_json_delta', partial_json: '{}'}),
      stop(4),
      {event: 'message_delta', data: {type: 'message_delta', delta: {stop_reason: 'tool_use', stop_sequence: null}, usage: {input_tokens: 388, output_tokens: 100, cache_read_input_tokens: 512}}},
      {event: 'message_stop', data: {type: 'message_stop'}},
    ]);
  });

  it('is assembled by the Anthropic SDK: parsed inputs, tool_use although Gemini said STOP, usage', async () => {
    const message = await anthropicSdkFinalMessage(runStream(pair.stream(context()), UPSTREAM, [17, 2]));
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(
      message.content.map((block) => (block.type === 'tool_use' ? {[block.name]: block.input} : block.type)),
      ['thinking', 'text', 'thinking', {Read: {file_path: '/x'}}, {Glob: {}}],
    );
    assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens], [388, 512, 100]);
  });

  it('gives calls without an id a fresh Anthropic tool id', () => {
    const upstream = data(parts([{functionCall: {name: 'Bash', args: {command: 'pwd'}}}], {finishReason: 'STOP'}));
    const events = sseEvents(runStream(pair.stream(context()), upstream).join(''));
    const block = (events[1]!.data as {content_block: {type: string; id: string}}).content_block;
    assert.equal(block.type, 'tool_use');
    assert.match(block.id, /^toolu_[0-9a-f]{24}$/);
  });

  it('maps MAX_TOKENS and safety stops, and a stream that ends without finishReason is an error', () => {
    const stopOf = (upstream: string) => sseEvents(runStream(pair.stream(context()), upstream).join('')).at(-2)!.data as {delta?: {stop_reason: string}};
    assert.equal(stopOf(data(parts([{text: 'a'}], {finishReason: 'MAX_TOKENS'}))).delta!.stop_reason, 'max_tokens');
    assert.equal(stopOf(data(parts([{text: 'a'}], {finishReason: 'SAFETY'}))).delta!.stop_reason, 'refusal');
    const cut = sseEvents(runStream(pair.stream(context()), data(parts([{text: 'a'}]))).join(''));
    assert.equal(cut.at(-1)!.event, 'error');
  });

  it('turns an in-stream Google error into an Anthropic error event', () => {
    const upstream = data(parts([{text: 'a'}])) + `data: ${JSON.stringify({error: {code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED'}})}\n\n`;
    const events = sseEvents(runStream(pair.stream(context()), upstream).join(''));
    assert.deepEqual(events.at(-1), {event: 'error', data: {type: 'error', error: {type: 'rate_limit_error', message: 'Resource has been exhausted'}}});
  });
});

describe('anthropic → gemini-internal: non-stream', () => {
  it('turns a generateContent answer into an Anthropic message', () => {
    const ctx = context({clientStream: false});
    const body = JSON.stringify({response: {...parts([{text: 'Hello'}, {text: '', thoughtSignature: 'END'}], {finishReason: 'STOP'}), usageMetadata: {promptTokenCount: 5, candidatesTokenCount: 1}}});
    const message = pair.response(body, ctx);
    assert.match(String(message.id), /^msg_/);
    assert.deepEqual(message, {
      id: message.id,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [
        {type: 'text', text: 'Hello'},
        {type: 'thinking', thinking: '', signature: 'ccs1:gemini-internal:next:END'},
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {input_tokens: 5, output_tokens: 1},
    });
  });
});

describe('anthropic → gemini-internal: request', () => {
  const CLIENT = {
    model: 'claude-sonnet-4-6',
    max_tokens: 8000,
    temperature: 0.5,
    system: [{type: 'text', text: 'You are Claude Code.'}, {type: 'text', text: 'Use tools.'}],
    thinking: {type: 'enabled', budget_tokens: 8000},
    tool_choice: {type: 'any'},
    tools: [
      {
        name: 'Edit',
        description: 'Edit a file',
        input_schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          additionalProperties: false,
          properties: {
            file_path: {type: 'string', format: 'uri', examples: ['/a']},
            replace_all: {type: ['boolean', 'null'], default: false},
            mode: {const: 'fast'},
          },
          required: ['file_path', 'ghost'],
        },
      },
      {name: 'TodoRead', input_schema: {type: 'object', properties: {}}},
    ],
    messages: [
      {role: 'user', content: [{type: 'text', text: 'Fix it'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'PNG'}}]},
      {
        role: 'assistant',
        content: [
          {type: 'thinking', thinking: 'Thought summary', signature: 'ccs1:gemini-internal:THOUGHT'},
          {type: 'thinking', thinking: 'from Claude', signature: 'EqQBCkYIBxgCKkD'},
          {type: 'redacted_thinking', data: 'ccs1:openai-responses:ENC'},
          {type: 'text', text: 'Editing.'},
          {type: 'thinking', thinking: '', signature: 'ccs1:gemini-internal:next:CALLSIG'},
          {type: 'tool_use', id: 'toolu_1', name: 'Edit', input: {file_path: '/a'}},
          {type: 'tool_use', id: 'toolu_2', name: 'TodoRead', input: {}},
        ],
      },
      {
        role: 'user',
        content: [
          {type: 'tool_result', tool_use_id: 'toolu_2', content: [{type: 'text', text: 'none'}, {type: 'image', source: {type: 'base64', media_type: 'image/jpeg', data: 'JPG'}}]},
          {type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: 'File not found'},
        ],
      },
    ],
  };

  it('builds the exact Cloud Code body: envelope, cleaned schema, signatures back on their parts, named function responses', () => {
    assert.deepEqual(withoutGeminiCallIds(pair.request(CLIENT, context())), {
      upstreamStream: true,
      method: 'stream',
      body: {
        model: 'gemini-2.5-pro',
        project: 'proj-42',
        request: {
          contents: [
            {role: 'user', parts: [{text: 'Fix it'}, {inlineData: {mimeType: 'image/png', data: 'PNG'}}]},
            {
              role: 'model',
              parts: [
                {text: 'Thought summary', thought: true, thoughtSignature: 'THOUGHT'},
                {text: 'Editing.'},
                {functionCall: {name: 'Edit', args: {file_path: '/a'}}, thoughtSignature: 'CALLSIG'},
                {functionCall: {name: 'TodoRead', args: {}}},
              ],
            },
            {
              role: 'user',
              parts: [
                // In the order of the calls (Gemini pairs them by position), unbroken by the tool's image.
                {functionResponse: {name: 'Edit', response: {error: 'Error: File not found'}}},
                {functionResponse: {name: 'TodoRead', response: {result: 'none'}}},
                {inlineData: {mimeType: 'image/jpeg', data: 'JPG'}},
              ],
            },
          ],
          systemInstruction: {role: 'user', parts: [{text: 'You are Claude Code.\n\nUse tools.'}]},
          tools: [
            {
              functionDeclarations: [
                {
                  name: 'Edit',
                  description: 'Edit a file',
                  parameters: {type: 'object', properties: {file_path: {type: 'string'}, replace_all: {nullable: true, type: 'boolean'}, mode: {enum: ['fast'], type: 'string'}}, required: ['file_path']},
                },
                {name: 'TodoRead'},
              ],
            },
          ],
          toolConfig: {functionCallingConfig: {mode: 'ANY'}},
          generationConfig: {maxOutputTokens: 8000, temperature: 0.5, thinkingConfig: {thinkingBudget: 8192, includeThoughts: true}},
        },
      },
    });
  });

  it('sends no schema keyword Gemini rejects, at any depth', () => {
    const plan = pair.request(CLIENT, context());
    const text = JSON.stringify(plan.body);
    for (const keyword of ['$schema', 'additionalProperties', 'examples', '"default"', '"const"', '"format"', 'ghost']) assert.ok(!text.includes(keyword), `${keyword} was sent`);
  });

  it('gives a call without a signature the documented placeholder (Gemini 3 refuses unsigned calls)', () => {
    const plan = pair.request(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          {role: 'user', content: 'go'},
          {role: 'assistant', content: [{type: 'tool_use', id: 't1', name: 'Bash', input: {command: 'ls'}}]},
          {role: 'user', content: [{type: 'tool_result', tool_use_id: 't1', content: 'a'}]},
        ],
      },
      context({upstreamModel: 'gemini-3-pro-preview', clientStream: false}),
    );
    const request = plan.body.request as {contents: {parts: {thoughtSignature?: string}[]}[]};
    assert.equal(request.contents[1]!.parts[0]!.thoughtSignature, 'skip_thought_signature_validator');
    assert.deepEqual([plan.method, plan.upstreamStream], ['generate', false]);
  });

  it('counts tokens with Cloud Code countTokens and reads its answer', () => {
    const plan = pair.countTokens!({model: 'm', system: 'Sys', messages: [{role: 'user', content: 'hello'}]}, context());
    assert.deepEqual(plan, {
      upstreamStream: false,
      method: 'count-tokens',
      body: {request: {model: 'models/gemini-2.5-pro', contents: [{role: 'user', parts: [{text: 'Sys'}]}, {role: 'user', parts: [{text: 'hello'}]}]}},
    });
    assert.deepEqual(pair.countTokensResponse!('{"totalTokens": 31}'), {input_tokens: 31});
    assert.throws(() => pair.countTokensResponse!('{}'), /totalTokens/);
  });

  it('maps a Google error body to the Anthropic error with the same status', () => {
    const body = JSON.stringify([{error: {code: 429, message: 'You have exhausted your capacity on this model.', status: 'RESOURCE_EXHAUSTED'}}]);
    assert.deepEqual(pair.error(429, body), {status: 429, body: {type: 'error', error: {type: 'rate_limit_error', message: 'You have exhausted your capacity on this model.'}}});
  });

  it('names the field of an image Gemini cannot take', () => {
    assert.throws(
      () => pair.request({model: 'm', messages: [{role: 'user', content: [{type: 'image', source: {type: 'url', url: 'https://example.com/a.png'}}]}]}, context()),
      /messages\[0\]\.content\[0\].*inline/,
    );
  });
});
