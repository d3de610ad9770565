// Claude Code Router side by side (DESIGN.md "Translated paths": faster than Claude Code Router on the
// same upstream). Both translate Claude Code's Messages requests to one OpenAI Chat Completions upstream
// on 127.0.0.1: `ccs-tui proxy serve --provider qwen` (on the bench's Node) and Claude Code Router 2.x
// (`ccr start`, on npm's Node 22). The same requests go to the upstream directly, to ccs-tui and to
// the router in turn, round after round, so a machine that slows down mid-run slows all three alike;
// ratios (ccs-tui against the router) are taken round by round and their median reported.
//
// The router is installed at bench time from the npm registry into a cache outside the repo, never as
// a dependency, and runs with HOME pointing at a temp dir (its config.json, logs and the ~/.claude.json
// it writes stay there). A preloaded guard refuses, and reports, any connection or name lookup that is
// not loopback. When the install or the start fails, the result says why and no figure is made up.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, connect as connectTcp, type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {Agent} from 'undici';
import {ensureCached, ensureNode22} from '../test/helpers/npm-cache.js';
import {rssMb} from './bench-proxy.js';
import {median, percentile, type Verdict} from './bench-stats.js';
import {BULK_DELTAS, DELTA_TEXT, KEY, post, serveQwen, startChatUpstream, type Target} from './bench-translate.js';

/** 2.x, as issue 14 asks (the registry's only 2.x is 2.0.0; its latest is 3.x). */
const CCR_PACKAGE = '@musistudio/claude-code-router@2';
const CCR_CLI = path.join('node_modules', '@musistudio', 'claude-code-router', 'dist', 'cli.js');
const CCR_KEY = 'bench-ccr-key-0123456789abcdef';
const UPSTREAM_KEY = 'bench-qwen-access-0123456789';
const ROUNDS = 5;
/** Per round and target: sequential JSON requests (latency), alternating first-byte samples, one bulk stream. */
const LATENCY_REQUESTS = 300;
const FIRST_BYTE_SAMPLES = 20;
const LOAD_CONNECTIONS = 16;
const LOAD_REQUESTS = 1500;

/** Where the router is kept between runs ($CCS_TUI_CCR_CACHE, else the temp dir). */
export const ccrCache = (): string => process.env.CCS_TUI_CCR_CACHE || path.join(tmpdir(), 'ccs-tui-ccr-cache');

/** Per round, ccs-tui's figure and the router's (and direct's, where a figure is measured against it). */
interface Rounds {
  direct: number[];
  ccs: number[];
  ccr: number[];
}

export interface CcrBenchResult {
  ccrVersion: string;
  ccrNode: string;
  ccsNode: string;
  /** JSON answers, one connection: p50 and p99 of each round's requests, ms. */
  p50Ms: Rounds;
  p99Ms: Rounds;
  /** Streams, one connection: median time to the first streamed byte per round, ms. */
  firstByteMs: Rounds;
  /** Seconds to stream the bulk answer (BULK_DELTAS deltas), one per round. */
  bulkS: Rounds;
  /** JSON answers at LOAD_CONNECTIONS connections: requests per second per round. */
  loadPerSecond: Rounds;
  /** Peak RSS of each process over the whole run, MB. */
  peakRssMb: {ccs: number; ccr: number};
  /** Connections or lookups the guard refused the router (none expected). */
  refused: string[];
}

/** The router's command line: Node 22's `node`, the router's cli.js, and that Node's version. */
interface Router {
  node: string;
  cli: string;
  version: string;
}

/** Installs the router (once per machine) and Node 22; resolves to both, or to why not. */
async function ensureRouter(): Promise<Router | {skip: string}> {
  const node = await ensureNode22();
  if ('skip' in node) return {skip: `Node 22: ${node.skip}`};
  const cli = path.join(ccrCache(), CCR_CLI);
  const ready = () => existsSync(cli) && routerVersion().startsWith('2.');
  const router = await ensureCached(ccrCache(), [CCR_PACKAGE], cli, ready);
  if ('skip' in router) return router;
  return {node: node.file, cli, version: spawnSync(node.file, ['--version'], {encoding: 'utf8'}).stdout.trim()};
}

function routerVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(ccrCache(), 'node_modules', '@musistudio', 'claude-code-router', 'package.json'), 'utf8')) as {version: string}).version;
  } catch {
    return '';
  }
}

/**
 * Loaded into the router with `--import`: every TCP connection and name lookup that is not loopback
 * fails and is reported on stderr (one `bench-guard: refused …` line each). Unix sockets pass.
 */
const GUARD = `
import net from 'node:net';
import dns from 'node:dns';
const loopback = (host) => host === undefined || host === '127.0.0.1' || host === '::1' || host === 'localhost';
const report = (what) => process.stderr.write('bench-guard: refused ' + what + '\\n');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : typeof first === 'number' ? {port: first, host: typeof args[1] === 'string' ? args[1] : undefined} : {path: first};
  if (!options.path && !loopback(options.host)) {
    report('a connection to ' + options.host + ':' + options.port);
    process.nextTick(() => this.destroy(new Error('bench guard: only loopback')));
    return this;
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (loopback(host)) return lookup.call(this, host, ...rest);
  report('a lookup of ' + host);
  const callback = rest[rest.length - 1];
  process.nextTick(() => callback(Object.assign(new Error('bench guard: only loopback'), {code: 'ENOTFOUND'})));
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async function (host, ...rest) {
  if (loopback(host)) return lookupPromise.call(this, host, ...rest);
  report('a lookup of ' + host);
  throw Object.assign(new Error('bench guard: only loopback'), {code: 'ENOTFOUND'});
};
`;

/** A port free on 127.0.0.1 just now (the router takes its port from config.json, not from the OS). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * `ccr start` in the foreground with HOME at `home`, routing every request to `upstreamUrl`'s
 * /chat/completions with the upstream's key. Logging is off (the router's default is debug logs to
 * files): the fastest the router runs is what ccs-tui is measured against.
 */
async function startRouter(router: Router, home: string, upstreamUrl: string, refused: string[]): Promise<{child: ChildProcess; port: number}> {
  const port = await freePort();
  mkdirSync(path.join(home, '.claude-code-router'), {recursive: true, mode: 0o700});
  const config = {
    HOST: '127.0.0.1',
    PORT: port,
    APIKEY: CCR_KEY,
    LOG: false,
    Providers: [{name: 'bench', api_base_url: `${upstreamUrl}/chat/completions`, api_key: UPSTREAM_KEY, models: ['qwen3-coder-plus']}],
    Router: {default: 'bench,qwen3-coder-plus'},
  };
  writeFileSync(path.join(home, '.claude-code-router', 'config.json'), JSON.stringify(config, null, 2), {mode: 0o600});
  const guard = path.join(home, 'bench-guard.mjs');
  writeFileSync(guard, GUARD);
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: home, TMPDIR: home, NO_COLOR: '1'};
  const child = spawn(router.node, ['--import', pathToFileURL(guard).href, router.cli, 'start'], {env, cwd: home, stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  child.stdout!.on('data', (data) => (out += String(data)));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (data: string) => {
    out += data;
    for (const match of data.matchAll(/^bench-guard: refused (.*)$/gm)) refused.push(match[1]!);
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (exited !== undefined) throw new Error(`Claude Code Router exited with ${exited}: ${out.trim().slice(-500)}`);
    if (Date.now() > deadline) throw new Error(`Claude Code Router did not listen on 127.0.0.1:${port} within 30 s: ${out.trim().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {child, port};
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(kill);
}

/** Claude Code's request as both routers receive it; `text` picks the upstream's answer (see startChatUpstream). */
const messagesBody = (text: string, stream: boolean) => JSON.stringify({model: 'claude-opus-4-6', stream, max_tokens: 8, messages: [{role: 'user', content: text}]});
const chatBody = (text: string, stream: boolean) => JSON.stringify({model: 'qwen3-coder-plus', stream, max_tokens: 8, messages: [{role: 'user', content: text}]});

/** Each request's ms, `count` in a row. */
async function latencies(agent: Agent, target: Target, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await post(agent, target, 'hi', false);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** `count` JSON requests over `connections` workers; requests per second. */
async function load(agent: Agent, target: Target, connections: number, count: number): Promise<number> {
  let sent = 0;
  const start = performance.now();
  const worker = async () => {
    while (sent < count) {
      sent++;
      await post(agent, target, 'hi', false);
    }
  };
  await Promise.all(Array.from({length: connections}, worker));
  return count / ((performance.now() - start) / 1000);
}

async function bulkSeconds(agent: Agent, target: Target): Promise<number> {
  const start = performance.now();
  await post(agent, target, 'bench-bulk', true);
  return (performance.now() - start) / 1000;
}

/** Runs the side by side; `{skip}` (with the reason) when the router cannot be installed or started. */
export async function benchClaudeCodeRouter(log: (line: string) => void = () => {}): Promise<CcrBenchResult | {skip: string}> {
  const router = await ensureRouter();
  if ('skip' in router) return router;
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-bench-ccr-'));
  const upstream = await startChatUpstream();
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const one = new Agent({keepAliveTimeout: 30_000, connections: 1});
  const many = new Agent({keepAliveTimeout: 30_000, connections: LOAD_CONNECTIONS});
  const refused: string[] = [];
  let ccsChild: ChildProcess | undefined;
  let ccrChild: ChildProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const ccs = await serveQwen(path.join(base, '.ccs'), upstreamUrl);
    ccsChild = ccs.child;
    let ccr: {child: ChildProcess; port: number};
    try {
      ccr = await startRouter(router, path.join(base, 'home'), upstreamUrl, refused);
    } catch (error) {
      return {skip: (error as Error).message};
    }
    ccrChild = ccr.child;
    const targets: Record<keyof Rounds, Target> = {
      direct: {url: `${upstreamUrl}/chat/completions`, headers: {authorization: `Bearer ${UPSTREAM_KEY}`}, body: chatBody},
      ccs: {url: `http://127.0.0.1:${ccs.port}/api/provider/qwen/v1/messages`, headers: {'x-api-key': KEY, 'anthropic-version': '2023-06-01'}, body: messagesBody},
      ccr: {url: `http://127.0.0.1:${ccr.port}/v1/messages`, headers: {'x-api-key': CCR_KEY, 'anthropic-version': '2023-06-01'}, body: messagesBody},
    };
    const order = ['direct', 'ccs', 'ccr'] as const;
    const peakRssMb = {ccs: 0, ccr: 0};
    sampler = setInterval(() => {
      peakRssMb.ccs = Math.max(peakRssMb.ccs, rssMb(ccs.child.pid!));
      peakRssMb.ccr = Math.max(peakRssMb.ccr, rssMb(ccr.child.pid!));
    }, 100);

    // Warm all three (JIT, connections, the routers' config and account loads).
    for (const name of order) {
      await latencies(one, targets[name], 1000);
      await load(many, targets[name], LOAD_CONNECTIONS, 500);
      await bulkSeconds(one, targets[name]);
    }
    const rounds = () => ({direct: [], ccs: [], ccr: []}) as Rounds;
    const result = {p50Ms: rounds(), p99Ms: rounds(), firstByteMs: rounds(), bulkS: rounds(), loadPerSecond: rounds()};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of order) {
        const samples = await latencies(one, targets[name], LATENCY_REQUESTS);
        result.p50Ms[name].push(percentile(samples, 50));
        result.p99Ms[name].push(percentile(samples, 99));
      }
      const firstByte: Rounds = rounds();
      for (let i = 0; i < FIRST_BYTE_SAMPLES; i++) {
        for (const name of order) {
          const start = performance.now();
          let first = 0;
          await post(one, targets[name], 'bench-first-byte', true, () => (first = performance.now() - start));
          firstByte[name].push(first);
        }
      }
      for (const name of order) result.firstByteMs[name].push(median(firstByte[name]));
      for (const name of order) result.bulkS[name].push(await bulkSeconds(one, targets[name]));
      for (const name of order) result.loadPerSecond[name].push(await load(many, targets[name], LOAD_CONNECTIONS, LOAD_REQUESTS));
      log(`  round ${round + 1}: p50 ${order.map((n) => `${n} ${result.p50Ms[n].at(-1)!.toFixed(2)}`).join(', ')} ms; bulk ${order.map((n) => `${n} ${result.bulkS[n].at(-1)!.toFixed(2)}`).join(', ')} s`);
    }
    return {
      ccrVersion: routerVersion(),
      ccrNode: router.version,
      ccsNode: process.version,
      ...result,
      peakRssMb,
      refused,
    };
  } finally {
    clearInterval(sampler);
    await Promise.all([stop(ccsChild), stop(ccrChild)]);
    await Promise.all([one.close(), many.close()]);
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    upstream.closeAllConnections();
    rmSync(base, {recursive: true, force: true});
  }
}

const BUDGET = 'faster than Claude Code Router';

/**
 * The side by side against DESIGN.md's "faster than Claude Code Router": per round ccs-tui's figure
 * over the router's (times: below 1 is faster; rates: above 1), the median of the rounds judged.
 */
export function ccrVerdicts(r: CcrBenchResult): Verdict[] {
  const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
  const pairs = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  const lower = (name: string, rounds: Rounds, unit: string): Verdict => {
    const each = ratios(rounds.ccs, rounds.ccr);
    const ratio = median(each);
    const added = (side: number[]) => median(side) - median(rounds.direct);
    return {
      name: `vs Claude Code Router: ${name}`,
      value: `ccs-tui ${median(rounds.ccs).toFixed(2)} ${unit} (+${added(rounds.ccs).toFixed(2)} over direct), router ${median(rounds.ccr).toFixed(2)} ${unit} (+${added(rounds.ccr).toFixed(2)}); ccs-tui/router ${ratio.toFixed(2)} (rounds ${pairs(each)})`,
      budget: `${BUDGET} (ratio < 1)`,
      ok: ratio < 1,
    };
  };
  const higher = (name: string, rounds: Rounds, unit: string, digits = 0): Verdict => {
    const each = ratios(rounds.ccs, rounds.ccr);
    const ratio = median(each);
    return {
      name: `vs Claude Code Router: ${name}`,
      value: `ccs-tui ${median(rounds.ccs).toFixed(digits)} ${unit}, router ${median(rounds.ccr).toFixed(digits)} ${unit} (direct ${median(rounds.direct).toFixed(digits)}); ccs-tui/router ${ratio.toFixed(2)}× (rounds ${pairs(each)})`,
      budget: `${BUDGET} (ratio > 1)`,
      ok: ratio > 1,
    };
  };
  const textMb = (BULK_DELTAS * DELTA_TEXT.length) / 1e6;
  const asRate = (seconds: Rounds): Rounds => ({direct: seconds.direct.map((s) => textMb / s), ccs: seconds.ccs.map((s) => textMb / s), ccr: seconds.ccr.map((s) => textMb / s)});
  const rss = r.peakRssMb.ccs / r.peakRssMb.ccr;
  return [
    lower('added latency p50 (1 connection, JSON)', r.p50Ms, 'ms'),
    lower('added latency p99 (1 connection, JSON)', r.p99Ms, 'ms'),
    lower('first streamed byte', r.firstByteMs, 'ms'),
    higher(`streaming throughput (${textMb.toFixed(0)} MB of text in ${BULK_DELTAS.toLocaleString('en-US')} deltas)`, asRate(r.bulkS), 'MB/s', 1),
    higher(`JSON throughput at ${LOAD_CONNECTIONS} connections`, r.loadPerSecond, 'req/s'),
    {
      name: 'vs Claude Code Router: peak RSS over the run',
      value: `ccs-tui ${r.peakRssMb.ccs.toFixed(1)} MB, router ${r.peakRssMb.ccr.toFixed(1)} MB; ccs-tui/router ${rss.toFixed(2)}`,
      // Memory is not "faster": the same side by side, judged as less.
      budget: 'less memory than Claude Code Router (ratio < 1)',
      ok: rss < 1,
    },
  ];
}
