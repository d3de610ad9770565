// `tui/proxy.json`: which proxy is running, so `ccs-tui proxy status/stop`, another TUI, and the
// TUI after a restart find it. Written by the proxy itself once it listens, removed when it exits.
import {spawnSync} from 'node:child_process';
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {linkSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {shellOption} from '../../core/quote.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {ensurePrivateDir, writeJsonAtomic} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import {PROXY_RECORD_SECRETS, reportExposedSecret} from '../../store/secret-files.js';
import {isProcessAlive, procStartToken} from '../../store/process-identity.js';

export interface ProxyPidFile {
  pid: number;
  port: number;
  startedAt: string;
  provider?: string;
  account?: string;
  /** The id of the account `account` named when the proxy took it (it serves that one alone): a rename later leaves the id. */
  accountId?: string;
  /** `tui`: a TUI's child (stops with it); `background`: `ccs-tui proxy start`; `foreground`: `proxy serve` in a shell. */
  owner: 'tui' | 'background' | 'foreground';
  /** `builtin` or `cliproxy-binary`. */
  kind: 'builtin' | 'cliproxy-binary';
  /**
   * The pid of the process that started a background proxy (`proxy start`, or a TUI's `e` / `R`),
   * so that TUI calls it its own (control.ts PROXY_STARTED_BY). Absent in files of older versions.
   */
  startedBy?: number;
  /**
   * When the process `pid` started, as processStartToken says it: the record is trusted only while
   * the process with that pid still gives the same (after a SIGKILL or a reboot the pid may be
   * another process's). Absent in files of older versions (then `startedAt` is the test).
   */
  processStart?: string;
  /**
   * A secret of this start (64 hex digits; built-in proxy only), known to the proxy and to whoever
   * may read this 0600 file: the proxy proves it (controlProof) before anyone sends it the API key.
   */
  nonce?: string;
  /**
   * Who asked this proxy to stop, written by the stopper just before its SIGTERM (control.ts
   * stopRecordedProxy), so that the proxy's stopped line, and the TUI that started it, can say so
   * (and that TUI does not take the stop for a crash to restart from).
   */
  stopRequest?: StopRequest;
}

/** `cli`: `ccs-tui proxy stop`; `tui`: a TUI's `x` on a proxy it did not start. `pid`: the stopper's. */
export interface StopRequest {
  by: 'cli' | 'tui';
  pid: number;
}

/**
 * "ccs-tui proxy stop (pid 4242)", "a TUI (pid 4242)": a stop request's sender as messages name it.
 * Not "another TUI": the proxy's log is read by the TUI that sent it too.
 */
export const stopperText = (request: StopRequest) => `${request.by === 'cli' ? 'ccs-tui proxy stop' : 'a TUI'} (pid ${request.pid})`;

export const proxyPidFilePath = (paths: CcsPaths) => paths.proxyRecord;
export const proxyLogPath = (paths: CcsPaths) => path.join(paths.logs, 'proxy.log');

export {isProcessAlive};

/**
 * When process `pid` started, as a string that stays the same for that process and differs for a
 * later one given the same pid. Linux: store/process-identity.ts procStartToken (boot id and start
 * ticks from /proc), exact and immune to clock changes. Elsewhere (macOS, the BSDs: no /proc):
 * `ps -o lstart=`, the start to the second, in C locale and UTC so that every reader words it alike.
 * Undefined when the process is gone or nothing can tell.
 */
export function processStartToken(pid: number, method: StartMethod = defaultStartMethod()): string | undefined {
  return method === 'proc' ? procStartToken(pid) : psStartTokens([pid]).get(pid);
}

export type StartMethod = 'proc' | 'ps';
const defaultStartMethod = (): StartMethod => (process.platform === 'linux' ? 'proc' : 'ps');

/** Runs `ps` with these arguments and gives what it printed ('' when it could not run). */
export type PsRunner = (args: string[]) => string;

const runPs: PsRunner = (args) =>
  // Exit status 1 only says that some pid has no process: the lines of the others still count.
  spawnSync('ps', args, {encoding: 'utf8', env: {...process.env, LC_ALL: 'C', TZ: 'UTC0'}, timeout: 2000}).stdout ?? '';

/**
 * The processStartToken (`ps` method) of each of `pids` that has a process, from one run of `ps`
 * for all of them: `<pid> <lstart>` a line, the start worded as `ps -o lstart=` alone words it.
 */
export function psStartTokens(pids: readonly number[], run: PsRunner = runPs): Map<number, string> {
  const tokens = new Map<number, string>();
  const asked = pids.filter((pid) => Number.isInteger(pid) && pid > 0);
  if (asked.length === 0) return tokens;
  for (const line of run(['-o', 'pid=,lstart=', '-p', asked.join(',')]).split('\n')) {
    const match = /^\s*(\d+)\s+(\S.*?)\s*$/.exec(line);
    if (match && asked.includes(Number(match[1]))) tokens.set(Number(match[1]), match[2]!);
  }
  return tokens;
}

/**
 * Process starts for a list read again and again (agents.json, every second on the proxy screen).
 * /proc is read each time (a file read); `ps` (macOS, the BSDs), a program run, is asked once for
 * every pid it does not know yet, and what it said is kept for `ttlMs`: the cost does not grow with
 * entries × reads. A pid seen without a process (prime's caller checks signal 0 every read) is
 * forgotten at once, so a later process given that pid is asked about afresh.
 */
export class ProcessStarts {
  private readonly known = new Map<number, {token: string | undefined; at: number}>();
  private readonly method: StartMethod;
  private readonly run: PsRunner;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(options: {method?: StartMethod; run?: PsRunner; now?: () => number; ttlMs?: number} = {}) {
    this.method = options.method ?? defaultStartMethod();
    this.run = options.run ?? runPs;
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  /** `live`: the pids with a process now (the others are forgotten); those not known are asked of `ps` in one run. */
  prime(live: readonly number[]): void {
    if (this.method === 'proc') return;
    for (const pid of this.known.keys()) if (!live.includes(pid)) this.known.delete(pid);
    const at = this.now();
    const stale = live.filter((pid) => {
      const seen = this.known.get(pid);
      return seen === undefined || at - seen.at >= this.ttlMs;
    });
    if (stale.length === 0) return;
    const tokens = psStartTokens(stale, this.run);
    for (const pid of stale) this.known.set(pid, {token: tokens.get(pid), at});
  }

  /** `pid`'s processStartToken, as last asked (prime) or asked now. */
  token(pid: number): string | undefined {
    if (this.method === 'proc') return procStartToken(pid);
    const seen = this.known.get(pid);
    if (seen !== undefined && this.now() - seen.at < this.ttlMs) return seen.token;
    const token = psStartTokens([pid], this.run).get(pid);
    this.known.set(pid, {token, at: this.now()});
    return token;
  }
}

/**
 * When a process started (epoch ms, to the second at worst), from its processStartToken; for
 * records without one. Linux: boot time (/proc/stat btime) plus the start
 * ticks at USER_HZ 100 (every architecture Node runs on; alpha and ia64 had 1024).
 */
function processStartMs(token: string): number | undefined {
  if (process.platform !== 'linux') return Date.parse(`${token} GMT`) || undefined;
  const ticks = Number(token.split(' ')[1]);
  let btime: string | undefined;
  try {
    btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
  return btime === undefined ? undefined : Number(btime) * 1000 + ticks * 10;
}

/**
 * How far a process's start, as processStartMs tells it, may come after the `startedAt` its record
 * gives (ms): the ps clock and /proc/stat btime are to the second.
 */
const START_SLACK_MS = 2000;

/**
 * Why a record of a process (the proxy's, an agent's: its pid, when it recorded itself, and its
 * processStartToken when kept) no longer names that process, or undefined when it does: the process
 * exited, or another process has its pid (started after the recorded one). A record whose process
 * start cannot be told here (neither /proc nor ps) is trusted by its pid alone.
 */
export function recordedProcessGone(
  entry: {pid: number; startedAt: string; processStart?: string},
  startOf: (pid: number) => string | undefined = processStartToken,
): string | undefined {
  if (!isProcessAlive(entry.pid)) return 'its process has exited';
  const token = startOf(entry.pid);
  if (token === undefined) return undefined;
  const reused = `pid ${entry.pid} is now another process`;
  if (entry.processStart !== undefined) return entry.processStart === token ? undefined : reused;
  // A record of an older version: the process that has the pid now started no later than the proxy recorded itself.
  const started = processStartMs(token);
  const recorded = Date.parse(entry.startedAt);
  // A start in the future (a hand edit, a clock set back since) is passed by every process: no test at all.
  if (recorded > Date.now() + START_SLACK_MS) return `its start time ${entry.startedAt} is in the future`;
  if (started === undefined) return undefined;
  return Number.isFinite(recorded) && started <= recorded + START_SLACK_MS ? undefined : reused;
}

const isPid = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0;
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

/**
 * Whether `data` has the shape a proxy of ours writes (ProxyPidFile), every field of its type (a
 * port in range, a known kind): a file that does not (a hand edit, another program's) names no
 * proxy, and none of it is printed or signalled.
 */
function isProxyRecord(data: unknown): data is ProxyPidFile {
  if (typeof data !== 'object' || data === null) return false;
  const record = data as Record<keyof ProxyPidFile, unknown>;
  const stop = record.stopRequest as Record<keyof StopRequest, unknown> | undefined;
  return (
    isPid(record.pid) &&
    typeof record.port === 'number' && Number.isInteger(record.port) && record.port >= 1 && record.port <= 65535 &&
    // Text fields are shown sanitised, whatever they say (a start that is no time is stale: recordedProcessGone).
    typeof record.startedAt === 'string' &&
    typeof record.owner === 'string' &&
    (record.kind === 'builtin' || record.kind === 'cliproxy-binary') &&
    [record.provider, record.account, record.accountId, record.processStart, record.nonce].every(isOptionalString) &&
    (record.startedBy === undefined || isPid(record.startedBy)) &&
    (stop === undefined || (typeof stop === 'object' && stop !== null && (stop.by === 'cli' || stop.by === 'tui') && isPid(stop.pid)))
  );
}

/**
 * What tui/proxy.json says: `running` (the proxy it names runs), `stale` (written by a proxy that
 * is gone, `why` says how), or `none` (no file, or not a record: isProxyRecord).
 */
export type ProxyRecord = {state: 'running'; entry: ProxyPidFile} | {state: 'stale'; entry: ProxyPidFile; why: string} | {state: 'none'};

export function readProxyRecord(paths: CcsPaths): ProxyRecord {
  let data: unknown;
  const file = proxyPidFilePath(paths);
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
    // Its nonce is a secret: a record others may read is warned of (store/secret-files.ts).
    const nonce = (data as {nonce?: unknown} | null)?.nonce;
    if (typeof nonce === 'string' && nonce !== '') reportExposedSecret(file, statSync(file).mode & 0o777, PROXY_RECORD_SECRETS);
  } catch {
    return {state: 'none'};
  }
  if (!isProxyRecord(data)) return {state: 'none'};
  const why = recordedProcessGone(data);
  return why === undefined ? {state: 'running', entry: data} : {state: 'stale', entry: data, why};
}

/**
 * The running proxy, or undefined (a stale file counts as none: readProxyRecord). With `onStale`, a
 * stale file is removed and said so in one line: "…/tui/proxy.json named a proxy (pid 123, port
 * 8317) that no longer runs (pid 123 is now another process): removed the stale file".
 */
export function readRunningProxy(paths: CcsPaths, onStale?: (line: string) => void): ProxyPidFile | undefined {
  const record = readProxyRecord(paths);
  if (record.state === 'stale' && onStale) {
    removeProxyPidFile(paths, record.entry.pid);
    onStale(`${proxyPidFilePath(paths)} named a proxy (${runningProxyText(record.entry)}) that no longer runs (${record.why}): removed the stale file`);
  }
  return record.state === 'running' ? record.entry : undefined;
}

/** Whether `entry` still names the running proxy (its process has not exited, its pid is not another's). */
export const isRecordedProxyRunning = (entry: ProxyPidFile) => recordedProcessGone(entry) === undefined;

/** A recorded proxy as refusals name it: "pid 123, port 8317, claude". */
export const runningProxyText = (entry: ProxyPidFile) => `pid ${entry.pid}, port ${entry.port}${entry.provider ? `, ${sanitizeLine(entry.provider)}${entry.account ? ` / ${sanitizeLine(entry.account)}` : ''}` : ''}`;

/** 32 random bytes, hex: a proxy's record nonce (ProxyPidFile nonce), or a challenge for its controlProof. */
export const newNonce = () => randomBytes(32).toString('hex');

/**
 * The proof a proxy gives that it knows its record's nonce: HMAC-SHA256(nonce, `${challenge}:${clientPort}`),
 * hex. `clientPort` is the asking connection's port on the client's side (the client's
 * `socket.localPort`, the proxy's `req.socket.remotePort`): a proof holds only on the connection it
 * was asked on, so a program on the recorded port (taken while the proxy stopped) cannot pass the
 * challenge to the proxy over a connection of its own and relay the answer. Two connections on
 * 127.0.0.1 to the same port never share a client port.
 */
export const controlProof = (nonce: string, challenge: string, clientPort: number | undefined) => createHmac('sha256', nonce).update(`${challenge}:${clientPort}`).digest('hex');

/** Whether `proof` (as a proxy answered it) is controlProof(nonce, challenge, clientPort), compared in constant time. */
export function isControlProof(nonce: string, challenge: string, clientPort: number, proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const [given, expected] = [Buffer.from(proof), Buffer.from(controlProof(nonce, challenge, clientPort))];
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The refusal of `proxy start` and `proxy serve` while a proxy runs: a second one would take over
 * tui/proxy.json, and the first would go on serving unseen by `proxy status` and `proxy stop`.
 */
export function alreadyRunningText(entry: ProxyPidFile, wanted?: {provider?: string; account?: string}): string {
  // What was asked for may be served by the running one, without a restart (`proxy switch`; not by the CLIProxyAPI binary).
  const options = [wanted?.provider !== undefined ? shellOption('provider', wanted.provider) : '', wanted?.account !== undefined ? shellOption('account', wanted.account) : ''].filter(Boolean);
  const switchWay = options.length > 0 && entry.kind !== 'cliproxy-binary' ? `, or serve that on it: ccs-tui proxy switch ${options.join(' ')}` : '';
  return `a proxy is already running (${runningProxyText(entry)}); stop it first: ccs-tui proxy stop${switchWay}`;
}

export async function writeProxyPidFile(paths: CcsPaths, entry: ProxyPidFile): Promise<void> {
  await ensurePrivateDir(paths.state);
  await writeJsonAtomic(proxyPidFilePath(paths), entry);
}

/**
 * Removes the pid file if it still names `pid` (another proxy may have replaced it). Synchronous: it
 * runs in exit handlers. The file is moved aside before it is judged, so a record another proxy wrote
 * between the look and the removal is never deleted: it is put back (unless a newer one is there).
 */
export function removeProxyPidFile(paths: CcsPaths, pid: number): void {
  const file = proxyPidFilePath(paths);
  const pidIn = (name: string) => {
    try {
      return (JSON.parse(readFileSync(name, 'utf8')) as Partial<ProxyPidFile> | null)?.pid;
    } catch {
      return undefined;
    }
  };
  if (pidIn(file) !== pid) return;
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.removing`;
  try {
    renameSync(file, aside);
  } catch {
    return;
  }
  try {
    if (pidIn(aside) !== pid) linkSync(aside, file);
  } catch {
    // EEXIST: a record newer still is in place; the one moved aside goes.
  }
  rmSync(aside, {force: true});
}
