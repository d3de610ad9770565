// Translation overhead on loopback (DESIGN.md "Translated paths"): Claude Code's Messages requests
// sent through `ccs-tui proxy serve` to an OpenAI Chat upstream (qwen), against the same upstream
// called directly with the equivalent Chat request, and against the proxy's pass-through (a Chat
// client on the same provider). Added latency p50, first streamed byte, and streaming throughput
// (time to deliver the same streamed answer). The three are measured in turn (direct, pass-through,
// translated, again and again), as the proxy bench does. Bounded loops, 127.0.0.1 only.
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Agent, request} from 'undici';
import {PROXY_NODE_FLAGS} from '../source/services/proxy/launch.js';
import {listeningPort} from './bench-serve.js';
import {median, percentile, type Verdict} from './bench-stats.js';

const cliMain = fileURLToPath(new URL('../source/cli/main.js', import.meta.url));
export const KEY = 'bench-translate-key-0123456789abcdef';
const LATENCY_REQUESTS = 1000;
const WARMUP = 200;
const FIRST_BYTE_SAMPLES = 60;
/** Rounds of the bulk answer, each direct, pass-through, translated in turn. */
const BULK_ROUNDS = 5;
/** The bulk answer: this many content deltas of DELTA_TEXT (a few tokens each, as models stream; ≈ 12 MB of text). */
export const BULK_DELTAS = 200_000;
export const DELTA_TEXT = 'a streamed answer arrives in small deltas, a few tokens each. ';

export interface TranslateBenchResult {
  directP50Ms: number;
  passThroughP50Ms: number;
  translatedP50Ms: number;
  directFirstByteMs: number;
  passThroughFirstByteMs: number;
  translatedFirstByteMs: number;
  /** Seconds to stream the bulk answer (medians). */
  directBulkS: number;
  passThroughBulkS: number;
  translatedBulkS: number;
  /** Direct time / proxied time of the bulk answer, round by round, the median of the rounds (1 = as fast as direct). */
  passThroughThroughput: number;
  translatedThroughput: number;
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
const END = `${chunk({}, 'stop')}data: ${JSON.stringify({id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'qwen3-coder-plus', choices: [], usage: {prompt_tokens: 5, completion_tokens: 1, total_tokens: 6}})}\n\ndata: [DONE]\n\n`;
const SMALL_REPLY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'qwen3-coder-plus',
  choices: [{index: 0, message: {role: 'assistant', content: 'ok'}, finish_reason: 'stop'}],
  usage: {prompt_tokens: 5, completion_tokens: 1, total_tokens: 6},
});

/**
 * A Chat Completions upstream: a small JSON answer, a stream whose end comes 5 ms after its start, or
 * a bulk stream. `bench-first-byte` asks for the short stream as the model name or, for a router that
 * replaces the model (Claude Code Router sends every request to its configured one), as the message.
 */
export function startChatUpstream(): Promise<ReturnType<typeof createServer>> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const body = JSON.parse(text) as {model: string; stream?: boolean};
      if (!body.stream) {
        res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(SMALL_REPLY)});
        return res.end(SMALL_REPLY);
      }
      res.writeHead(200, {'content-type': 'text/event-stream'});
      if (text.includes('"bench-first-byte"')) {
        res.write(chunk({role: 'assistant', content: 'first'}));
        return setTimeout(() => res.end(END), 5);
      }
      streamBulk(res);
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function streamBulk(res: ServerResponse): void {
  const delta = chunk({content: DELTA_TEXT});
  let sent = 0;
  const pump = () => {
    while (sent < BULK_DELTAS) {
      sent++;
      if (!res.write(delta)) return void res.once('drain', pump);
    }
    res.end(END);
  };
  pump();
}

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: (model: string, stream: boolean) => string;
}

const chatBody = (model: string, stream: boolean) => JSON.stringify({model, stream, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});
const messagesBody = (model: string, stream: boolean) => JSON.stringify({model, stream, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]});

/** One request; resolves once the whole answer is read. */
export async function post(agent: Agent, target: Target, model: string, stream: boolean, onFirstByte?: () => void): Promise<void> {
  const response = await request(target.url, {method: 'POST', dispatcher: agent, headers: {'content-type': 'application/json', ...target.headers}, body: target.body(model, stream)});
  let first = true;
  for await (const _ of response.body) {
    if (first) onFirstByte?.();
    first = false;
  }
  if (response.statusCode !== 200) throw new Error(`bench request to ${target.url} answered ${response.statusCode}`);
}

/**
 * `sample` on each target in turn, `rounds` times (A B C A B C …), so that a machine that slows down
 * mid-run slows every target alike. Returns each target's samples in run order.
 */
async function interleaved(targets: readonly Target[], rounds: number, sample: (target: Target) => Promise<number>): Promise<number[][]> {
  const samples = targets.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) samples[i]!.push(await sample(target));
  }
  return samples;
}

/** Milliseconds for one whole request. */
async function timed(agent: Agent, target: Target, model: string, stream: boolean): Promise<number> {
  const start = performance.now();
  await post(agent, target, model, stream);
  return performance.now() - start;
}

async function firstByte(agent: Agent, target: Target): Promise<number> {
  const start = performance.now();
  let first = 0;
  await post(agent, target, 'bench-first-byte', true, () => (first = performance.now() - start));
  return first;
}

/** `ccs-tui proxy serve --provider qwen` on a temp CCS dir whose qwen account points at `upstreamUrl`. */
export async function serveQwen(root: string, upstreamUrl: string): Promise<{child: ChildProcess; port: number}> {
  mkdirSync(path.join(root, 'cliproxy', 'auth'), {recursive: true, mode: 0o700});
  const token = {type: 'qwen', email: 'bench@example.com', access_token: 'bench-qwen-access-0123456789', refresh_token: 'bench-refresh', expired: new Date(Date.now() + 30 * 86400_000).toISOString()};
  writeFileSync(path.join(root, 'cliproxy', 'auth', 'qwen-bench@example.com.json'), JSON.stringify(token), {mode: 0o600});
  writeFileSync(path.join(root, 'cliproxy', 'config.yaml'), `port: 8317\napi-keys:\n  - "${KEY}"\n`, {mode: 0o600});
  writeFileSync(path.join(root, 'tui.json'), JSON.stringify({endpoints: {qwen: {api: upstreamUrl}}}), {mode: 0o600});
  const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, cliMain, 'proxy', 'serve', '--port', '0', '--provider', 'qwen'], {
    env: {...process.env, CCS_DIR: root, CCS_HOME: ''},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await listeningPort(child);
  return {child, port};
}

export async function benchTranslate(): Promise<TranslateBenchResult> {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-bench-translate-'));
  const upstream = await startChatUpstream();
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const agent = new Agent({keepAliveTimeout: 30_000, connections: 4});
  let child: ChildProcess | undefined;
  try {
    const served = await serveQwen(path.join(base, '.ccs'), upstreamUrl);
    child = served.child;
    const proxy = `http://127.0.0.1:${served.port}/api/provider/qwen/v1`;
    const direct: Target = {url: `${upstreamUrl}/chat/completions`, headers: {authorization: 'Bearer bench-qwen-access-0123456789'}, body: chatBody};
    const passThrough: Target = {url: `${proxy}/chat/completions`, headers: {authorization: `Bearer ${KEY}`}, body: chatBody};
    const translated: Target = {url: `${proxy}/messages`, headers: {'x-api-key': KEY, 'anthropic-version': '2023-06-01'}, body: messagesBody};
    const targets = [direct, passThrough, translated] as const;
    for (const target of targets) for (let i = 0; i < WARMUP; i++) await post(agent, target, 'qwen3-coder-plus', false);
    const latency = (await interleaved(targets, LATENCY_REQUESTS, (t) => timed(agent, t, 'qwen3-coder-plus', false))).map((samples) => percentile(samples, 50));
    const first = (await interleaved(targets, FIRST_BYTE_SAMPLES, (t) => firstByte(agent, t))).map(median);
    for (const target of targets) await post(agent, target, 'bench-bulk', true);
    const bulk = await interleaved(targets, BULK_ROUNDS, async (t) => (await timed(agent, t, 'bench-bulk', true)) / 1000);
    // Throughput pair by pair (direct time / proxied time of the same round), then their median.
    const ratios = (i: number) => median(bulk[0]!.map((directS, round) => directS / bulk[i]![round]!));
    return {
      directP50Ms: latency[0]!,
      passThroughP50Ms: latency[1]!,
      translatedP50Ms: latency[2]!,
      directFirstByteMs: first[0]!,
      passThroughFirstByteMs: first[1]!,
      translatedFirstByteMs: first[2]!,
      directBulkS: median(bulk[0]!),
      passThroughBulkS: median(bulk[1]!),
      translatedBulkS: median(bulk[2]!),
      passThroughThroughput: ratios(1),
      translatedThroughput: ratios(2),
    };
  } finally {
    child?.kill('SIGTERM');
    await agent.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    upstream.closeAllConnections();
    rmSync(base, {recursive: true, force: true});
  }
}

/** The measurements against DESIGN.md's budgets for translated paths (Claude Code → Chat upstream). */
export async function translateVerdicts(): Promise<Verdict[]> {
  const r = await benchTranslate();
  const added = r.translatedP50Ms - r.directP50Ms;
  const firstDelay = Math.max(0, r.translatedFirstByteMs - r.directFirstByteMs);
  const throughput = r.translatedThroughput;
  const vsPass = (ms: number) => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms vs pass-through`;
  return [
    {
      name: 'translated (Messages → Chat) added latency p50',
      value: `${added.toFixed(2)} ms (${vsPass(r.translatedP50Ms - r.passThroughP50Ms)}; direct ${r.directP50Ms.toFixed(2)} ms)`,
      budget: '< 2 ms',
      ok: added < 2,
    },
    {
      name: 'translated first streamed byte delay',
      value: `${firstDelay.toFixed(2)} ms (${vsPass(r.translatedFirstByteMs - r.passThroughFirstByteMs)})`,
      budget: '< 3 ms',
      ok: firstDelay < 3,
    },
    {
      name: 'translated streaming throughput vs direct',
      value: `${(throughput * 100).toFixed(0)} % (pass-through ${(r.passThroughThroughput * 100).toFixed(0)} %; median of ${BULK_ROUNDS} interleaved rounds; ${(BULK_DELTAS * DELTA_TEXT.length / 1e6).toFixed(0)} MB of text in ${r.translatedBulkS.toFixed(2)} s)`,
      budget: '≥ 60 %',
      ok: throughput >= 0.6,
    },
  ];
}

// Run on its own: `node dist/scripts/bench-translate.js`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const v of await translateVerdicts()) console.log(`${v.ok ? 'ok  ' : 'FAIL'}  ${v.name}: ${v.value} (budget ${v.budget})`);
}
