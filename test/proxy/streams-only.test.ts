// An upstream that answers only streams (adapter.upstreamStreamsOnly: the codex backend), through the
// real proxy with the official SDKs as clients and a faithful local backend that refuses what the
// real one refuses (a request without `stream: true`, `store: false` or `instructions`) and, like it,
// sends the terminal Response with an empty `output`. A pass-through Responses client that asked for
// no stream gets the JSON Response OpenAI's non-stream API answers with; a streaming one gets the
// upstream's bytes unchanged.
import assert from 'node:assert/strict';
import type {ServerResponse} from 'node:http';
import {after, describe, it} from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import {PROVIDERS} from '../../source/providers/table.js';
import {MAX_PARSED_BODY_BYTES, STREAM_ABOVE_BYTES} from '../../source/proxy/body.js';
import {codexRefusal, startFakeInference} from '../helpers/fake-inference/server.js';
import {sendJson, type RecordedRequest} from '../helpers/fake-upstreams.js';
import {API_KEY, proxyFixture} from './fixture.js';
import {inferenceFixture, UPSTREAMS} from './upstream-cases.js';

const STREAMS_ONLY = PROVIDERS.filter((row) => row.adapter.upstreamStreamsOnly).map((row) => row.id);
const event = (data: Record<string, unknown>) => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
const base = {id: 'resp_x1', object: 'response', created_at: 1_700_000_000, model: 'gpt-5.2-codex', status: 'in_progress', output: []};
const usage = {input_tokens: 11, input_tokens_details: {cached_tokens: 0}, output_tokens: 4, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 15};
const messageItem = (text: string) => ({id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]});
/** A text turn as the backend streams it: deltas, the item done, then `terminal` (the Response without output). */
const textTurn = (parts: string[], terminal: Record<string, unknown>) => [
  event({type: 'response.created', response: base}),
  event({type: 'response.output_item.added', output_index: 0, item: {...messageItem(''), status: 'in_progress', content: []}}),
  ...parts.map((delta) => event({type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta})),
  event({type: 'response.output_item.done', output_index: 0, item: messageItem(parts.join(''))}),
  event(terminal),
];

describe('a Responses client on an upstream that answers only streams', async () => {
  assert.deepEqual(STREAMS_ONLY, ['codex'], 'the providers whose adapter says their upstream answers only streams');
  const c = UPSTREAMS.codex!;
  const {f, upstream} = await inferenceFixture(c, (turn) => ({text: `Hello from ${turn.protocol}`}));
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/codex/v1`, maxRetries: 0});
  const token = String(c.token.access_token);
  const faithful = upstream.handler;
  /** Answers like the backend: its refusals first, then `frames` written one by one. */
  const serve = (frames: string[]) => {
    upstream.handler = async (req: RecordedRequest, res: ServerResponse) => {
      const refusal = codexRefusal(req.body ?? {});
      if (refusal) return sendJson(res, 400, {detail: refusal});
      res.writeHead(200, {'content-type': 'text/event-stream'});
      for (const frame of frames) {
        res.write(frame);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      res.end();
    };
  };
  const ask = (body: Record<string, unknown>) =>
    fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(body)});

  it('responses.create without stream gets a JSON Response whose output_text and usage the SDK reads', async () => {
    upstream.handler = faithful;
    const {data, response} = await client.responses.create({model: c.model, input: 'hi'}).withResponse();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(data.output_text, 'Hello from openai-responses');
    assert.equal(data.status, 'completed');
    assert.equal(data.usage?.input_tokens, 21);
    assert.equal(data.usage?.output_tokens, 7);
    assert.deepEqual(upstream.refusals, [], 'the backend refused nothing');
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.body?.stream, true);
    assert.equal(sent.body?.store, false);
    assert.equal(sent.body?.instructions, 'You are a helpful assistant.');
    assert.equal(sent.headers.accept, 'text/event-stream');
  });

  it('the client’s own instructions and store: false are kept; only stream is set', async () => {
    upstream.handler = faithful;
    const data = await client.responses.create({model: c.model, input: 'hi', instructions: 'Be brief.', store: false});
    assert.equal(data.output_text, 'Hello from openai-responses');
    const sent = upstream.requests.at(-1)!.body!;
    assert.deepEqual([sent.instructions, sent.store, sent.stream], ['Be brief.', false, true]);
  });

  it('a streaming request that has everything goes up and comes back byte for byte', async () => {
    const frames = textTurn(['Hel', 'lo'], {type: 'response.completed', response: {...base, status: 'completed', usage}});
    serve(frames);
    const body = JSON.stringify({model: c.model, instructions: 'x', input: 'hi', store: false, stream: true});
    const response = await fetch(`${f.url}/api/provider/codex/v1/responses`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body});
    assert.match(response.headers.get('content-type') ?? '', /event-stream/);
    assert.equal(await response.text(), frames.join(''));
    assert.equal(upstream.requests.at(-1)!.raw, body, 'the body went up unchanged');
  });

  it('a streaming request that lacks store and instructions gets them set, and the SDK reads the stream', async () => {
    upstream.handler = faithful;
    // The text from the deltas: the backend's terminal Response has no output (so the SDK's finalResponse() has none either).
    let text = '';
    for await (const event of await client.responses.create({model: c.model, input: 'hi', stream: true})) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'Hello from openai-responses');
    assert.deepEqual(upstream.refusals, []);
    const sent = upstream.requests.at(-1)!.body!;
    assert.deepEqual([sent.stream, sent.store, sent.instructions], [true, false, 'You are a helpful assistant.']);
  });

  it('response.incomplete is answered with the incomplete Response', async () => {
    serve(textTurn(['cut'], {type: 'response.incomplete', response: {...base, status: 'incomplete', incomplete_details: {reason: 'max_output_tokens'}, usage}}));
    const data = await client.responses.create({model: c.model, input: 'hi'});
    assert.equal(data.status, 'incomplete');
    assert.equal(data.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(data.output_text, 'cut');
  });

  // OpenAI's non-stream Responses API answers a failure with an error status, as the translated paths
  // do; a 200 whose Response failed would read as an answer to a client that checks only the status.
  it('response.failed is an error status in OpenAI\'s shape naming the upstream\'s code and message, which the SDK throws', async () => {
    serve([event({type: 'response.created', response: base}), event({type: 'response.failed', response: {...base, status: 'failed', error: {code: 'server_error', message: 'model overloaded'}}})]);
    await assert.rejects(client.responses.create({model: c.model, input: 'hi'}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && error.code === 'server_error' && /the upstream failed: model overloaded/.test(error.message));
  });

  it('an error event is the status its code stands for, carrying its code and message', async () => {
    serve([event({type: 'response.created', response: base}), event({type: 'error', code: 'context_length_exceeded', message: 'Your input exceeds the context window'})]);
    await assert.rejects(client.responses.create({model: c.model, input: 'hi'}), (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded' && /Your input exceeds the context window/.test(error.message));
  });

  it('a stream that ends before its terminal event is a 502 naming why, and the request line says it broke', async () => {
    serve([event({type: 'response.created', response: base}), event({type: 'response.output_text.delta', output_index: 0, delta: 'par'})]);
    await assert.rejects(client.responses.create({model: c.model, input: 'hi'}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && /upstream stream broke: .*response\.completed/.test(error.message));
    assert.ok(f.events.some((e) => e.type === 'error' && /upstream stream broke/.test(e.message)), JSON.stringify(f.events.filter((e) => e.type === 'error')));
  });

  it('an error before the first byte passes as today', async () => {
    upstream.handler = (_req, res) => sendJson(res, 400, {detail: 'Unsupported parameter: temperature'});
    const response = await ask({model: c.model, input: 'hi', temperature: 0.5});
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {detail: 'Unsupported parameter: temperature'});
  });

  it('an echoed account token reaches the client in no form: split across deltas, in the item, joined by output_text', async () => {
    const cut = 9;
    const parts = [`key ${token.slice(0, cut)}`, `${token.slice(cut)} end`];
    // The item's text as the backend spells it, a `\u` escape and all.
    const frames = textTurn(parts, {type: 'response.completed', response: {...base, status: 'completed', usage}});
    frames[frames.length - 2] = frames[frames.length - 2]!.replace('@', '\\u0040');
    serve(frames);
    const response = await ask({model: c.model, input: 'hi'});
    const text = await response.text();
    assert.equal(response.status, 200);
    for (const form of [token, token.slice(cut), token.slice(-16), token.replace('@', '\\u0040')]) assert.ok(!text.includes(form), `the client saw ${form}:\n${text}`);
    // Two items whose texts the SDK joins into output_text: the token spans them.
    serve([
      event({type: 'response.created', response: base}),
      event({type: 'response.output_item.done', output_index: 0, item: messageItem(`a ${token.slice(0, cut)}`)}),
      event({type: 'response.output_item.done', output_index: 1, item: {...messageItem(`${token.slice(cut)} b`), id: 'msg_2'}}),
      event({type: 'response.completed', response: {...base, status: 'completed', usage}}),
    ]);
    const joined = await client.responses.create({model: c.model, input: 'hi'});
    assert.ok(!joined.output_text.includes(token.slice(cut, cut + 12)), joined.output_text);
    assert.match(joined.output_text, /redacted/);
  });

  it(`a body over ${STREAM_ABOVE_BYTES / 1024 / 1024} MB is read whole: the upstream gets what it requires and the client JSON`, async () => {
    upstream.handler = faithful;
    const input = 'x'.repeat(STREAM_ABOVE_BYTES + 1024);
    const response = await ask({model: c.model, input});
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await response.json()) as {output: {content: {text: string}[]}[]}).output[0]!.content[0]!.text, 'Hello from openai-responses');
    const sent = upstream.requests.at(-1)!.body!;
    assert.deepEqual([sent.stream, sent.store, sent.input], [true, false, input]);
  });

  it(`a body over ${MAX_PARSED_BODY_BYTES / 1024 / 1024} MB is refused with a 413 saying why, never streamed to a JSON client`, async () => {
    const before = upstream.requests.length;
    const response = await ask({model: c.model, input: 'x'.repeat(MAX_PARSED_BODY_BYTES + 1024)}).catch((error: Error) => error);
    assert.ok(!(response instanceof Error), String(response));
    assert.equal(response.status, 413);
    const body = (await response.json()) as {error: {message: string}};
    assert.match(body.error.message, /larger than 32 MB to be read whole: Codex's upstream answers only streamed requests.*"stream", "store", "instructions"/);
    assert.equal(upstream.requests.length, before, 'nothing went upstream');
  });
});

for (const id of STREAMS_ONLY) {
  describe(`Chat Completions and Messages clients that ask for no stream → ${id} (its upstream answers only streams)`, async () => {
    const c = UPSTREAMS[id];
    assert.ok(c, `an upstream case for ${id} in upstream-cases.ts`);
    const {f, upstream} = await inferenceFixture(c, (turn) => ({text: `Hello from ${turn.protocol}`}));
    after(() => f.close());

    it('Chat: a chat.completion with the text and usage; the upstream was asked to stream', async () => {
      const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}/v1`, maxRetries: 0});
      const completion = await client.chat.completions.create({model: c.model, messages: [{role: 'user', content: 'hi'}]});
      assert.equal(completion.choices[0]!.message.content, 'Hello from openai-responses');
      assert.equal(completion.usage?.prompt_tokens, 21);
      assert.equal(upstream.requests.at(-1)!.body?.stream, true);
      assert.deepEqual(upstream.refusals, []);
    });

    it('an upstream that fails inside its 200 stream is an error status the SDKs throw, not a 200 without choices', async () => {
      const faithful = upstream.handler;
      upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(event({type: 'response.created', response: base}) + event({type: 'response.failed', response: {...base, status: 'failed', error: {code: 'server_error', message: 'model overloaded'}}}));
      };
      try {
        const chat = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}/v1`, maxRetries: 0});
        await assert.rejects(chat.chat.completions.create({model: c.model, messages: [{role: 'user', content: 'hi'}]}), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502 && /model overloaded/.test(error.message));
        const messages = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}`, maxRetries: 0});
        await assert.rejects(
          messages.messages.create({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]}),
          (error: unknown) => error instanceof Anthropic.APIError && error.status === 502 && /"type":"api_error".*model overloaded/.test(error.message) && !/proxy error/.test(error.message),
        );
      } finally {
        upstream.handler = faithful;
      }
    });

    it('an answer sent only in the terminal Response (no item events) reaches a streaming Messages client and a Chat one', async () => {
      const faithful = upstream.handler;
      const call = {id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'Read', arguments: '{"file_path":"a.txt"}'};
      upstream.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.end(event({type: 'response.created', response: base}) + event({type: 'response.completed', response: {...base, status: 'completed', output: [messageItem('Only in the end'), call], usage}}));
      };
      try {
        const messages = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}`, maxRetries: 0});
        const stream = messages.messages.stream({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}], tools: [{name: 'Read', input_schema: {type: 'object'}}]});
        const message = await stream.finalMessage();
        assert.deepEqual(message.content, [
          {type: 'text', text: 'Only in the end'},
          {type: 'tool_use', id: 'call_1', name: 'Read', input: {file_path: 'a.txt'}},
        ]);
        assert.equal(message.stop_reason, 'tool_use');
        const chat = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}/v1`, maxRetries: 0});
        let text = '';
        for await (const chunk of await chat.chat.completions.create({model: c.model, stream: true, messages: [{role: 'user', content: 'hi'}]})) text += chunk.choices[0]?.delta.content ?? '';
        assert.equal(text, 'Only in the end');
      } finally {
        upstream.handler = faithful;
      }
    });

    it('Messages: a message with the text and usage; the upstream was asked to stream', async () => {
      const client = new Anthropic({apiKey: API_KEY, baseURL: `${f.url}/api/provider/${id}`, maxRetries: 0});
      const message = await client.messages.create({model: c.model, max_tokens: 64, messages: [{role: 'user', content: 'hi'}]});
      assert.deepEqual(message.content, [{type: 'text', text: 'Hello from openai-responses'}]);
      assert.ok(message.usage.output_tokens > 0);
      assert.equal(upstream.requests.at(-1)!.body?.stream, true);
      assert.deepEqual(upstream.refusals, []);
    });
  });
}

describe('Gemini (not streams-only): a client that asks for no stream gets generateContent, one that asks for one streamGenerateContent', async () => {
  const c = UPSTREAMS.gemini!;
  const upstream = await startFakeInference({project: c.project!, script: () => ({text: 'Hello from gemini'})});
  const f = await proxyFixture({provider: c.provider, tokens: [{file: 'gemini-a.json', token: c.token}], upstream});
  after(() => f.close());
  const client = new OpenAI({apiKey: API_KEY, baseURL: `${f.url}/api/provider/gemini/v1`, maxRetries: 0});

  it('generate for stream: false, stream for stream: true', async () => {
    const whole = await client.chat.completions.create({model: c.model, messages: [{role: 'user', content: 'hi'}]});
    assert.equal(whole.choices[0]!.message.content, 'Hello from gemini');
    assert.match(upstream.requests.at(-1)!.url, /:generateContent$/);
    const streamed = await client.chat.completions.stream({model: c.model, messages: [{role: 'user', content: 'hi'}]}).finalChatCompletion();
    assert.equal(streamed.choices[0]!.message.content, 'Hello from gemini');
    assert.match(upstream.requests.at(-1)!.url, /:streamGenerateContent\?alt=sse$/);
    assert.deepEqual(upstream.refusals, []);
  });
});
