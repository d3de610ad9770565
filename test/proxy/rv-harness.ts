// Leak finder for the masking review: what a client could recover from the bytes it received.
import {setTimeout as sleep} from 'node:timers/promises';
import type {Redactor} from '../../source/core/redact.js';
import {JsonRunMasker} from '../../source/proxy/json-run-mask.js';
import {SseRunMasker} from '../../source/proxy/sse-run-mask.js';
import {API_KEY, oauthToken, type ProxyFixture} from './fixture.js';
/** Every text a client may assemble: raw, JSON string leaves joined per key across SSE events, nested JSON strings, percent- and base64-decoded forms. */
export function recoverable(raw: string): string[] {
  const out: string[] = [raw];
  const perKey = new Map<string, string>();
  const leaves: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      leaves.push(value);
      perKey.set(key, (perKey.get(key) ?? '') + value);
      try {
        const inner = JSON.parse(value);
        if (typeof inner === 'object' && inner !== null) walk(inner, key + '>');
        else if (typeof inner === 'string') leaves.push(inner);
      } catch {}
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  const jsons: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : line.trim();
    if (data.startsWith('{') || data.startsWith('[')) jsons.push(data);
    else if (data.includes('{')) jsons.push(data.slice(data.indexOf('{')));
  }
  if (raw.trim().startsWith('{')) jsons.push(raw);
  for (const json of jsons) {
    try {
      walk(JSON.parse(json), '');
    } catch {}
  }
  for (const [, joined] of perKey) {
    out.push(joined);
    try {
      walk(JSON.parse(joined), 'joined');
    } catch {}
  }
  out.push(...leaves);
  const more: string[] = [];
  for (const text of [...out, ...perKey.values()]) {
    try {
      more.push(decodeURIComponent(text));
    } catch {}
    more.push(text.replace(/\\+u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))));
    const unwrapped = text.replace(/\\r\\n|\\n|\r\n|\n/g, '');
    for (const m of unwrapped.matchAll(/[A-Za-z0-9+/_-]{12,}={0,2}/g)) for (let s = 0; s < 4; s++) more.push(Buffer.from(m[0].slice(s), 'base64').toString('latin1'));
  }
  return [...out, ...more];
}

/** Whether any recoverable text holds `secret` in full. */
export function leaks(raw: string, secret: string): boolean {
  return recoverable(raw).some((text) => text.includes(secret));
}

// ---- Shared by rv-mask-probes and rv-mask-leaks: fixtures, upstream streams, a raw client, what the Anthropic SDK joins. ----
export const claude = {provider: 'claude', token: oauthToken('claude', 'c@example.com', {access_token: 'sk-ant-oat01-Ab3_xY9-Qr7ZkLmNoPq12345'})};
export const qwen = {provider: 'qwen', apiPath: '/v1', token: oauthToken('qwen', 'q@example.com', {access_token: 'qwAccess_TOKEN-9f8e7d6c5b4a3210'})};
export const tokenOf = (c: {token: Record<string, unknown>}) => String(c.token.access_token);

export const u = (text: string, levels = 1) => [...text].map((ch) => '\\'.repeat(levels) + 'u' + ch.charCodeAt(0).toString(16).padStart(4, '0')).join('');
export const sse = (event: string, data: unknown, nl = '\n') => `event: ${event}${nl}data: ${typeof data === 'string' ? data : JSON.stringify(data)}${nl}${nl}`;

export function anthropicEvents(pieces: string[], nl = '\n', raw = false): string[] {
  return [
    sse('message_start', {type: 'message_start', message: {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: {input_tokens: 1, output_tokens: 1}}}, nl),
    sse('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}, nl),
    ...pieces.map((p) => sse('content_block_delta', raw ? `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${p}"}}` : {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: p}}, nl)),
    sse('content_block_stop', {type: 'content_block_stop', index: 0}, nl),
    sse('message_delta', {type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {output_tokens: 2}}, nl),
    sse('message_stop', {type: 'message_stop'}, nl),
  ];
}

export type Mode = 'whole' | 'trickle' | 'bytes';
export function serve(f: ProxyFixture, parts: (string | Buffer)[], mode: Mode, head: Record<string, string | number> = {'content-type': 'text/event-stream'}, status = 200) {
  f.upstream.handler = async (_req, res) => {
    const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
    if (mode === 'whole') {
      res.writeHead(status, {...head, 'content-length': all.length});
      res.end(all);
      return;
    }
    res.writeHead(status, head);
    if (mode === 'bytes') {
      for (let i = 0; i < all.length; i += 7) {
        res.write(all.subarray(i, i + 7));
        await sleep(1);
      }
    } else
      for (const p of parts) {
        res.write(p);
        await sleep(5);
      }
    res.end();
  };
}

export async function askRaw(f: ProxyFixture, body: Record<string, unknown>, route = '/v1/messages'): Promise<{status: number; text: string; length: string | null; bytes: number}> {
  const response = await fetch(`${f.url}${route}`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify(body),
  });
  const buf = Buffer.from(await response.arrayBuffer());
  return {status: response.status, text: buf.toString('utf8'), length: response.headers.get('content-length'), bytes: buf.length};
}

export const msgReq = (stream: boolean) => ({model: 'claude-sonnet-4-5', max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]});
export const chatChunk = (delta: Record<string, unknown>, finish: string | null = null, nl = '\n') =>
  `data: ${JSON.stringify({id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}${nl}${nl}`;

/** What the Anthropic SDK joins from a stream: each block's text, thinking, partial_json (and its parse), plus all text blocks together. */
export function joinAnthropic(raw: string): string[] {
  const blocks: Record<number, {text: string; json: string; name?: string; id?: string; sig?: string}> = {};
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data: {')) continue;
    const e = JSON.parse(line.slice(6));
    if (e.type === 'content_block_start') blocks[e.index] = {text: e.content_block.text ?? e.content_block.thinking ?? '', json: '', name: e.content_block.name, id: e.content_block.id};
    if (e.type === 'content_block_delta') {
      const b = blocks[e.index]!;
      if (e.delta.type === 'input_json_delta') b.json += e.delta.partial_json;
      else if (e.delta.type === 'signature_delta') b.sig = e.delta.signature;
      else b.text += e.delta.text ?? e.delta.thinking ?? '';
    }
    if (e.type === 'error') blocks[999] = {text: e.error.message, json: ''};
  }
  const out: string[] = [];
  for (const b of Object.values(blocks)) {
    out.push(b.text, b.json, b.name ?? '', b.id ?? '', b.sig ?? '');
    try {
      out.push(JSON.stringify(JSON.parse(b.json || '{}'), (_k, v) => v).replace(/\\\\/g, '\\'));
      const walk = (v: unknown): void => {
        if (typeof v === 'string') out.push(v);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(b.json || '{}'));
    } catch {}
  }
  out.push(Object.values(blocks).map((b) => b.text).join(''));
  return out;
}

/** A pass-through SSE body through the maskers deliver.ts pipes it through (byte masker, then SseRunMasker), in chunks of `size` bytes. */
export function maskedSse(redactor: Redactor, body: string, size: number): string {
  const bytes = Buffer.from(body, 'utf8');
  const masker = redactor.stream();
  const runs = new SseRunMasker(redactor);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(runs.push(masker.push(bytes.subarray(at, at + size))));
  out.push(runs.push(masker.end()), runs.end());
  return Buffer.concat(out).toString('utf8');
}

/** A JSON document through a JsonRunMasker (an answer over 4 MB), in chunks of `size` bytes. */
export function maskedJsonRuns(redactor: Redactor, json: string, size: number): string {
  const masker = new JsonRunMasker(redactor);
  const bytes = Buffer.from(json, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(masker.push(bytes.subarray(at, at + size)));
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

/** A body in 64 KB pieces, as a real upstream's reads arrive. */
export function inPieces(body: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < body.length; i += 65536) parts.push(body.slice(i, i + 65536));
  return parts;
}

/** The data of each SSE event of a body a client received, parsed (`[DONE]` as the string). */
export const sseData = (text: string) =>
  text
    .split('\n\n')
    .filter((event) => event.includes('data: '))
    .map((event) => event.split('\n').find((line) => line.startsWith('data: '))!.slice(6))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as Record<string, any>)));

/** A Codex account (the OpenAI Responses protocol) whose access token is `secret`. */
export const codexAccount = (secret: string) => ({provider: 'codex', apiPath: '/backend-api/codex', token: oauthToken('codex', 'x@example.com', {account_id: 'acct-1', access_token: secret})});
/** A Responses SSE event of `type`, its data `{type, ...data}`. */
export const responsesEvent = (type: string, data: Record<string, unknown>) => sse(type, {type, ...data});

/**
 * A Chat stream the upstream sends in two parts: `first` (an event each 5 ms), then, once the client
 * has read `marker` (at most `patience` ms), `rest`. What the client read, and how long the
 * upstream waited for it to see `marker` (`patience` when it never did before the rest).
 */
export async function streamUntilSeen(f: ProxyFixture, request: Record<string, unknown>, first: string[], rest: string[], marker: string, patience: number, route = '/v1/chat/completions'): Promise<{text: string; waited: number}> {
  let seen!: () => void;
  const clientSaw = new Promise<void>((resolve) => (seen = resolve));
  let waited = 0;
  f.upstream.handler = async (_req, res) => {
    res.writeHead(200, {'content-type': 'text/event-stream'});
    for (const event of first) {
      res.write(event);
      await sleep(5);
    }
    const started = Date.now();
    await Promise.race([clientSaw, sleep(patience)]);
    waited = Date.now() - started;
    for (const event of rest) res.write(event);
    res.end();
  };
  const response = await fetch(`${f.url}${route}`, {method: 'POST', headers: {authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json'}, body: JSON.stringify(request)});
  let text = '';
  const decoder = new TextDecoder();
  for await (const part of response.body!) {
    text += decoder.decode(part, {stream: true});
    if (text.includes(marker)) seen();
  }
  return {text, waited};
}
