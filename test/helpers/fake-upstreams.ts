// Local stand-ins for the providers' inference APIs and token endpoints, built from PROVIDERS.md.
// They answer in each protocol's real wire format (JSON and SSE, as the official SDKs parse them) and
// record every request (method, path, headers, body) so tests assert on what the proxy sent.
import {createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {readFileSync} from 'node:fs';
import {createServer as createNetServer, type AddressInfo} from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path with query. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> | undefined;
}

export type UpstreamHandler = (req: RecordedRequest, res: ServerResponse, incoming: IncomingMessage) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Body bytes received so far, counted as they arrive (before a request is complete). */
  bytesReceived: number;
  /** Replaces how it answers (default: a well-formed success in the route's protocol). */
  handler: UpstreamHandler;
  close(): Promise<void>;
}

export async function startFakeUpstream(handler: UpstreamHandler = (req, res) => answerByProtocol(req, res)): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const upstream: FakeUpstream = {url: '', port: 0, requests, bytesReceived: 0, handler, close: async () => {}};
  const server: Server = createServer(async (incoming, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of incoming) {
        chunks.push(chunk as Buffer);
        upstream.bytesReceived += (chunk as Buffer).length;
      }
    } catch {
      // The proxy cut the request mid-body (a test of that): nothing to answer, and no unhandled
      // rejection to end the test process.
      res.destroy();
      return;
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const url = incoming.url ?? '/';
    const recorded: RecordedRequest = {method: incoming.method ?? 'GET', url, path: url.split('?')[0]!, headers: incoming.headers, raw, body};
    requests.push(recorded);
    try {
      await upstream.handler(recorded, res, incoming);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {message: String(error)}}));
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  upstream.port = port;
  upstream.url = `http://127.0.0.1:${port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return upstream;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers});
  res.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StreamOptions {
  /** Pause before each chunk after the first. */
  pauseMs?: number;
  /** Awaited before the final chunk (a test holds the stream open until it saw the first chunk). */
  beforeLast?: () => Promise<void>;
  headers?: Record<string, string>;
}

async function writeSse(res: ServerResponse, events: string[], options: StreamOptions): Promise<void> {
  res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers});
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && options.pauseMs) await sleep(options.pauseMs);
    if (i === events.length - 1 && options.beforeLast) await options.beforeLast();
    res.write(events[i]);
  }
  res.end();
}

// ---- Anthropic Messages ----

export function anthropicMessage(model: string, text: string): Record<string, unknown> {
  return {
    id: 'msg_fake_1',
    type: 'message',
    role: 'assistant',
    model,
    content: [{type: 'text', text}],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {input_tokens: 3, output_tokens: 2},
  };
}

export function anthropicStreamEvents(model: string, parts: readonly string[]): string[] {
  const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return [
    event('message_start', {type: 'message_start', message: {...anthropicMessage(model, ''), content: [], stop_reason: null}}) +
      event('content_block_start', {type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}),
    ...parts.map((text) => event('content_block_delta', {type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text}})),
    event('content_block_stop', {type: 'content_block_stop', index: 0}) +
      event('message_delta', {type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null}, usage: {output_tokens: parts.length}}) +
      event('message_stop', {type: 'message_stop'}),
  ];
}

// ---- OpenAI Chat Completions ----

export function chatCompletion(model: string, text: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{index: 0, message: {role: 'assistant', content: text}, finish_reason: 'stop'}],
    usage: {prompt_tokens: 3, completion_tokens: 2, total_tokens: 5},
  };
}

export function chatStreamEvents(model: string, parts: readonly string[]): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
  return [
    chunk({role: 'assistant', content: parts[0] ?? ''}, null),
    ...parts.slice(1).map((text) => chunk({content: text}, null)),
    chunk({}, 'stop') + 'data: [DONE]\n\n',
  ];
}

// ---- OpenAI Responses (Codex) ----

export function responsesStreamEvents(model: string, parts: readonly string[]): string[] {
  const event = (data: Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  const response = {id: 'resp_fake', object: 'response', created_at: 1_700_000_000, model, status: 'in_progress', output: []};
  const text = parts.join('');
  return [
    event({type: 'response.created', sequence_number: 0, response}),
    ...parts.map((delta, i) => event({type: 'response.output_text.delta', sequence_number: i + 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta})),
    event({
      type: 'response.completed',
      sequence_number: parts.length + 1,
      response: {
        ...response,
        status: 'completed',
        output: [{id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{type: 'output_text', text, annotations: []}]}],
      },
    }),
  ];
}

/** Answers each protocol's route with a success, streaming when the body asks for it. */
export async function answerByProtocol(req: RecordedRequest, res: ServerResponse, options: StreamOptions = {}): Promise<void> {
  const model = String(req.body?.model ?? 'unknown');
  const stream = req.body?.stream === true;
  if (req.path.endsWith('/messages')) {
    if (stream) return writeSse(res, anthropicStreamEvents(model, ['Hello', ' from', ' upstream']), options);
    return sendJson(res, 200, anthropicMessage(model, 'Hello from upstream'), options.headers);
  }
  if (req.path.endsWith('/chat/completions')) {
    if (stream) return writeSse(res, chatStreamEvents(model, ['Hello', ' from', ' upstream']), options);
    return sendJson(res, 200, chatCompletion(model, 'Hello from upstream'), options.headers);
  }
  if (req.path.endsWith('/responses')) return writeSse(res, responsesStreamEvents(model, ['Hello', ' from', ' upstream']), options);
  sendJson(res, 404, {error: {message: `fake upstream has no route ${req.path}`}});
}

export {writeSse};

// ---- Token endpoint ----

export interface FakeTokenServer extends FakeUpstream {
  /** Refresh-token grants received. */
  readonly refreshes: number;
}

/** An OAuth token endpoint that rotates tokens on every refresh grant, and counts them. */
export async function startFakeTokenServer(prefix = 'refreshed'): Promise<FakeTokenServer> {
  let count = 0;
  const server = await startFakeUpstream((req, res) => {
    const params = req.body ?? Object.fromEntries(new URLSearchParams(req.raw));
    if (params.grant_type !== 'refresh_token') return sendJson(res, 400, {error: 'unsupported_grant_type'});
    count++;
    sendJson(res, 200, {
      access_token: `${prefix}-access-${count}-0123456789abcdef`,
      refresh_token: `${prefix}-refresh-${count}-0123456789abcdef`,
      token_type: 'Bearer',
      expires_in: 28_800,
    });
  });
  return Object.defineProperty(server, 'refreshes', {get: () => count}) as FakeTokenServer;
}

/**
 * A loopback port nothing listens on, for "upstream unreachable" (ECONNREFUSED): below the ephemeral
 * range, so no test server (they all listen on port 0) is ever given it.
 */
export const REFUSED_PORT = 9;

/** Ports this process has handed out, so one test file never gets the same port twice. */
const handedOut = new Set<number>();

/**
 * The kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range; 32768–60999 elsewhere).
 * Outgoing connections and listen(0) take their local port from it.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: the IANA range
  }
  return [32_768, 60_999];
}

/**
 * A loopback port that was free a moment ago, for a proxy that must listen on a known port. Chosen
 * outside the ephemeral range: a port from listen(0) is soon the local port of some other test's
 * outgoing connection (seen in CI: "port … is in use by another process"). Random, so parallel test
 * processes rarely pick the same one, and checked by binding it.
 */
export async function freePort(): Promise<number> {
  const [low, high] = ephemeralRange();
  const [from, to] = low - 10_000 >= 10_000 ? [low - 10_000, low - 1] : [high + 1, 65_535];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free loopback port in ${from}-${to}`);
}

function bindable(port: number): Promise<boolean> {
  const server = createNetServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
