// The exact upstream bodies a Responses (Codex CLI) request becomes on Anthropic and Gemini: images in
// messages and tool outputs, forced tools, JSON output, and the input the pairs refuse.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const context = (upstreamModel: string): TranslateContext => ({clientModel: 'gpt-5-codex', upstreamModel, clientStream: false, project: 'proj-1'});

const input = [
  {role: 'developer', content: 'Repo rules.'},
  {role: 'user', content: [{type: 'input_text', text: 'Look'}, {type: 'input_image', image_url: PNG}]},
  {type: 'function_call', call_id: 'call_img', name: 'view_image', arguments: '{"path":"a.png"}'},
  {type: 'function_call_output', call_id: 'call_img', output: [{type: 'input_text', text: 'the image:'}, {type: 'input_image', image_url: PNG}]},
];
const tools = [{type: 'function', name: 'view_image', parameters: {type: 'object', properties: {path: {type: 'string'}}, required: ['path']}}];

describe('openai-responses → anthropic request', () => {
  const translator = translatorFor('openai-responses', 'anthropic')!;

  it('images in messages and tool outputs, a forced function, JSON output as an instruction', () => {
    const body = translator.request(
      {model: 'm', instructions: 'Codex.', input, tools, tool_choice: {type: 'function', name: 'view_image'}, max_output_tokens: 300, text: {format: {type: 'json_schema', name: 'r', schema: {type: 'object'}}}},
      context('claude-haiku-4-5'),
    ).body;
    assert.deepEqual(body, {
      model: 'claude-haiku-4-5',
      messages: [
        {role: 'user', content: [{type: 'text', text: 'Look'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}}]},
        {role: 'assistant', content: [{type: 'tool_use', id: 'call_img', name: 'view_image', input: {path: 'a.png'}}]},
        {role: 'user', content: [{type: 'tool_result', tool_use_id: 'call_img', content: [{type: 'text', text: 'the image:'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}}]}]},
      ],
      system: [
        {type: 'text', text: 'Codex.'},
        {type: 'text', text: 'Repo rules.'},
        {type: 'text', text: 'Answer with one JSON object and nothing else, matching this JSON Schema:\n{"type":"object"}'},
      ],
      tools: [{name: 'view_image', input_schema: {type: 'object', properties: {path: {type: 'string'}}, required: ['path']}}],
      tool_choice: {type: 'tool', name: 'view_image'},
      max_tokens: 300,
      stream: false,
    });
  });

  it('a plain string input is one user message', () => {
    const body = translator.request({model: 'm', input: 'hello'}, context('c')).body;
    assert.deepEqual(body.messages, [{role: 'user', content: [{type: 'text', text: 'hello'}]}]);
  });

  it('refuses what it cannot carry, naming the field', () => {
    assert.throws(() => translator.request({model: 'm', previous_response_id: 'resp_1', input: 'x'}, context('c')), /previous_response_id: this upstream keeps no stored responses/);
    assert.throws(() => translator.request({model: 'm', input: [{type: 'item_reference', id: 'x'}]}, context('c')), /input\[0\]\.type: "item_reference"/);
    assert.throws(() => translator.request({model: 'm', input: [{role: 'user', content: [{type: 'input_image', file_id: 'file-1'}]}]}, context('c')), /input\[0\]\.content\[0\]\.image_url: not a base64 data: URL/);
  });
});

describe('openai-responses → gemini request', () => {
  const translator = translatorFor('openai-responses', 'gemini-internal')!;

  it('images inline, the function response named after its call, the tool image beside it, a Gemini 2.5 budget', () => {
    const plan = translator.request({model: 'm', input, tools, tool_choice: 'required', reasoning: {effort: 'low'}, max_output_tokens: 99}, context('gemini-2.5-flash'));
    assert.deepEqual(plan, {
      upstreamStream: false,
      method: 'generate',
      body: {
        model: 'gemini-2.5-flash',
        project: 'proj-1',
        request: {
          contents: [
            {role: 'user', parts: [{text: 'Look'}, {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}}]},
            {role: 'model', parts: [{functionCall: {name: 'view_image', args: {path: 'a.png'}, id: 'call_img'}, thoughtSignature: 'skip_thought_signature_validator'}]},
            {role: 'user', parts: [{functionResponse: {name: 'view_image', id: 'call_img', response: {result: 'the image:'}}}, {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}}]},
          ],
          systemInstruction: {role: 'user', parts: [{text: 'Repo rules.'}]},
          tools: [{functionDeclarations: [{name: 'view_image', parameters: {type: 'object', properties: {path: {type: 'string'}}, required: ['path']}}]}],
          toolConfig: {functionCallingConfig: {mode: 'ANY'}},
          generationConfig: {maxOutputTokens: 99, thinkingConfig: {thinkingBudget: 2048, includeThoughts: true}},
        },
      },
    });
  });
});

describe("Codex CLI's additional_tools input item (0.171, for models it knows)", () => {
  // Trimmed from what codex 0.171 sent a recording server: its tools as an input item, no `tools`.
  const recorded = {
    model: 'm',
    input: [
      {
        type: 'additional_tools',
        id: 'at_1',
        role: 'developer',
        tools: [
          {
            type: 'namespace',
            name: 'functions',
            description: '',
            tools: [
              {type: 'custom', name: 'exec', description: 'Run JavaScript code', format: {type: 'grammar', syntax: 'lark', definition: 'start: SOURCE'}},
              {type: 'function', name: 'wait', description: 'Waits on a yielded exec cell', strict: false, parameters: {type: 'object', properties: {cell_id: {type: 'string'}}, required: ['cell_id']}},
            ],
          },
          {type: 'namespace', name: 'clock', description: 'Tools for reading and waiting on time.', tools: [{type: 'function', name: 'sleep', parameters: {type: 'object', properties: {}}}]},
        ],
      },
      {type: 'message', id: 'msg_1', role: 'developer', content: [{type: 'input_text', text: 'You are Codex.'}]},
      {type: 'message', id: 'msg_2', role: 'user', content: [{type: 'input_text', text: 'say hi'}]},
    ],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    stream: true,
    store: false,
  };
  const toolNames: Record<string, (body: Record<string, unknown>) => string[]> = {
    anthropic: (body) => (body.tools as {name: string}[]).map((t) => t.name),
    'openai-chat': (body) => (body.tools as {function: {name: string}}[]).map((t) => t.function.name),
    'gemini-internal': (body) => ((body.request as {tools: {functionDeclarations: {name: string}[]}[]}).tools[0]!.functionDeclarations).map((t) => t.name),
  };
  for (const [upstream, names] of Object.entries(toolNames)) {
    it(`→ ${upstream}: its plain functions become the request's tools, its other items are left out, the conversation is kept`, () => {
      const body = translatorFor('openai-responses', upstream as 'anthropic')!.request(structuredClone(recorded), context('up-model')).body as Record<string, unknown>;
      // The `functions` namespace holds plain functions (called by bare name); other namespaces are called with theirs, which no other upstream carries.
      assert.deepEqual(names(body), ['exec', 'wait']);
      const text = JSON.stringify(body);
      assert.match(text, /say hi/);
      assert.match(text, /You are Codex\./);
      assert.doesNotMatch(text, /additional_tools|sleep/);
    });
  }
});
