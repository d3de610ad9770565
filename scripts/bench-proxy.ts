// Proxy against direct on loopback: the same requests sent to a local upstream directly (A) and through
// `ccs-tui proxy serve` (B, a child process, as the TUI runs it), interleaved A B A B so that a machine
// that slows down mid-run slows both alike; ratios are taken pair by pair and their median reported.
// The throughput pairs also go through a bare node:http relay (C, scripts/bench-bare-relay.ts, A B C
// A B C): the floor any Node proxy pays, so the proxy's own cost can be told from it; with each
// child's CPU per request (/proc utime+stime over its batches).
// At 1 and 16 connections, for JSON replies, SSE streams and bulk bodies; RSS of the proxy sampled
// over a sustained run and while four 60 MB request bodies stream through it at once. Bounded loops,
// 127.0.0.1 only.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {Agent, request} from 'undici';
import {PROXY_NODE_FLAGS} from '../source/services/proxy/launch.js';
import {listeningPort} from './bench-serve.js';
import {median, percentile} from './bench-stats.js';

export type PayloadKind = 'json' | 'stream' | 'bulk';

export interface ThroughputPairs {
  kind: PayloadKind;
  connections: number;
  /** Proxied rate / direct rate for each A B pair, in run order. */
  ratios: number[];
  directPerSecond: number;
  proxiedPerSecond: number;
  unit: 'req/s' | 'MB/s';
  /** The bare node:http relay (C of each A B C round): its rate / direct rate, per round. */
  bareRatios: number[];
  /** Proxied rate / bare relay rate, per round. */
  proxiedOverBare: number[];
  barePerSecond: number;
  /** CPU time (user + system) of each child over all its batches here, per request, in µs. */
  cpuMicrosPerRequest: {proxy: number; bare: number};
  /** Size of each request's answer body for bulk (MB), else undefined. */
  bulkMb?: number;
}

export interface ProxyBenchResult {
  /** One connection, JSON: latency percentiles over every interleaved request. */
  p50Ms: number;
  p99Ms: number;
  directP50Ms: number;
  directP99Ms: number;
  /** Median extra time to the first streamed byte through the proxy (interleaved samples). */
  firstByteDelayMs: number;
  throughput: ThroughputPairs[];
  /** The sustained run: requests, connections, RSS peak and at the end (MB). */
  sustained: {requests: number; connections: number; peakRssMb: number; endRssMb: number; seconds: number};
  /** Proxy RSS just before four 60 MB bodies are sent at once, and its peak while they stream through. */
  largeBodies: {beforeMb: number; peakMb: number; bytesReceived: number};
}

const cliMain = fileURLToPath(new URL('../source/cli/main.js', import.meta.url));
const bareRelayMain = fileURLToPath(new URL('./bench-bare-relay.js', import.meta.url));
const KEY = 'bench-proxy-key-0123456789abcdef';
const PAIRS = 5;
const FIRST_BYTE_SAMPLES = 60;
const SUSTAINED_REQUESTS = Number(process.env.BENCH_SUSTAINED_REQUESTS ?? 60_000);
const SUSTAINED_CONNECTIONS = 16;
const BULK_CHUNK = Buffer.alloc(64 * 1024, 97);
const STREAM_EVENTS = 20;
const SMALL_REPLY = JSON.stringify({id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{type: 'text', text: 'ok'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}});
const STREAM_EVENT = `event: content_block_delta\ndata: ${JSON.stringify({type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: 'hello '.repeat(8)}})}\n\n`;

/** Requests per batch (each side of a pair) by kind and connection count: a batch lasts ~0.3–1 s. */
const BATCH: Record<PayloadKind, Record<number, number>> = {
  json: {1: 400, 16: 2000},
  stream: {1: 200, 16: 1000},
  bulk: {1: 2, 16: 16},
};
/** Bulk body size by connection count (64 MB alone, 16 MB each at 16 connections). */
const BULK_MB: Record<number, number> = {1: 64, 16: 16};

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
      if (body.includes('"bench-stream"')) {
        res.writeHead(200, {'content-type': 'text/event-stream'});
        for (let i = 0; i < STREAM_EVENTS; i++) res.write(STREAM_EVENT);
        res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
        return;
      }
      const bulk = /"bench-bulk-(\d+)"/.exec(body);
      if (bulk) {
        res.writeHead(200, {'content-type': 'application/octet-stream'});
        const chunksToSend = (Number(bulk[1]) * 1024 * 1024) / BULK_CHUNK.length;
        let sent = 0;
        const pump = () => {
          while (sent < chunksToSend) {
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

interface Target {
  name: 'direct' | 'proxy' | 'bare';
  url: string;
  headers: Record<string, string>;
}

async function post(agent: Agent, target: Target, model: string, stream: boolean, onFirstByte?: () => void): Promise<number> {
  const response = await request(target.url, {
    method: 'POST',
    dispatcher: agent,
    headers: {'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...target.headers},
    body: JSON.stringify({model, max_tokens: 8, stream, messages: [{role: 'user', content: 'hi'}]}),
  });
  let bytes = 0;
  for await (const chunk of response.body) {
    if (bytes === 0) onFirstByte?.();
    bytes += (chunk as Buffer).length;
  }
  if (response.statusCode !== 200) throw new Error(`bench request to ${target.name} answered ${response.statusCode}`);
  return bytes;
}

const modelFor = (kind: PayloadKind, connections: number) =>
  kind === 'json' ? 'claude-opus-4-6' : kind === 'stream' ? 'bench-stream' : `bench-bulk-${BULK_MB[connections]}`;

/** `count` requests over `connections` workers; returns wall seconds, bytes, and each request's ms. */
async function batch(agent: Agent, target: Target, kind: PayloadKind, connections: number, count: number): Promise<{seconds: number; bytes: number; latencies: number[]}> {
  const model = modelFor(kind, connections);
  let next = 0;
  let bytes = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({length: connections}, async () => {
      while (next < count) {
        next++;
        const sent = performance.now();
        bytes += await post(agent, target, model, kind === 'stream');
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return {seconds: (performance.now() - start) / 1000, bytes, latencies};
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

/** Clock ticks per second, the unit of /proc/PID/stat's CPU times (`getconf CLK_TCK`; 100 on Linux). */
const clockTicks = (() => {
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout);
  return ticks > 0 ? ticks : 100;
})();

/** CPU seconds (user + system) process `pid` has used so far (/proc/PID/stat utime + stime), NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime 14 and stime 15 (proc(5)).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Stops a bench child as the TUI stops the proxy (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(kill);
}

/** Resident set size of process `pid` in MB (/proc), NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

export async function benchProxy(log: (line: string) => void = () => {}): Promise<ProxyBenchResult> {
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
  writeFileSync(path.join(root, 'tui.json'), JSON.stringify({endpoints: {claude: {api: upstreamUrl, token: 'http://127.0.0.1:9/token'}}}), {mode: 0o600});

  // BENCH_PROXY_PROFILE_DIR=dir: the proxy child writes a CPU profile there (node --cpu-prof) when it exits.
  const profile = process.env.BENCH_PROXY_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROXY_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, ...profile, cliMain, 'proxy', 'serve', '--port', '0', '--provider', 'claude'], {
    env: {...process.env, CCS_DIR: root, CCS_HOME: ''},
    // As the TUI's supervisor runs it: events over an IPC channel (read and dropped here).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.on('message', () => {});
  const bareRelay = spawn(process.execPath, [...PROXY_NODE_FLAGS, bareRelayMain, upstreamUrl], {stdio: ['ignore', 'pipe', 'pipe']});
  const agents = new Map([1, 16].map((n) => [n, new Agent({keepAliveTimeout: 30_000, connections: n, pipelining: 1})]));
  try {
    const proxyPort = await listeningPort(child);
    child.stdout!.resume();
    const barePort = await listeningPort(bareRelay);
    const direct: Target = {name: 'direct', url: `${upstreamUrl}/v1/messages`, headers: {authorization: 'Bearer bench-access-token-0123456789'}};
    const proxied: Target = {name: 'proxy', url: `http://127.0.0.1:${proxyPort}/v1/messages`, headers: {'x-api-key': KEY}};
    // No key check there: it is given what the upstream is given directly.
    const bare: Target = {name: 'bare', url: `http://127.0.0.1:${barePort}/v1/messages`, headers: direct.headers};

    // Warm every path (JIT, connections, the proxy's account load).
    for (const target of [direct, proxied, bare]) await batch(agents.get(16)!, target, 'json', 16, 2000);

    // Sustained: 60,000 JSON requests at 16 connections through the proxy, RSS sampled every 100 ms.
    // First, on a fresh proxy: the bulk transfers below leave socket buffers V8 frees lazily, which
    // says nothing about steady use.
    let peakRssMb = rssMb(child.pid!);
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(child.pid!))), 100);
    const sustained = await batch(agents.get(SUSTAINED_CONNECTIONS)!, proxied, 'json', SUSTAINED_CONNECTIONS, SUSTAINED_REQUESTS);
    clearInterval(sampler);
    const endRssMb = rssMb(child.pid!);
    peakRssMb = Math.max(peakRssMb, endRssMb);
    // Before the bulk answers below too, whose socket buffers would blur the figure.
    const large = await largeBodies(agents.get(16)!, proxied, child.pid!);
    // Warm again, both relays alike: the streamed 60 MB bodies deoptimise ~50 functions of the
    // proxy's small-request path (its body read, the pick, node:http's parser callbacks), and the
    // bare relay got none of them. Unwarmed, the JSON × 1 pairs that follow measured the proxy
    // re-optimising (issue 14: its CPU per request fell from ~325 to ~175 µs over those 2,000
    // requests, ~90 µs once warm; ~290 compilations in the first batch, ~15 in each later one).
    for (const target of [proxied, bare]) for (const connections of [1, 16]) await batch(agents.get(connections)!, target, 'json', connections, 2000);

    const throughput: ThroughputPairs[] = [];
    let directLatency: number[] = [];
    let proxiedLatency: number[] = [];
    // BENCH_PROXY_KINDS=json,stream: only those kinds (profiling one path).
    const kinds = (process.env.BENCH_PROXY_KINDS?.split(',') ?? ['json', 'stream', 'bulk']).filter((k): k is PayloadKind => k in BATCH);
    for (const kind of kinds) {
      for (const connections of [1, 16]) {
        const agent = agents.get(connections)!;
        const count = BATCH[kind][connections]!;
        const ratios: number[] = [];
        const bareRatios: number[] = [];
        const proxiedOverBare: number[] = [];
        const rates = {direct: [] as number[], proxy: [] as number[], bare: [] as number[]};
        const cpu = {proxy: 0, bare: 0};
        /** A batch to `target`, adding what `pid` spent on it to `cpu[target.name]`. */
        const measured = async (target: Target, pid: number) => {
          const before = cpuSeconds(pid);
          const result = await batch(agent, target, kind, connections, count);
          cpu[target.name as 'proxy' | 'bare'] += cpuSeconds(pid) - before;
          return result;
        };
        for (let pair = 0; pair < PAIRS; pair++) {
          const a = await batch(agent, direct, kind, connections, count);
          const b = await measured(proxied, child.pid!);
          const c = await measured(bare, bareRelay.pid!);
          const rate = (r: typeof a) => (kind === 'bulk' ? r.bytes / 1e6 : count) / r.seconds;
          rates.direct.push(rate(a));
          rates.proxy.push(rate(b));
          rates.bare.push(rate(c));
          ratios.push(rate(b) / rate(a));
          bareRatios.push(rate(c) / rate(a));
          proxiedOverBare.push(rate(b) / rate(c));
          if (kind === 'json' && connections === 1) {
            directLatency = directLatency.concat(a.latencies);
            proxiedLatency = proxiedLatency.concat(b.latencies);
          }
        }
        const perRequestUs = (seconds: number) => (seconds * 1e6) / (PAIRS * count);
        const row: ThroughputPairs = {
          kind,
          connections,
          ratios,
          directPerSecond: median(rates.direct),
          proxiedPerSecond: median(rates.proxy),
          unit: kind === 'bulk' ? 'MB/s' : 'req/s',
          bareRatios,
          proxiedOverBare,
          barePerSecond: median(rates.bare),
          cpuMicrosPerRequest: {proxy: perRequestUs(cpu.proxy), bare: perRequestUs(cpu.bare)},
          bulkMb: kind === 'bulk' ? BULK_MB[connections] : undefined,
        };
        throughput.push(row);
        const percents = (values: number[]) => values.map((r) => `${(r * 100).toFixed(0)}%`).join(' ');
        log(`  ${kind} × ${connections}: pairs ${percents(ratios)} (bare relay vs direct ${percents(bareRatios)})`);
      }
    }

    // First byte: one stream request each way, alternating.
    const firstByte: Record<Target['name'], number[]> = {direct: [], proxy: [], bare: []};
    for (let i = 0; i < FIRST_BYTE_SAMPLES * 2; i++) {
      const target = i % 2 === 0 ? direct : proxied;
      const start = performance.now();
      let first = 0;
      await post(agents.get(1)!, target, 'bench-first-byte', true, () => (first = performance.now() - start));
      firstByte[target.name].push(first);
    }

    // NaN with no JSON × 1 pairs (BENCH_PROXY_KINDS without json): the caller skips the latency verdicts.
    const sorted = (values: number[]) => (values.length === 0 ? [Number.NaN] : [...values].sort((x, y) => x - y));
    return {
      p50Ms: percentile(sorted(proxiedLatency), 50),
      p99Ms: percentile(sorted(proxiedLatency), 99),
      directP50Ms: percentile(sorted(directLatency), 50),
      directP99Ms: percentile(sorted(directLatency), 99),
      firstByteDelayMs: Math.max(0, median(firstByte.proxy) - median(firstByte.direct)),
      throughput,
      sustained: {requests: SUSTAINED_REQUESTS, connections: SUSTAINED_CONNECTIONS, peakRssMb, endRssMb, seconds: sustained.seconds},
      largeBodies: large,
    };
  } finally {
    // Let it exit as it does when the TUI quits (the profile, if asked, is written on exit).
    await Promise.all([stopChild(child), stopChild(bareRelay)]);
    await Promise.all([...agents.values()].map((a) => a.close()));
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    upstream.closeAllConnections();
    rmSync(base, {recursive: true, force: true});
  }
}

// Run on its own: `node dist/scripts/bench-proxy.js`.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(JSON.stringify(await benchProxy((line) => console.log(line)), null, 2));
}
