// The scripted model's answer written in each protocol's real wire format, streamed (SSE, tool-call
// arguments in two fragments) or whole, with usage.
import type {ServerResponse} from 'node:http';
import {sendJson} from '../fake-upstreams.js';
import {GEMINI_CALL_SIGNATURE} from './turns.js';

/** Text, or one tool call (its upstream name and arguments), optionally after some reasoning. */
export type Reply = {text: string; reasoning?: string} | {call: {name: string; args: Record<string, unknown>}; text?: string; reasoning?: string};

type Json = Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(++counter).toString(36)}`;

async function sse(res: ServerResponse, frames: string[], pauseMs: number): Promise<void> {
  res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
  for (const [i, frame] of frames.entries()) {
    if (i > 0 && pauseMs) await sleep(pauseMs);
    res.write(frame);
  }
  res.end();
}

const halves = (text: string): [string, string] => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];
const USAGE = {input: 21, output: 7, cached: 5};

// ---- OpenAI Chat ----

export function writeChat(res: ServerResponse, body: Json, reply: Reply, pauseMs: number): Promise<void> | void {
  const model = String(body.model);
  const callId = 'call' in reply ? nextId('call') : undefined;
  const args = 'call' in reply ? JSON.stringify(reply.call.args) : '';
  const usage = {prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output, prompt_tokens_details: {cached_tokens: USAGE.cached}};
  const finish = 'call' in reply ? 'tool_calls' : 'stop';
  // Gemini's OpenAI-compatible endpoint puts a Gemini 3 call's thought signature beside it (ai.google.dev "OpenAI compatibility").
  const signed = /^gemini-3/.test(model) ? {extra_content: {google: {thought_signature: GEMINI_CALL_SIGNATURE}}} : {};
  if (body.stream !== true) {
    const message: Json = {role: 'assistant', content: reply.text ?? null};
    if (reply.reasoning) message.reasoning_content = reply.reasoning;
    if ('call' in reply) message.tool_calls = [{id: callId, type: 'function', function: {name: reply.call.name, arguments: args}, ...signed}];
    return sendJson(res, 200, {id: nextId('chatcmpl'), object: 'chat.completion', created: 1_700_000_000, model, choices: [{index: 0, message, finish_reason: finish}], usage});
  }
  const id = nextId('chatcmpl');
  const chunk = (delta: Json, finishReason: string | null, extra: Json = {}) =>
    `data: ${JSON.stringify({id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{index: 0, delta, finish_reason: finishReason}], ...extra})}\n\n`;
  const frames = [chunk({role: 'assistant', content: ''}, null)];
  if (reply.reasoning) for (const part of halves(reply.reasoning)) frames.push(chunk({reasoning_content: part}, null));
  if (reply.text) for (const part of halves(reply.text)) frames.push(chunk({content: part}, null));
  if ('call' in reply) {
    const [a, b] = halves(args);
    frames.push(chunk({tool_calls: [{index: 0, id: callId, type: 'function', function: {name: reply.call.name, arguments: a}, ...signed}]}, null));
    frames.push(chunk({tool_calls: [{index: 0, function: {arguments: b}}]}, null));
  }
  frames.push(chunk({}, finish));
  const options = body.stream_options as {include_usage?: boolean} | undefined;
  if (options?.include_usage) frames.push(`data: ${JSON.stringify({id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage})}\n\n`);
  frames.push('data: [DONE]\n\n');
  return sse(res, frames, pauseMs);
}

// ---- codex Responses (always streamed) ----

/** `encryptedPrefix`: what the encrypted reasoning written starts with (`enc-`, or `enc-<account>-` for account-bound reasoning). */
export function writeResponses(res: ServerResponse, body: Json, reply: Reply, pauseMs: number, encryptedPrefix = 'enc-'): Promise<void> {
  const model = String(body.model);
  const id = nextId('resp');
  let seq = 0;
  const event = (data: Json) => `event: ${String(data.type)}\ndata: ${JSON.stringify({...data, sequence_number: seq++})}\n\n`;
  const base = {id, object: 'response', created_at: 1_700_000_000, model, status: 'in_progress', output: [] as Json[]};
  const frames = [event({type: 'response.created', response: base}), event({type: 'response.in_progress', response: base})];
  const output: Json[] = [];
  if (reply.reasoning) {
    const item = {id: nextId('rs'), type: 'reasoning', summary: [{type: 'summary_text', text: reply.reasoning}], encrypted_content: `${encryptedPrefix}${id}`};
    frames.push(event({type: 'response.output_item.added', output_index: output.length, item: {...item, summary: []}}));
    frames.push(event({type: 'response.reasoning_summary_text.delta', item_id: item.id, output_index: output.length, summary_index: 0, delta: reply.reasoning}));
    frames.push(event({type: 'response.output_item.done', output_index: output.length, item}));
    output.push(item);
  }
  if (reply.text) {
    const item = {id: nextId('msg'), type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text: reply.text, annotations: []}]};
    const index = output.length;
    frames.push(event({type: 'response.output_item.added', output_index: index, item: {...item, status: 'in_progress', content: []}}));
    frames.push(event({type: 'response.content_part.added', item_id: item.id, output_index: index, content_index: 0, part: {type: 'output_text', text: '', annotations: []}}));
    for (const delta of halves(reply.text)) frames.push(event({type: 'response.output_text.delta', item_id: item.id, output_index: index, content_index: 0, delta}));
    frames.push(event({type: 'response.output_text.done', item_id: item.id, output_index: index, content_index: 0, text: reply.text}));
    frames.push(event({type: 'response.output_item.done', output_index: index, item}));
    output.push(item);
  }
  if ('call' in reply) {
    const args = JSON.stringify(reply.call.args);
    const item = {id: nextId('fc'), type: 'function_call', status: 'completed', call_id: nextId('call'), name: reply.call.name, arguments: args};
    const index = output.length;
    frames.push(event({type: 'response.output_item.added', output_index: index, item: {...item, status: 'in_progress', arguments: ''}}));
    for (const delta of halves(args)) frames.push(event({type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta}));
    frames.push(event({type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, arguments: args}));
    frames.push(event({type: 'response.output_item.done', output_index: index, item}));
    output.push(item);
  }
  const usage = {input_tokens: USAGE.input, input_tokens_details: {cached_tokens: USAGE.cached}, output_tokens: USAGE.output, output_tokens_details: {reasoning_tokens: 0}, total_tokens: USAGE.input + USAGE.output};
  // Like the real backend with `store: false`: the terminal Response carries no output items (they came in the `.done` events).
  frames.push(event({type: 'response.completed', response: {...base, status: 'completed', output: [], usage}}));
  return sse(res, frames, pauseMs);
}

// ---- Gemini (Cloud Code, and the native API Vertex serves) ----

/**
 * A Gemini answer: the whole GenerateContentResponse, or its SSE frames (one part each). Cloud Code
 * wraps each in `{response: …}`; the native API (`native`) sends it bare.
 */
export function geminiAnswer(stream: boolean, model: string, reply: Reply, native = false): {json: Json} | {frames: string[]} {
  const usageMetadata = {promptTokenCount: USAGE.input, candidatesTokenCount: USAGE.output, totalTokenCount: USAGE.input + USAGE.output, cachedContentTokenCount: USAGE.cached};
  const envelope = (parts: Json[], finish?: string, usage?: Json) => {
    const response = {candidates: [{content: {role: 'model', parts}, ...(finish ? {finishReason: finish} : {}), index: 0}], ...(usage ? {usageMetadata: usage} : {}), modelVersion: model, responseId: 'gemini-resp-1'};
    return native ? response : {response};
  };
  const parts: Json[] = [];
  if (reply.reasoning) parts.push({text: reply.reasoning, thought: true, thoughtSignature: 'gemini-thought-sig'});
  if (reply.text) parts.push({text: reply.text});
  if ('call' in reply) parts.push({functionCall: {name: reply.call.name, args: reply.call.args}, thoughtSignature: GEMINI_CALL_SIGNATURE});
  if (!stream) return {json: envelope(parts, 'STOP', usageMetadata)};
  return {frames: parts.map((part, i) => `data: ${JSON.stringify(envelope([part], i === parts.length - 1 ? 'STOP' : undefined, i === parts.length - 1 ? usageMetadata : undefined))}\r\n\r\n`)};
}

export function writeGemini(res: ServerResponse, stream: boolean, model: string, reply: Reply, pauseMs: number, native = false): Promise<void> | void {
  const answer = geminiAnswer(stream, model, reply, native);
  return 'json' in answer ? sendJson(res, 200, answer.json) : sse(res, answer.frames, pauseMs);
}

// ---- Anthropic Messages ----

export function writeAnthropic(res: ServerResponse, body: Json, reply: Reply, pauseMs: number, signaturePrefix = 'sig-anthropic-'): Promise<void> | void {
  const model = String(body.model);
  const content: Json[] = [];
  if (reply.reasoning) content.push({type: 'thinking', thinking: reply.reasoning, signature: `${signaturePrefix}${++counter}`});
  if (reply.text) content.push({type: 'text', text: reply.text});
  if ('call' in reply) content.push({type: 'tool_use', id: nextId('toolu'), name: reply.call.name, input: reply.call.args});
  const stop = 'call' in reply ? 'tool_use' : 'end_turn';
  const usage = {input_tokens: USAGE.input - USAGE.cached, cache_read_input_tokens: USAGE.cached, cache_creation_input_tokens: 0, output_tokens: USAGE.output};
  const message = {id: nextId('msg'), type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage};
  if (body.stream !== true) return sendJson(res, 200, message);
  const event = (name: string, data: Json) => `event: ${name}\ndata: ${JSON.stringify({type: name, ...data})}\n\n`;
  const frames = [event('message_start', {message: {...message, content: [], stop_reason: null, usage: {...usage, output_tokens: 1}}})];
  content.forEach((block, index) => {
    if (block.type === 'thinking') {
      frames.push(event('content_block_start', {index, content_block: {type: 'thinking', thinking: '', signature: ''}}));
      frames.push(event('content_block_delta', {index, delta: {type: 'thinking_delta', thinking: block.thinking}}));
      frames.push(event('content_block_delta', {index, delta: {type: 'signature_delta', signature: block.signature}}));
    } else if (block.type === 'text') {
      frames.push(event('content_block_start', {index, content_block: {type: 'text', text: ''}}));
      for (const text of halves(String(block.text))) frames.push(event('content_block_delta', {index, delta: {type: 'text_delta', text}}));
    } else {
      frames.push(event('content_block_start', {index, content_block: {...block, input: {}}}));
      for (const partial of halves(JSON.stringify(block.input))) frames.push(event('content_block_delta', {index, delta: {type: 'input_json_delta', partial_json: partial}}));
    }
    frames.push(event('content_block_stop', {index}));
  });
  frames.push(event('message_delta', {delta: {stop_reason: stop, stop_sequence: null}, usage: {output_tokens: USAGE.output}}));
  frames.push(event('message_stop', {}));
  return sse(res, frames, pauseMs);
}
