// The exact upstream bodies an OpenAI Chat client's request becomes, and the rules each upstream
// enforces (Anthropic: alternating roles, a tool_result only right after its tool_use; codex:
// streamed, store false, instructions; Gemini: schema subset, one response per call).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {geminiParameters} from '../../../source/proxy/translate/gemini-schema.js';
import {translatorFor} from '../../../source/proxy/translate/index.js';
import {TranslateError, type TranslateContext} from '../../../source/proxy/translate/types.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const context = (upstreamModel: string, clientStream = true): TranslateContext => ({clientModel: 'my-model', upstreamModel, clientStream, project: 'proj-1'});

/** A multi-turn Chat conversation: parallel calls (one without arguments), results (one with an image), images. */
const history = [
  {role: 'system', content: 'Be brief.'},
  {role: 'developer', content: [{type: 'text', text: 'Use tools.'}]},
  {role: 'user', content: [{type: 'text', text: 'What is in this picture, and the weather?'}, {type: 'image_url', image_url: {url: PNG, detail: 'high'}}]},
  {
    role: 'assistant',
    content: 'Checking.',
    reasoning_content: 'unsigned thoughts',
    tool_calls: [
      {id: 'call_1', type: 'function', function: {name: 'get_weather', arguments: '{"city":"Paris"}'}},
      {id: 'call.2', type: 'function', function: {name: 'screenshot', arguments: ''}},
    ],
  },
  {role: 'tool', tool_call_id: 'call_1', content: 'Sunny'},
  {role: 'tool', tool_call_id: 'call.2', content: [{type: 'text', text: 'Here:'}, {type: 'image_url', image_url: {url: PNG}}]},
  {role: 'user', content: 'Thanks'},
];
const tools = [
  {type: 'function', function: {name: 'get_weather', description: 'Weather by city', parameters: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']}}},
  {type: 'function', function: {name: 'screenshot', parameters: {type: 'object', properties: {}}}},
];

describe('openai-chat → anthropic request', () => {
  const translator = translatorFor('openai-chat', 'anthropic')!;

  it('is the exact Messages body: system blocks, merged tool results after their calls, images, tools, choice, thinking', () => {
    const plan = translator.request(
      {model: 'my-model', messages: history, tools, tool_choice: 'required', parallel_tool_calls: false, max_completion_tokens: 2000, temperature: 0.2, stop: 'END', user: 'u-1', stream: true},
      context('claude-sonnet-4-5'),
    );
    assert.deepEqual(plan, {
      upstreamStream: true,
      method: 'stream',
      body: {
        model: 'claude-sonnet-4-5',
        messages: [
          {role: 'user', content: [{type: 'text', text: 'What is in this picture, and the weather?'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}}]},
          {
            role: 'assistant',
            // Chat reasoning has no signature: it is not sent to Anthropic.
            content: [
              {type: 'text', text: 'Checking.'},
              {type: 'tool_use', id: 'call_1', name: 'get_weather', input: {city: 'Paris'}},
              {type: 'tool_use', id: 'id--call_2e_2', name: 'screenshot', input: {}},
            ],
          },
          {
            role: 'user',
            content: [
              {type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny'},
              {type: 'tool_result', tool_use_id: 'id--call_2e_2', content: [{type: 'text', text: 'Here:'}, {type: 'image', source: {type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo='}}]},
              {type: 'text', text: 'Thanks'},
            ],
          },
        ],
        system: [
          {type: 'text', text: 'Be brief.'},
          {type: 'text', text: 'Use tools.'},
        ],
        tools: [
          {name: 'get_weather', description: 'Weather by city', input_schema: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']}},
          {name: 'screenshot', input_schema: {type: 'object', properties: {}}},
        ],
        tool_choice: {type: 'any', disable_parallel_tool_use: true},
        stop_sequences: ['END'],
        max_tokens: 2000,
        temperature: 0.2,
        metadata: {user_id: 'u-1'},
        stream: true,
      },
    });
  });

  it('temperature is capped at the Anthropic maximum of 1 and wins over top_p (recent Claude models refuse both)', () => {
    const body = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], temperature: 1.5, top_p: 0.9, top_k: 40}, context('c')).body;
    assert.deepEqual([body.temperature, body.top_p, body.top_k], [1, undefined, 40]);
    assert.equal(translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], top_p: 0.9}, context('c')).body.top_p, 0.9);
  });

  it('Anthropic-style thinking passed through the OpenAI API sets the budget', () => {
    const body = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], thinking: {type: 'enabled', budget_tokens: 5000}, max_tokens: 9000}, context('c')).body;
    assert.deepEqual(body.thinking, {type: 'enabled', budget_tokens: 5000});
  });

  it('reasoning_effort becomes a thinking budget below max_tokens, without temperature', () => {
    const body = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], reasoning_effort: 'medium', temperature: 0.5}, context('claude-opus-4-1', false)).body;
    assert.deepEqual(body, {model: 'claude-opus-4-1', messages: [{role: 'user', content: [{type: 'text', text: 'hi'}]}], max_tokens: 12_288, thinking: {type: 'enabled', budget_tokens: 8192}, stream: false});
    const capped = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], reasoning_effort: 'high', max_tokens: 4000}, context('c')).body;
    assert.deepEqual([capped.max_tokens, capped.thinking], [4000, {type: 'enabled', budget_tokens: 3999}]);
    // Unset max_tokens with the largest effort stays within every Claude model's output limit, leaving room to answer.
    const largest = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}], reasoning_effort: 'xhigh'}, context('c')).body;
    assert.deepEqual([largest.max_tokens, largest.thinking], [32_000, {type: 'enabled', budget_tokens: 27_904}]);
  });

  it('thinking is left off inside a tool loop whose calls carry no signed thinking (Anthropic would reject it)', () => {
    const body = translator.request({model: 'm', messages: history.slice(2, 6), tools, reasoning_effort: 'high'}, context('c')).body;
    assert.equal(body.thinking, undefined);
  });

  it('keeps every history Anthropic-valid: orphan results become text, unanswered calls get error results', () => {
    const body = translator.request(
      {
        model: 'm',
        messages: [
          {role: 'tool', tool_call_id: 'lost', content: 'stale'},
          {role: 'user', content: 'go'},
          {role: 'user', content: ''},
          {role: 'assistant', content: null, tool_calls: [{id: 'a', type: 'function', function: {name: 'get_weather', arguments: '{}'}}]},
          {role: 'assistant', content: 'hm'},
          {role: 'user', content: 'stop'},
        ],
        tools,
      },
      context('c'),
    ).body;
    assert.deepEqual(body.messages, [
      {role: 'user', content: [{type: 'text', text: '[tool result lost]\nstale'}, {type: 'text', text: 'go'}]},
      {role: 'assistant', content: [{type: 'tool_use', id: 'a', name: 'get_weather', input: {}}, {type: 'text', text: 'hm'}]},
      {role: 'user', content: [{type: 'tool_result', tool_use_id: 'a', is_error: true, content: 'no result: the client sent none for this call'}, {type: 'text', text: 'stop'}]},
    ]);
  });

  it('refuses what Anthropic cannot take, naming the field', () => {
    const bad = (messages: unknown[], extra = {}) => () => translator.request({model: 'm', messages, ...extra}, context('c'));
    assert.throws(bad([{role: 'user', content: [{type: 'input_audio', input_audio: {data: 'x', format: 'wav'}}]}]), (e: Error) => e instanceof TranslateError && /messages\[0\]\.content\[0\]\.type: "input_audio"/.test(e.message));
    assert.throws(bad([{role: 'function', name: 'f', content: 'x'}]), /messages\[0\]\.role: "function"/);
    assert.throws(bad([{role: 'tool', content: 'x'}]), /messages\[0\]\.tool_call_id/);
    assert.throws(bad([{role: 'user', content: 'x'}], {n: 2}), /n: anthropic answers with one choice per request/);
    assert.throws(bad([{role: 'user', content: [{type: 'image_url', image_url: {url: 'file:///etc/passwd'}}]}]), /messages\[0\]\.content\[0\]\.image_url\.url/);
  });
});

describe('openai-chat → openai-responses (codex) request', () => {
  const translator = translatorFor('openai-chat', 'openai-responses')!;

  it('is the exact codex body: streamed, store false, instructions, encrypted reasoning asked for', () => {
    const longName = `server.${'x'.repeat(80)}`;
    const plan = translator.request(
      {
        model: 'my-model',
        messages: history,
        tools: [...tools, {type: 'function', function: {name: longName, parameters: {type: 'object', properties: {}}, strict: true}}],
        tool_choice: {type: 'function', function: {name: 'get_weather'}},
        parallel_tool_calls: true,
        reasoning_effort: 'low',
        max_tokens: 100,
        temperature: 0.3,
        prompt_cache_key: 'conv-7',
        metadata: {app: 'x'},
        stream: false,
      },
      context('gpt-5-codex', false),
    );
    const shortName = ((plan.body.tools as {name: string}[])[2]!).name;
    assert.match(shortName, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.deepEqual(plan, {
      upstreamStream: true,
      method: 'stream',
      body: {
        model: 'gpt-5-codex',
        instructions: 'Be brief.\n\nUse tools.',
        input: [
          {type: 'message', role: 'user', content: [{type: 'input_text', text: 'What is in this picture, and the weather?'}, {type: 'input_image', image_url: PNG, detail: 'high'}]},
          {type: 'message', role: 'assistant', content: [{type: 'output_text', text: 'Checking.'}]},
          {type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}'},
          {type: 'function_call', call_id: 'call.2', name: 'screenshot', arguments: ''},
          {type: 'function_call_output', call_id: 'call_1', output: 'Sunny'},
          {type: 'function_call_output', call_id: 'call.2', output: [{type: 'input_text', text: 'Here:'}, {type: 'input_image', image_url: PNG}]},
          {type: 'message', role: 'user', content: [{type: 'input_text', text: 'Thanks'}]},
        ],
        tools: [
          {type: 'function', name: 'get_weather', description: 'Weather by city', parameters: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']}},
          {type: 'function', name: 'screenshot', parameters: {type: 'object', properties: {}}},
          {type: 'function', name: shortName, parameters: {type: 'object', properties: {}}, strict: true},
        ],
        tool_choice: {type: 'function', name: 'get_weather'},
        parallel_tool_calls: true,
        reasoning: {effort: 'low', summary: 'auto'},
        include: ['reasoning.encrypted_content'],
        prompt_cache_key: 'conv-7',
        store: false,
        stream: true,
      },
    });
  });

  it('an orphan tool message becomes user text and an unanswered call gets an error output (the Responses API rejects both)', () => {
    const body = translator.request(
      {
        model: 'm',
        messages: [
          {role: 'tool', tool_call_id: 'gone', content: 'old'},
          {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'get_weather', arguments: '{}'}}]},
          {role: 'user', content: 'never mind'},
        ],
      },
      context('gpt-5'),
    ).body;
    assert.deepEqual(body.input, [
      {type: 'message', role: 'user', content: [{type: 'input_text', text: '[tool result gone]\nold'}]},
      {type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{}'},
      {type: 'function_call_output', call_id: 'c1', output: 'Error: no result: the client sent none for this call'},
      {type: 'message', role: 'user', content: [{type: 'input_text', text: 'never mind'}]},
    ]);
  });

  it('sends instructions even when the client has no system prompt (codex requires them)', () => {
    const body = translator.request({model: 'm', messages: [{role: 'user', content: 'hi'}]}, context('gpt-5')).body;
    assert.equal(typeof body.instructions, 'string');
    assert.notEqual(body.instructions, '');
  });
});

describe('openai-chat → gemini request', () => {
  const translator = translatorFor('openai-chat', 'gemini-internal')!;

  it('is the exact Cloud Code body: envelope, system instruction, calls with signatures, named responses, cleaned schemas', () => {
    const plan = translator.request(
      {
        model: 'my-model',
        messages: history,
        tools: [
          ...tools,
          {
            type: 'function',
            function: {
              name: 'edit',
              parameters: {
                $schema: 'http://json-schema.org/draft-07/schema#',
                type: 'object',
                additionalProperties: false,
                $defs: {Mode: {type: 'string', enum: ['a', 'b']}},
                properties: {path: {type: ['string', 'null'], format: 'uri'}, mode: {$ref: '#/$defs/Mode'}, count: {const: 3}, tags: {type: 'array', items: {oneOf: [{type: 'string'}, {type: 'integer'}]}}},
                required: ['path', 'missing'],
              },
            },
          },
        ],
        tool_choice: 'auto',
        max_tokens: 512,
        temperature: 0.1,
        top_k: 20,
        stop: ['END'],
        reasoning_effort: 'high',
        stream: true,
      },
      context('gemini-2.5-pro'),
    );
    assert.deepEqual(plan, {
      upstreamStream: true,
      method: 'stream',
      body: {
        model: 'gemini-2.5-pro',
        project: 'proj-1',
        request: {
          contents: [
            {role: 'user', parts: [{text: 'What is in this picture, and the weather?'}, {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}}]},
            {
              role: 'model',
              parts: [
                {text: 'Checking.'},
                {functionCall: {name: 'get_weather', args: {city: 'Paris'}, id: 'call_1'}, thoughtSignature: 'skip_thought_signature_validator'},
                {functionCall: {name: 'screenshot', args: {}, id: 'call.2'}},
              ],
            },
            {
              role: 'user',
              parts: [
                {functionResponse: {name: 'get_weather', id: 'call_1', response: {result: 'Sunny'}}},
                {functionResponse: {name: 'screenshot', id: 'call.2', response: {result: 'Here:'}}},
                {inlineData: {mimeType: 'image/png', data: 'iVBORw0KGgo='}},
                {text: 'Thanks'},
              ],
            },
          ],
          systemInstruction: {role: 'user', parts: [{text: 'Be brief.\n\nUse tools.'}]},
          tools: [
            {
              functionDeclarations: [
                {name: 'get_weather', description: 'Weather by city', parameters: {type: 'object', properties: {city: {type: 'string'}}, required: ['city']}},
                {name: 'screenshot'},
                {
                  name: 'edit',
                  parameters: {
                    type: 'object',
                    properties: {
                      path: {nullable: true, type: 'string'},
                      mode: {type: 'string', enum: ['a', 'b']},
                      count: {enum: ['3'], type: 'string'},
                      tags: {type: 'array', items: {anyOf: [{type: 'string'}, {type: 'integer'}]}},
                    },
                    required: ['path'],
                  },
                },
              ],
            },
          ],
          toolConfig: {functionCallingConfig: {mode: 'AUTO'}},
          generationConfig: {temperature: 0.1, topK: 20, maxOutputTokens: 512, stopSequences: ['END'], thinkingConfig: {thinkingBudget: 24_576, includeThoughts: true}},
        },
      },
    });
  });

  it('a call the client never answered gets an error response, so calls and responses match in number', () => {
    const body = translator.request(
      {
        model: 'm',
        messages: [
          {role: 'user', content: 'go'},
          {role: 'assistant', tool_calls: [{id: 'a', type: 'function', function: {name: 'f', arguments: '{}'}}, {id: 'b', type: 'function', function: {name: 'g', arguments: '{}'}}]},
          {role: 'tool', tool_call_id: 'b', content: 'B'},
        ],
      },
      context('gemini-2.5-flash', false),
    ).body as {request: {contents: {parts: unknown[]}[]}};
    assert.deepEqual(body.request.contents[2]!.parts, [
      {functionResponse: {name: 'f', id: 'a', response: {error: 'no result: the client sent none for this call'}}},
      {functionResponse: {name: 'g', id: 'b', response: {result: 'B'}}},
    ]);
  });

  it('refuses image links (Cloud Code takes inline data only), naming the field', () => {
    assert.throws(
      () => translator.request({model: 'm', messages: [{role: 'user', content: [{type: 'image_url', image_url: {url: 'https://example.com/a.png'}}]}]}, context('gemini-2.5-pro')),
      /messages\[0\]\.content\[0\]\.image_url\.url: Gemini takes images and files inline only/,
    );
  });
});

describe('Gemini schema cleaner', () => {
  it('inlines refs, merges allOf, folds nullable unions and drops the keywords Gemini refuses', () => {
    assert.deepEqual(
      geminiParameters({
        type: 'object',
        definitions: {P: {type: 'object', properties: {x: {type: 'number', format: 'float', exclusiveMinimum: 0}}, additionalProperties: false}},
        properties: {
          p: {$ref: '#/definitions/P', description: 'a point'},
          q: {allOf: [{type: 'object', properties: {a: {type: 'string'}}, required: ['a']}, {properties: {b: {type: 'boolean', default: true}}}]},
          r: {anyOf: [{type: 'string', minLength: 1}, {type: 'null'}]},
          s: {type: 'string', enum: [1, 'two', null], examples: ['x']},
          self: {$ref: '#/definitions/Missing'},
        },
      }),
      {
        type: 'object',
        properties: {
          p: {type: 'object', description: 'a point', properties: {x: {type: 'number', format: 'float'}}},
          q: {type: 'object', properties: {a: {type: 'string'}, b: {type: 'boolean'}}, required: ['a']},
          r: {nullable: true, type: 'string', minLength: 1},
          s: {type: 'string', enum: ['1', 'two']},
          self: {type: 'object'},
        },
      },
    );
  });

  it('a recursive schema ends instead of looping', () => {
    const schema = {type: 'object', $defs: {Node: {type: 'object', properties: {child: {$ref: '#/$defs/Node'}}}}, properties: {root: {$ref: '#/$defs/Node'}}};
    const cleaned = JSON.stringify(geminiParameters(schema));
    assert.ok(cleaned.length < 5000, 'bounded');
  });

  it('no parameters at all → no parameters field', () => {
    assert.equal(geminiParameters({type: 'object', properties: {}}), undefined);
    assert.equal(geminiParameters(undefined), undefined);
  });
});
