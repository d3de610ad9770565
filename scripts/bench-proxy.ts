// Proxy overhead on loopback: the same requests sent to a local upstream directly and through
// `ccs-tui proxy serve` (a child process, as the TUI runs it). Bounded loops, 127.0.0.1 only.
import {spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {Agent, request} from 'undici';
import {PROXY_NODE_FLAGS} from '../source/services/proxy/launch.js';

export interface ProxyBenchResult {
  p50Ms: number;
  p99Ms: number;
  directP50Ms: number;
  directP99Ms: number;
  /** Median extra time to the first streamed byte through the proxy. */
  firstByteDelayMs: number;
  /** Proxied bytes per second divided by direct bytes per second. */
  throughputRatio: number;
  rssMb: number;
  /** Proxy RSS just before four 60 MB bodies are sent at once, and its peak while they stream through. */
  largeBodies: {beforeMb: number; peakMb: number; bytesReceived: number};
}

const cliMain = fileURLToPath(new URL('../source/cli/main.js', import.meta.url));
const KEY = 'bench-proxy-key-0123456789abcdef';
const LATENCY_REQUESTS = 2000;
const WARMUP = 200;
const FIRST_BYTE_SAMPLES = 60;
const BULK_CHUNK = Buffer.alloc(64 * 1024, 97);
const BULK_CHUNKS = 1024; // 64 MB
const SMALL_REPLY = JSON.stringify({id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});

const LARGE_BODY_BYTES = 60 * 1024 * 1024;
const LARGE_BODIES = 4;

function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.headers['x-bench-large']) {
      // Counted, not kept: the bench measures the proxy's memory, not this server's.
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        const text = JSON.stringify({bytes});
        res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
        res.end(text);
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('"bench-first-byte"')) {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        res.write('event: message_start\ndata: {}\n\n');
        setTimeout(() => res.end('event: message_stop\ndata: {}\n\n'), 5);
        return;
      }
      if (body.includes('"bench-bulk"')) {
        res.writeHead(200, {'content-type': 'application/octet-stream'});
        let sent = 0;
        const pump = () => {
          while (sent < BULK_CHUNKS) {
            sent++;
            if (!res.write(BULK_CHUNK)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(SMALL_REPLY)});
      res.end(SMALL_REPLY);
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

interface Target {
  url: string;
  headers: Record<string, string>;
}

async function post(agent: Agent, target: Target, model: string, onFirstByte?: () => void): Promise<number> {
  const response = await request(target.url, {
    method: 'POST',
    dispatcher: agent,
    headers: {'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...target.headers},
    body: JSON.stringify({model, max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });
  let bytes = 0;
  for await (const chunk of response.body) {
    if (bytes === 0) onFirstByte?.();
    bytes += (chunk as Buffer).length;
  }
  if (response.statusCode !== 200) throw new Error(`bench request answered ${response.statusCode}`);
  return bytes;
}

async function latencies(agent: Agent, target: Target, everyHundred?: () => void): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await post(agent, target, 'claude-opus-4-6');
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    if (i % 100 === 0) everyHundred?.();
    const start = performance.now();
    await post(agent, target, 'claude-opus-4-6');
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

async function firstByteTimes(agent: Agent, target: Target): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < FIRST_BYTE_SAMPLES; i++) {
    const start = performance.now();
    let first = 0;
    await post(agent, target, 'bench-first-byte', () => (first = performance.now() - start));
    samples.push(first);
  }
  return samples;
}

async function bytesPerSecond(agent: Agent, target: Target): Promise<number> {
  await post(agent, target, 'bench-bulk');
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes += await post(agent, target, 'bench-bulk');
  return bytes / ((performance.now() - start) / 1000);
}

/** A Messages body of `LARGE_BODY_BYTES` bytes, produced chunk by chunk (the bench holds none of it). */
function largeBody(): {length: number; stream: Readable} {
  const head = Buffer.from('{"model":"claude-opus-4-6","max_tokens":8,"messages":[{"role":"user","content":"');
  const tail = Buffer.from('"}]}');
  const fill = LARGE_BODY_BYTES - head.length - tail.length;
  async function* chunks() {
    yield head;
    for (let left = fill; left > 0; left -= BULK_CHUNK.length) yield left >= BULK_CHUNK.length ? BULK_CHUNK : BULK_CHUNK.subarray(0, left);
    yield tail;
  }
  return {length: LARGE_BODY_BYTES, stream: Readable.from(chunks(), {objectMode: false})};
}

/** Sends LARGE_BODIES bodies at once through the proxy, sampling its RSS every 20 ms. */
async function largeBodies(agent: Agent, target: Target, pid: number): Promise<ProxyBenchResult['largeBodies']> {
  const beforeMb = rssMb(pid);
  let peakMb = beforeMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 20);
  try {
    const sent = await Promise.all(
      Array.from({length: LARGE_BODIES}, async () => {
        const body = largeBody();
        const response = await request(target.url, {
          method: 'POST',
          dispatcher: agent,
          headers: {'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'content-length': String(body.length), 'x-bench-large': '1', ...target.headers},
          body: body.stream,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`large body answered ${response.statusCode}: ${text.slice(0, 200)}`);
        return (JSON.parse(text) as {bytes: number}).bytes;
      }),
    );
    return {beforeMb, peakMb, bytesReceived: sent.reduce((a, b) => a + b, 0)};
  } finally {
    clearInterval(sampler);
  }
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

export async function benchProxy(): Promise<ProxyBenchResult> {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-bench-proxy-'));
  const root = path.join(base, '.ccs');
  const upstream = await startUpstream();
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  mkdirSync(path.join(root, 'cliproxy', 'auth'), {recursive: true, mode: 0o700});
  writeFileSync(
    path.join(root, 'cliproxy', 'auth', 'claude-bench@example.com.json'),
    JSON.stringify({type: 'claude', email: 'bench@example.com', access_token: 'bench-access-token-0123456789', refresh_token: 'bench-refresh', expired: new Date(Date.now() + 30 * 86400_000).toISOString()}),
    {mode: 0o600},
  );
  writeFileSync(path.join(root, 'cliproxy', 'config.yaml'), `port: 8317\napi-keys:\n  - "${KEY}"\n`, {mode: 0o600});
  writeFileSync(path.join(root, 'tui.json'), JSON.stringify({endpoints: {claude: {api: upstreamUrl}}}), {mode: 0o600});

  const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, cliMain, 'proxy', 'serve', '--port', '0', '--provider', 'claude'], {
    env: {...process.env, CCS_DIR: root, CCS_HOME: ''},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const agent = new Agent({keepAliveTimeout: 30_000, connections: 4});
  try {
    const proxyPort = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`proxy did not start: ${out}`)), 15_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (data: string) => {
        out += data;
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.stderr.on('data', (data) => (out += String(data)));
      child.once('exit', (code) => reject(new Error(`proxy exited with ${code}: ${out}`)));
    });
    child.stdout.resume();
    const direct: Target = {url: `${upstreamUrl}/v1/messages`, headers: {authorization: 'Bearer bench-access-token-0123456789'}};
    const proxied: Target = {url: `http://127.0.0.1:${proxyPort}/v1/messages`, headers: {'x-api-key': KEY}};

    // RSS is sampled while the proxy serves requests. The bulk transfer below is left out on purpose:
    // it passes 256 MB of socket buffers that V8 frees lazily, which says nothing about steady use.
    let peakRss = rssMb(child.pid!);
    const sampleRss = () => (peakRss = Math.max(peakRss, rssMb(child.pid!)));
    const directLatency = await latencies(agent, direct);
    const proxiedLatency = await latencies(agent, proxied, sampleRss);
    const directFirst = await firstByteTimes(agent, direct);
    const proxiedFirst = await firstByteTimes(agent, proxied);
    sampleRss();
    // Before the bulk answers below, whose socket buffers V8 frees lazily and would blur the figure.
    const large = await largeBodies(agent, proxied, child.pid!);
    const directRate = await bytesPerSecond(agent, direct);
    const proxiedRate = await bytesPerSecond(agent, proxied);
    return {
      p50Ms: percentile(proxiedLatency, 50),
      p99Ms: percentile(proxiedLatency, 99),
      directP50Ms: percentile(directLatency, 50),
      directP99Ms: percentile(directLatency, 99),
      firstByteDelayMs: Math.max(0, median(proxiedFirst) - median(directFirst)),
      throughputRatio: proxiedRate / directRate,
      rssMb: peakRss,
      largeBodies: large,
    };
  } finally {
    child.kill('SIGTERM');
    await agent.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    upstream.closeAllConnections();
    rmSync(base, {recursive: true, force: true});
  }
}

// Run on its own: `node dist/scripts/bench-proxy.js`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(await benchProxy());
}
