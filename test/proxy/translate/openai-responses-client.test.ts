// OpenAI Responses clients (Codex CLI) on Anthropic, Chat and Gemini upstreams: the exact event
// sequence, the `openai` SDK's `responses.stream()` assembling the response over HTTP, and reasoning
// carried across turns only to the upstream that made it.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ResponseInputItem} from 'openai/resources/responses/responses';
import type {TranslateContext} from '../../../source/proxy/translate/types.js';
import {anthropicBlock, anthropicEvent, pairFor, sse, withChunks} from '../../helpers/openai-sdk.js';
import {runStream, sseEvents} from '../../helpers/translate-stream.js';

const pair = (upstream: 'anthropic' | 'openai-chat' | 'gemini-internal') => pairFor('openai-responses', upstream);

const context = (upstreamModel: string, clientStream = true): TranslateContext => ({clientModel: 'gpt-5-codex', upstreamModel, clientStream, project: 'proj-1'});

const APPLY_PATCH_GRAMMAR = 'start: begin_patch hunk+ end_patch';
const codexRequest = (input: unknown[] = [{type: 'message', role: 'user', content: [{type: 'input_text', text: 'Fix the bug'}]}]) => ({
  model: 'gpt-5-codex',
  instructions: 'You are Codex.',
  input,
  tools: [
    {type: 'function', name: 'shell', description: 'Runs a command', parameters: {type: 'object', properties: {command: {type: 'array', items: {type: 'string'}}}, required: ['command'], additionalProperties: false}, strict: false},
    {type: 'custom', name: 'apply_patch', description: 'Applies a patch', format: {type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_GRAMMAR}},
    {type: 'web_search'},
  ],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning: {effort: 'high', summary: 'auto'},
  store: false,
  stream: true,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: 'session-1',
});

async function sdkFinal(written: string[]) {
  return withChunks(written, (client) => client.responses.stream({model: 'gpt-5-codex', input: 'hi'}).finalResponse());
}

function eventsOf(written: string[]) {
  const events = sseEvents(written.join('')) as {event: string; data: {type: string; sequence_number: number} & Record<string, unknown>}[];
  events.forEach(({event, data}, i) => {
    assert.equal(event, data.type, 'the event name is the data type');
    assert.equal(data.sequence_number, i, 'sequence numbers rise from 0');
  });
  return events.map(({data}) => data);
}

describe('openai-responses client ← Anthropic upstream', () => {
  const translator = pair('anthropic');
  const ctx = context('claude-sonnet-4-5');
  const plan = translator.request(codexRequest(), ctx);
  const upstream = [
    anthropicEvent('message_start', {message: {id: 'msg_01', model: 'claude-sonnet-4-5', content: [], usage: {input_tokens: 20, cache_read_input_tokens: 30, output_tokens: 1}}}),
    anthropicBlock(0, {type: 'thinking', thinking: '', signature: ''}, {type: 'thinking_delta', thinking: 'Look at '}, {type: 'thinking_delta', thinking: 'the file.'}, {type: 'signature_delta', signature: 'RXVTaWc='}),
    anthropicBlock(1, {type: 'redacted_thinking', data: 'RW5jcnlwdGVk'}),
    anthropicBlock(2, {type: 'text', text: ''}, {type: 'text_delta', text: 'Running it.'}),
    anthropicBlock(3, {type: 'tool_use', id: 'toolu_A', name: 'shell', input: {}}, {type: 'input_json_delta', partial_json: '{"command": ["ls",'}, {type: 'input_json_delta', partial_json: ' "-la"]}'}),
    anthropicEvent('message_delta', {delta: {stop_reason: 'tool_use'}, usage: {output_tokens: 25}}),
    anthropicEvent('message_stop'),
  ].join('');

  it('the request carries instructions as system, function and custom tools, high effort as a thinking budget', () => {
    assert.deepEqual(plan.body, {
      model: 'claude-sonnet-4-5',
      messages: [{role: 'user', content: [{type: 'text', text: 'Fix the bug'}]}],
      system: [{type: 'text', text: 'You are Codex.'}],
      tools: [
        {name: 'shell', description: 'Runs a command', input_schema: {type: 'object', properties: {command: {type: 'array', items: {type: 'string'}}}, required: ['command'], additionalProperties: false}},
        {
          name: 'apply_patch',
          description: `Applies a patch\n\nThe input must follow this lark grammar:\n${APPLY_PATCH_GRAMMAR}`,
          input_schema: {type: 'object', properties: {input: {type: 'string', description: 'The whole free-form input of the tool, exactly as its description asks for it.'}}, required: ['input']},
        },
      ],
      tool_choice: {type: 'auto'},
      max_tokens: 28_672,
      thinking: {type: 'enabled', budget_tokens: 24_576},
      stream: true,
    });
    assert.equal(plan.upstreamStream, true);
  });

  it('writes the Responses event sequence, the same at any split', () => {
    const types = (written: string[]) => eventsOf(written).map((event) => event.type);
    const expectedTypes = [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ];
    for (const sizes of [[1], [2, 9, 4], [upstream.length]]) assert.deepEqual(types(runStream(translator.stream(ctx), upstream, sizes)), expectedTypes);
    const events = eventsOf(runStream(translator.stream(ctx), upstream, [6]));
    assert.deepEqual(events[4], {type: 'response.reasoning_summary_text.delta', sequence_number: 4, item_id: 'rs_msg_01_0', output_index: 0, summary_index: 0, delta: 'Look at '});
    assert.deepEqual(events[18], {type: 'response.function_call_arguments.delta', sequence_number: 18, item_id: 'fc_msg_01_3', output_index: 3, delta: '{"command": ["ls",'});
  });

  it('the SDK assembles reasoning with encrypted content, text, the call and usage; the next turn gets Anthropic its own thinking back', async () => {
    const response = await sdkFinal(runStream(translator.stream(ctx), upstream, [13]));
    assert.equal(response.status, 'completed');
    assert.equal(response.id, 'resp_msg_01');
    assert.equal(response.model, 'gpt-5-codex');
    assert.equal(response.output_text, 'Running it.');
    const [reasoning, redacted, message, call] = response.output;
    assert.deepEqual(reasoning, {id: 'rs_msg_01_0', type: 'reasoning', summary: [{type: 'summary_text', text: 'Look at the file.'}], encrypted_content: 'ccs1:anthropic:RXVTaWc='});
    assert.deepEqual(redacted, {id: 'rs_msg_01_1', type: 'reasoning', summary: [], encrypted_content: 'ccs1:anthropic:redacted:RW5jcnlwdGVk'});
    assert.equal(message?.type, 'message');
    assert.ok(call?.type === 'function_call');
    assert.deepEqual([call.call_id, call.name, JSON.parse(call.arguments)], ['toolu_A', 'shell', {command: ['ls', '-la']}]);
    assert.deepEqual(response.usage, {input_tokens: 50, input_tokens_details: {cached_tokens: 30}, output_tokens: 25, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 75});

    // Codex CLI sends the output back with the tool's result: thinking stays signed, so Anthropic keeps thinking on.
    const next = codexRequest([
      {type: 'message', role: 'user', content: [{type: 'input_text', text: 'Fix the bug'}]},
      ...(response.output as unknown as ResponseInputItem[]),
      {type: 'function_call_output', call_id: 'toolu_A', output: 'a.txt\nb.txt'},
    ]);
    const body = translator.request(next, context('claude-sonnet-4-5')).body;
    assert.deepEqual(body.messages, [
      {role: 'user', content: [{type: 'text', text: 'Fix the bug'}]},
      {
        role: 'assistant',
        content: [
          {type: 'thinking', thinking: 'Look at the file.', signature: 'RXVTaWc='},
          {type: 'redacted_thinking', data: 'RW5jcnlwdGVk'},
          {type: 'text', text: 'Running it.'},
          {type: 'tool_use', id: 'toolu_A', name: 'shell', input: {command: ['ls', '-la']}},
        ],
      },
      {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_A', content: 'a.txt\nb.txt'}]},
    ]);
    assert.deepEqual(body.thinking, {type: 'enabled', budget_tokens: 24_576});
  });

  it('reasoning another upstream made never reaches Anthropic, and thinking is then off for the tool loop', () => {
    const body = translator.request(
      codexRequest([
        {type: 'message', role: 'user', content: [{type: 'input_text', text: 'Fix the bug'}]},
        {type: 'reasoning', id: 'rs_1', summary: [{type: 'summary_text', text: 'OpenAI thoughts'}], encrypted_content: 'gAAAAABopaque'},
        {type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'ccs1:gemini-internal:c2ln'},
        {type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"command":["pwd"]}'},
        {type: 'function_call_output', call_id: 'call_1', output: '/repo'},
      ]),
      context('claude-sonnet-4-5'),
    ).body;
    assert.deepEqual(body.messages, [
      {role: 'user', content: [{type: 'text', text: 'Fix the bug'}]},
      {role: 'assistant', content: [{type: 'tool_use', id: 'call_1', name: 'shell', input: {command: ['pwd']}}]},
      {role: 'user', content: [{type: 'tool_result', tool_use_id: 'call_1', content: '/repo'}]},
    ]);
    assert.equal(body.thinking, undefined);
  });

  it('an error event mid-stream ends with response.failed, which the SDK reports', async () => {
    const broken = upstream.slice(0, upstream.indexOf('event: content_block_start')) + anthropicEvent('error', {error: {type: 'overloaded_error', message: 'Overloaded'}});
    const written = runStream(translator.stream(ctx), broken, [3]);
    const events = eventsOf(written);
    assert.deepEqual(
      events.map((event) => event.type),
      ['response.created', 'response.in_progress', 'response.failed'],
    );
    const response = await sdkFinal(written);
    assert.equal(response.status, 'failed');
    assert.equal(response.error?.message, 'Overloaded');
  });

  // A newcomer (s39): the item a broken stream left open was marked `completed` just before the
  // response failed; OpenAI marks an unfinished item `incomplete`.
  it('an item the turn did not finish is incomplete: the stream broke off in it, or the output limit ended it', () => {
    const text = (piece: string) => anthropicEvent('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: piece}});
    const start = anthropicEvent('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: {input_tokens: 3, output_tokens: 0}}}) + anthropicEvent('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}});
    const broke = start + text('Half an ans') + anthropicEvent('error', {error: {type: 'overloaded_error', message: 'Overloaded'}});
    const items = (written: string[]) => eventsOf(written).filter((event) => event.type === 'response.output_item.done').map((event) => (event as unknown as {item: {status: string}}).item.status);
    assert.deepEqual(items(runStream(translator.stream(ctx), broke)), ['incomplete']);
    const limited = start + text('Cut at the li') + anthropicEvent('content_block_stop', {type: 'content_block_stop', index: 0}) + anthropicEvent('message_delta', {type: 'message_delta', delta: {stop_reason: 'max_tokens'}, usage: {output_tokens: 5}}) + anthropicEvent('message_stop', {type: 'message_stop'});
    assert.deepEqual(items(runStream(translator.stream(ctx), limited)), ['incomplete']);
  });

  it('max_tokens ends as response.incomplete with the reason', () => {
    const cut = upstream.replace('"stop_reason":"tool_use"', '"stop_reason":"max_tokens"');
    const last = eventsOf(runStream(translator.stream(ctx), cut)).at(-1) as unknown as {type: string; response: {status: string; incomplete_details: unknown}};
    assert.equal(last.type, 'response.incomplete');
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, {reason: 'max_output_tokens'});
  });

  it('a non-streaming client gets the whole Response object', () => {
    const plain = context('claude-sonnet-4-5', false);
    translator.request({...codexRequest(), stream: false}, plain);
    const body = translator.response(JSON.stringify({id: 'msg_9', type: 'message', role: 'assistant', content: [{type: 'text', text: 'Done.'}], stop_reason: 'end_turn', usage: {input_tokens: 4, output_tokens: 2}}), plain);
    const {created_at, ...rest} = body;
    assert.equal(typeof created_at, 'number');
    assert.deepEqual(rest, {
      id: 'resp_msg_9',
      object: 'response',
      status: 'completed',
      model: 'gpt-5-codex',
      output: [{id: 'msg_msg_9_0', type: 'message', status: 'completed', role: 'assistant', content: [{type: 'output_text', text: 'Done.', annotations: []}]}],
      error: null,
      incomplete_details: null,
      usage: {input_tokens: 4, input_tokens_details: {cached_tokens: 0}, output_tokens: 2, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 6},
    });
  });
});

describe('openai-responses client ← Chat upstream', () => {
  const translator = pair('openai-chat');
  const ctx = context('qwen3-coder-plus');
  const plan = translator.request(codexRequest(), ctx);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) =>
    sse(undefined, {id: 'chatcmpl-q1', object: 'chat.completion.chunk', model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}], ...(usage ? {usage} : {})});
  const upstream = [
    chunk({role: 'assistant', reasoning_content: 'Patch it.'}),
    chunk({tool_calls: [{index: 0, id: 'call_P', type: 'function', function: {name: 'apply_patch', arguments: ''}}]}),
    chunk({tool_calls: [{index: 0, function: {arguments: '{"input": "*** Begin Patch\\n'}}]}),
    chunk({tool_calls: [{index: 0, function: {arguments: '*** End Patch"}'}}]}),
    chunk({tool_calls: [{index: 1, id: 'call_S', type: 'function', function: {name: 'shell', arguments: '{"command":["make"]}'}}]}),
    chunk({}, 'stop'),
    sse(undefined, {id: 'chatcmpl-q1', object: 'chat.completion.chunk', model: 'qwen3-coder-plus', choices: [], usage: {prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: {cached_tokens: 4}}}),
    'data: [DONE]\n\n',
  ].join('');

  it('the request is a Chat body: system message, tools as functions (custom as one string input), stream with usage', () => {
    const body = plan.body as {tools: {function: {name: string; parameters: unknown}}[]} & Record<string, unknown>;
    assert.deepEqual(body.messages, [
      {role: 'system', content: 'You are Codex.'},
      {role: 'user', content: 'Fix the bug'},
    ]);
    assert.deepEqual(
      body.tools.map((tool) => tool.function.name),
      ['shell', 'apply_patch'],
    );
    assert.deepEqual(body.tools[1]!.function.parameters, {type: 'object', properties: {input: {type: 'string', description: 'The whole free-form input of the tool, exactly as its description asks for it.'}}, required: ['input']});
    assert.equal(body.reasoning_effort, 'high');
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.prompt_cache_key, 'session-1');
    assert.deepEqual(body.stream_options, {include_usage: true});
    for (const dropped of ['instructions', 'input', 'include', 'store', 'reasoning']) assert.equal(body[dropped], undefined, dropped);
  });

  it('the SDK assembles a custom_tool_call for the custom tool, a function_call beside it, and usage', async () => {
    const response = await sdkFinal(runStream(translator.stream(ctx), upstream, [7, 3]));
    assert.equal(response.status, 'completed');
    const [reasoning, patch, shell] = response.output;
    assert.deepEqual(reasoning, {id: 'rs_chatcmpl-q1_0', type: 'reasoning', summary: [{type: 'summary_text', text: 'Patch it.'}], encrypted_content: 'ccs1:openai-chat:'});
    assert.ok(patch?.type === 'custom_tool_call');
    assert.deepEqual([patch.call_id, patch.name, patch.input], ['call_P', 'apply_patch', '*** Begin Patch\n*** End Patch']);
    assert.ok(shell?.type === 'function_call');
    assert.deepEqual([shell.call_id, shell.name, shell.arguments], ['call_S', 'shell', '{"command":["make"]}']);
    assert.deepEqual(response.usage, {input_tokens: 12, input_tokens_details: {cached_tokens: 4}, output_tokens: 7, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 19});

    // The next turn: one assistant message with the reasoning and both calls, then one tool message per call.
    const next = translator.request(
      codexRequest([
        {type: 'message', role: 'user', content: [{type: 'input_text', text: 'Fix the bug'}]},
        ...(response.output as unknown as ResponseInputItem[]),
        {type: 'custom_tool_call_output', call_id: 'call_P', output: 'Done!'},
        {type: 'function_call_output', call_id: 'call_S', output: [{type: 'input_text', text: 'ok'}]},
      ]),
      context('qwen3-coder-plus'),
    ).body;
    assert.deepEqual(next.messages, [
      {role: 'system', content: 'You are Codex.'},
      {role: 'user', content: 'Fix the bug'},
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Patch it.',
        tool_calls: [
          {id: 'call_P', type: 'function', function: {name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}'}},
          {id: 'call_S', type: 'function', function: {name: 'shell', arguments: '{"command":["make"]}'}},
        ],
      },
      {role: 'tool', tool_call_id: 'call_P', content: 'Done!'},
      {role: 'tool', tool_call_id: 'call_S', content: 'ok'},
    ]);
  });

  it('an orphan output becomes user text and an unanswered call gets an error result (Chat upstreams reject both)', () => {
    const body = translator.request(
      codexRequest([
        {type: 'function_call_output', call_id: 'gone', output: 'old'},
        {type: 'message', role: 'user', content: [{type: 'input_text', text: 'go'}]},
        {type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{}'},
        {type: 'message', role: 'user', content: [{type: 'input_text', text: 'never mind'}]},
      ]),
      context('qwen3-coder-plus'),
    ).body;
    assert.deepEqual((body.messages as unknown[]).slice(1), [
      {role: 'user', content: '[tool result gone]\nold'},
      {role: 'user', content: 'go'},
      {role: 'assistant', content: null, tool_calls: [{id: 'c1', type: 'function', function: {name: 'shell', arguments: '{}'}}]},
      {role: 'tool', tool_call_id: 'c1', content: 'Error: no result: the client sent none for this call'},
      {role: 'user', content: 'never mind'},
    ]);
  });
});

describe('openai-responses client ← Gemini upstream', () => {
  const translator = pair('gemini-internal');
  const ctx = context('gemini-3-pro-preview');
  const plan = translator.request(codexRequest(), ctx);
  const data = (response: Record<string, unknown>) => sse(undefined, {response});
  const upstream = [
    data({responseId: 'g7', candidates: [{content: {role: 'model', parts: [{text: 'Think', thought: true}]}}]}),
    data({candidates: [{content: {role: 'model', parts: [{text: '', thought: true, thoughtSignature: 'VGhvdWdodA=='}]}}]}),
    data({candidates: [{content: {role: 'model', parts: [{functionCall: {name: 'shell', args: {command: ['ls']}}, thoughtSignature: 'Q2FsbFNpZw=='}]}, finishReason: 'STOP'}], usageMetadata: {promptTokenCount: 9, candidatesTokenCount: 3}}),
  ].join('');

  it('the request is the Cloud Code envelope with instructions, cleaned schemas and Gemini 3 thinking level', () => {
    assert.deepEqual(plan.body, {
      model: 'gemini-3-pro-preview',
      project: 'proj-1',
      request: {
        contents: [{role: 'user', parts: [{text: 'Fix the bug'}]}],
        systemInstruction: {role: 'user', parts: [{text: 'You are Codex.'}]},
        tools: [
          {
            functionDeclarations: [
              {name: 'shell', description: 'Runs a command', parameters: {type: 'object', properties: {command: {type: 'array', items: {type: 'string'}}}, required: ['command']}},
              {
                name: 'apply_patch',
                description: `Applies a patch\n\nThe input must follow this lark grammar:\n${APPLY_PATCH_GRAMMAR}`,
                parameters: {type: 'object', properties: {input: {type: 'string', description: 'The whole free-form input of the tool, exactly as its description asks for it.'}}, required: ['input']},
              },
            ],
          },
        ],
        toolConfig: {functionCallingConfig: {mode: 'AUTO'}},
        generationConfig: {thinkingConfig: {thinkingLevel: 'high', includeThoughts: true}},
      },
    });
    assert.equal(plan.method, 'stream');
  });

  it('signatures come back to Gemini on the parts that carried them', async () => {
    const response = await sdkFinal(runStream(translator.stream(ctx), upstream, [5]));
    const call = response.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call');
    const body = translator.request(
      codexRequest([
        {type: 'message', role: 'user', content: [{type: 'input_text', text: 'Fix the bug'}]},
        ...(response.output as unknown as ResponseInputItem[]),
        {type: 'function_call_output', call_id: call.call_id, output: 'a.txt'},
      ]),
      context('gemini-3-pro-preview'),
    ).body as {request: {contents: unknown[]}};
    assert.deepEqual(body.request.contents, [
      {role: 'user', parts: [{text: 'Fix the bug'}]},
      {
        role: 'model',
        parts: [
          {text: 'Think', thought: true, thoughtSignature: 'VGhvdWdodA=='},
          {functionCall: {name: 'shell', args: {command: ['ls']}, id: call.call_id}, thoughtSignature: 'Q2FsbFNpZw=='},
        ],
      },
      {role: 'user', parts: [{functionResponse: {name: 'shell', id: call.call_id, response: {result: 'a.txt'}}}]},
    ]);
  });
});
