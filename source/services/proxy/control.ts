// Managing a proxy that runs on its own (`ccs-tui proxy start`, or another TUI's): start it detached,
// read its status over its loopback API, rotate it, stop it by pid.
import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync, renameSync, rmSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import path from 'node:path';
import {RotateRefusedError, type ProxyStatus} from './ipc.js';
import {loadCliproxyConfig} from '../../store/cliproxy-config.js';
import {describeUserError} from '../../store/errors.js';
import {ensurePrivateDir, FILE_MODE} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError, type Account} from '../../core/types.js';
import {coolingNow, type AccountRef} from '../../core/accounts.js';
import type {AccountStore} from '../../store/accounts.js';
import {launchCommand, PROXY_STARTED_BY, type ServeTarget} from './launch.js';
import {alreadyRunningText, isControlProof, isProcessAlive, proxyPidFilePath, isRecordedProxyRunning, newNonce, processStartToken, readProxyRecord, readRunningProxy, removeProxyPidFile, writeProxyPidFile, type ProxyPidFile, type StopRequest} from './pid-file.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const proxyStderrLogPath = (paths: CcsPaths) => path.join(paths.logs, 'proxy-stderr.log');

/** Last lines of a log file (empty when there is none). */
export function tailFile(file: string, lines: number): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').filter((l) => l.trim() !== '').slice(-lines);
  } catch {
    return [];
  }
}

/**
 * Starts `ccs-tui proxy serve` detached and waits until it listens (its pid file appears), or
 * fails with its last output (a busy port, a broken config).
 */
export async function startBackgroundProxy(
  paths: CcsPaths,
  target: ServeTarget,
  options: {env?: NodeJS.ProcessEnv; useCliproxyBinary?: boolean; timeoutMs?: number; onStale?: (line: string) => void; refuseUnusable?: boolean} = {},
): Promise<ProxyPidFile> {
  // The arguments first: a provider or account that does not exist is bad usage (exit 2) whether or
  // not a proxy runs, as `proxy serve` says it. `refuseUnusable` (`proxy start`): a pinned account
  // that cannot serve is refused too.
  const [{checkServeTarget}, {AccountStore}] = await Promise.all([import('./serve-target.js'), import('../../store/accounts.js')]);
  await checkServeTarget(new AccountStore(paths), target, options.refuseUnusable ? {command: 'proxy start', now: Date.now()} : undefined);
  // A stale record (pid-file.ts readRunningProxy) is no refusal: the new proxy replaces it.
  const running = readRunningProxy(paths, options.onStale);
  if (running) {
    throw new UserError(alreadyRunningText(running, target));
  }
  await ensurePrivateDir(paths.logs);
  // The child's stderr goes to a file of this start's own, named proxy-stderr.log once it runs: a
  // start beside it (two at once) would otherwise write over the lines this one reads when it fails.
  const stderrFile = `${proxyStderrLogPath(paths)}.${process.pid}-${newNonce().slice(0, 8)}`;
  const started = (entry: ProxyPidFile) => {
    try {
      renameSync(stderrFile, proxyStderrLogPath(paths));
    } catch {
      // the log dir went away: nothing left to keep
    }
    return entry;
  };
  // 'wx' (O_EXCL): never written through a file or symlink already at the name.
  const fd = openSync(stderrFile, 'wx', FILE_MODE);
  const command = launchCommand(paths, target, options.useCliproxyBinary ?? false, options.env);
  const child = spawn(command.file, command.args, {
    detached: true,
    stdio: ['ignore', 'ignore', fd],
    env: {...(options.env ?? process.env), CCS_DIR: paths.root, CCS_TUI_PROXY_OWNER: 'background', [PROXY_STARTED_BY]: String(process.pid)},
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  if (command.kind === 'cliproxy-binary') {
    // CLIProxyAPI knows nothing of tui/proxy.json: if it is still up after a moment, record it ourselves.
    await sleep(500);
    if (exited === undefined && child.pid) {
      const {config} = await loadCliproxyConfig(paths);
      const entry: ProxyPidFile = {pid: child.pid, port: config.port, startedAt: new Date().toISOString(), owner: 'background', kind: 'cliproxy-binary', startedBy: process.pid, processStart: processStartToken(child.pid)};
      await writeProxyPidFile(paths, entry);
      return started(entry);
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const entry = readRunningProxy(paths);
    if (entry && entry.pid === child.pid) return started(entry);
    if (exited !== undefined) break;
    await sleep(50);
  }
  if (exited === undefined && child.pid) process.kill(child.pid, 'SIGTERM');
  // The child's own lines, without the `ccs-tui: ` each carries: the caller prints this once, prefixed.
  const tail = tailFile(stderrFile, 5).map((line) => line.replace(/^ccs-tui: /, ''));
  rmSync(stderrFile, {force: true});
  const why = tail.length === 0 ? ` within ${Math.round((options.timeoutMs ?? 15_000) / 1000)} s` : tail.length === 1 ? `: ${tail[0]}` : `:\n${tail.join('\n')}`;
  // Bad usage (an unknown provider or account) is the caller's to fix: its exit code 2 carries over.
  throw new UserError(`the proxy did not start${why}`, exited === 2 ? 2 : 1);
}

/**
 * Stops the running proxy (SIGTERM, then SIGKILL after `graceMs`). Undefined when none was running;
 * a stale tui/proxy.json (its proxy gone, its pid maybe another process's) is removed, said to
 * `onStale`, and nothing is signalled.
 */
export async function stopRunningProxy(paths: CcsPaths, graceMs = 5000, onStale?: (line: string) => void): Promise<ProxyPidFile | undefined> {
  const running = readRunningProxy(paths, onStale);
  if (!running) return undefined;
  await stopRecordedProxy(running, graceMs, {paths, by: 'cli'});
  removeProxyPidFile(paths, running.pid);
  return running;
}

/**
 * SIGTERM to the proxy a record names, then SIGKILL after `graceMs` if it still runs. Each signal
 * goes only while the pid is still that proxy's (pid-file.ts isRecordedProxyRunning, asked before
 * each, not at every look: off Linux it runs `ps`): once it exits, its pid may be another process's.
 * `stopper`: the record first says who asks (pid-file.ts StopRequest), so that the TUI whose child
 * it is keeps it stopped and says who stopped it, rather than restart it as after a crash.
 */
export async function stopRecordedProxy(entry: ProxyPidFile, graceMs = 5000, stopper?: {paths: CcsPaths; by: StopRequest['by']}): Promise<void> {
  if (!isRecordedProxyRunning(entry)) return;
  if (stopper) await markStopRequest(stopper.paths, entry, {by: stopper.by, pid: process.pid});
  try {
    process.kill(entry.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(entry.pid)) return;
    await sleep(25);
  }
  try {
    if (isRecordedProxyRunning(entry)) process.kill(entry.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Writes `request` into tui/proxy.json while it still names the proxy of `entry` (same pid and process start). */
async function markStopRequest(paths: CcsPaths, entry: ProxyPidFile, request: StopRequest): Promise<void> {
  const record = readProxyRecord(paths);
  if (record.state !== 'running' || record.entry.pid !== entry.pid || record.entry.processStart !== entry.processStart) return;
  await writeProxyPidFile(paths, {...record.entry, stopRequest: request}).catch(() => undefined);
}

/**
 * How long the recorded port has to prove itself, in ms: from connecting to the end of its hello
 * answer. A bound on the whole, not on idling (undici's bodyTimeout): any program may hold the
 * port, and a byte every few seconds would otherwise hold `proxy status` and the TUI's polls for ever.
 */
const HELLO_DEADLINE_MS = 3000;
/** The most of a hello answer read, in bytes: `{"proof":"<64 hex digits>"}` is 75. */
const HELLO_MAX_BYTES = 1024;

/**
 * A request to the loopback API of the built-in proxy tui/proxy.json names on `port`. Its API key is
 * sent only after whatever listens there has proven it knows the record's nonce (pid-file.ts
 * controlProof), on the one connection it proved itself on: a stale record's port may be any other
 * program's, and so may the port of a proxy that is stopping (it frees the port first). Throws a
 * UserError when no such proxy is recorded, the port does not prove it within HELLO_DEADLINE_MS,
 * refuses the connection, or closes it before the answer.
 */
async function controlRequest(paths: CcsPaths, port: number, method: 'GET' | 'POST', route: string): Promise<{status: number; body: unknown}> {
  const entry = readRunningProxy(paths);
  if (!entry || entry.port !== port || entry.kind !== 'builtin') throw new UserError(`no built-in proxy on port ${port} is recorded in ${proxyPidFilePath(paths)}`);
  if (typeof entry.nonce !== 'string' || entry.nonce === '') throw new UserError(`the proxy on port ${port} (pid ${entry.pid}) is of an older version that cannot prove itself; restart it: ccs-tui proxy stop, then start`);
  const {config} = await loadCliproxyConfig(paths);
  const key = config.apiKeys[0];
  if (!key) throw new Error(`no api-keys in ${paths.config}`);
  const notProven = (why: string) => new UserError(`port ${port} did not prove itself the proxy ${proxyPidFilePath(paths)} names (pid ${entry.pid}): ${why}; its API key was not sent`);
  const {Client} = await import('undici');
  // One connection, opened once: undici opens a new one when the last closed, and a new one may
  // reach whatever took the port meanwhile. Its client-side port is part of the proof.
  let proven: {socket: Socket; localPort: number} | undefined;
  const client = new Client(`http://127.0.0.1:${port}`, {
    pipelining: 1,
    headersTimeout: 3000,
    bodyTimeout: 3000,
    connect: (_options, callback) => {
      if (proven) return callback(notProven('it closed the connection it answered on'), null);
      const socket = connect({host: '127.0.0.1', port});
      const failed = (error: Error) => callback(error, null);
      socket.once('error', failed).once('connect', () => {
        socket.off('error', failed);
        proven = {socket, localPort: socket.localPort!};
        callback(null, socket);
      });
    },
  });
  const deadline = setTimeout(() => void client.destroy(notProven(`no answer within ${HELLO_DEADLINE_MS / 1000} s`)).catch(() => undefined), HELLO_DEADLINE_MS);
  try {
    const challenge = newNonce();
    const hello = await client.request({method: 'GET', path: `/_ccs-tui/hello?challenge=${challenge}`});
    const text = await readAtMost(hello.body, HELLO_MAX_BYTES);
    clearTimeout(deadline);
    if (text === undefined) throw notProven(`an answer of over ${HELLO_MAX_BYTES} bytes`);
    const proof = hello.statusCode === 200 ? (parseJsonOrText(text) as {proof?: unknown} | undefined)?.proof : undefined;
    if (!isControlProof(entry.nonce, challenge, proven!.localPort, proof)) throw notProven(hello.statusCode === 200 ? 'a wrong proof' : `status ${hello.statusCode}`);
    const response = await client.request({method, path: route, headers: {'x-api-key': key}});
    return {status: response.statusCode, body: parseJsonOrText(await response.body.text())};
  } catch (error) {
    if (error instanceof UserError) throw error;
    // Its port refused (a proxy that is stopping frees it first), or the connection closed before the
    // answer (a proxy killed mid-request): the caller's refusal, not a fault of ours.
    throw new UserError(`the proxy ${proxyPidFilePath(paths)} names (pid ${entry.pid}, port ${port}) did not answer (${sanitizeLine((error as Error).message)}); it may be stopping: try again in a moment`);
  } finally {
    clearTimeout(deadline);
    await client.close().catch(() => undefined);
  }
}

/** `text` parsed as JSON, else the text itself. */
function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The whole of `body` as UTF-8 text, or undefined (the rest not read) once it passes `limit` bytes. */
async function readAtMost(body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined; // leaving the loop destroys the body, and its connection
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Live status of a running built-in proxy: `{status}`, or `{problem}`, why it could not be asked or
 * did not answer, in words that name the file or port at fault (a broken config.yaml leaves no API
 * key to ask with; a proxy that is stopping does not answer).
 */
export async function readProxyStatus(paths: CcsPaths, port: number): Promise<{status: ProxyStatus; problem?: undefined} | {status?: undefined; problem: string}> {
  try {
    const {status, body} = await controlRequest(paths, port, 'GET', '/_ccs-tui/status');
    return status === 200 ? {status: body as ProxyStatus} : {problem: `the proxy on port ${port} answered its status request with ${status}`};
  } catch (error) {
    return {problem: sanitizeLine(describeUserError(error)?.text ?? (error as Error).message)};
  }
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port` (within 300 ms): a port another program holds. */
export function portAnswers(port: number): Promise<boolean> {
  if (!(port > 0 && port <= 65535)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port});
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Live status of a running built-in proxy, or undefined when it does not answer (readProxyStatus says why). */
export async function fetchProxyStatus(paths: CcsPaths, port: number): Promise<ProxyStatus | undefined> {
  return (await readProxyStatus(paths, port)).status;
}

/** The running built-in proxy (tui/proxy.json) and its status, asked once, for a command that reads it in several places. */
export interface ProxyLook {
  running: ProxyPidFile;
  /** Undefined when it did not answer as this CCS dir's proxy. */
  status: ProxyStatus | undefined;
}

/** ProxyLook of this CCS dir's running built-in proxy; undefined with none (or the CLIProxyAPI binary's). */
export async function lookAtRunningProxy(paths: CcsPaths): Promise<ProxyLook | undefined> {
  const running = readRunningProxy(paths);
  if (running?.kind !== 'builtin') return undefined;
  return {running, status: await fetchProxyStatus(paths, running.port).catch(() => undefined)};
}

/**
 * Rotates a running built-in proxy's `provider` (default: the one it serves) to its next healthy
 * account; returns the account's label. Throws a UserError with the proxy's own answer when none.
 */
export async function rotateRunningProxy(paths: CcsPaths, port: number, provider?: string): Promise<string> {
  const {status, body} = await controlRequest(paths, port, 'POST', `/_ccs-tui/rotate${provider ? `?${new URLSearchParams({provider})}` : ''}`);
  const result = body as {account?: string; error?: {message?: string}};
  // 409 is the proxy's own "no" (proxy/server.ts rotateResult); any other answer is a fault.
  if (status === 409 && typeof result.error?.message === 'string') throw new RotateRefusedError(sanitizeLine(result.error.message));
  if (status !== 200 || !result.account) throw new UserError(sanitizeLine(result.error?.message ?? `the proxy answered ${status}`));
  return result.account;
}

/**
 * Ends the running built-in proxy's waits of one account (and its stored cooldown): the TUI's `C` on
 * this machine. True when the proxy held a wait for it. Throws a UserError when it cannot be asked
 * or refuses (an account id its files do not have: 404).
 */
export async function clearCooldownOnRunningProxy(paths: CcsPaths, port: number, provider: string, accountId: string): Promise<boolean> {
  const query = new URLSearchParams({provider, account: accountId});
  const {status, body} = await controlRequest(paths, port, 'POST', `/_ccs-tui/clear-cooldown?${query}`);
  const result = body as {cleared?: boolean; error?: {message?: string}};
  if (status !== 200) throw new UserError(`the running proxy (port ${port}) could not end the wait: ${result.error?.message ?? `it answered ${status}`}`);
  return result.cleared === true;
}

/** What ending one account's wait on this machine did (endLocalWait). */
export interface LocalWaitEnded {
  /** The account, as it was before (its coolingUntil the wait that was stored). */
  account: Account;
  /** A stored cooldown (account state, kept for a restart) was running. */
  stored: boolean;
  /** The running built-in proxy held a wait for it in memory. */
  held: boolean;
  /** The proxy running on this machine, by its record, if any (a CLIProxyAPI binary keeps its own wait). */
  running?: Pick<ProxyPidFile, 'kind' | 'port' | 'provider' | 'accountId'>;
  /** Why the running built-in proxy could not be asked to end its own wait (it did not answer): the stored one ended all the same. */
  proxyProblem?: string;
}

/**
 * Ends one account's wait on this machine, as the person asks when they know its limit has reset
 * (`C` in the TUI, `ccs-tui cooldown clear`): its stored cooldown, and the wait the proxy running
 * here holds in memory, wherever it was started (its record: a TUI's child, a background one, one in
 * a shell). `now` in ms. Throws the store's errors (an unknown account); a running proxy that cannot
 * be asked is `proxyProblem`, after the stored wait was ended.
 */
export async function endLocalWait(paths: CcsPaths, store: Pick<AccountStore, 'clearCooldown'>, provider: string, ref: AccountRef, now: number): Promise<LocalWaitEnded> {
  const account = await store.clearCooldown(provider, ref);
  const running = readRunningProxy(paths);
  let held = false;
  let proxyProblem: string | undefined;
  try {
    held = running?.kind === 'builtin' ? await clearCooldownOnRunningProxy(paths, running.port, provider, account.id) : false;
  } catch (error) {
    // The stored wait is ended already: said with what failed, not lost behind the error alone.
    proxyProblem = sanitizeLine(describeUserError(error)?.text ?? (error as Error).message);
  }
  const seen = running && {kind: running.kind, port: running.port, ...(running.provider ? {provider: running.provider} : {}), ...(running.accountId ? {accountId: running.accountId} : {})};
  return {account, stored: coolingNow(account, now), held, ...(seen ? {running: seen} : {}), ...(proxyProblem ? {proxyProblem} : {})};
}

/**
 * Moves a running built-in proxy to a provider (its pool) or one of its accounts, or with `provider`
 * '' to every provider by the model asked for; returns the label of the account that now serves. Throws with the proxy's own message when it refuses.
 */
export async function serveOnRunningProxy(paths: CcsPaths, port: number, provider: string, account?: string): Promise<string | undefined> {
  const query = new URLSearchParams({provider, ...(account ? {account} : {})});
  const {status, body} = await controlRequest(paths, port, 'POST', `/_ccs-tui/serve?${query}`);
  const result = body as {account?: string | null; accountId?: string | null; error?: {message?: string}};
  if (status !== 200) throw new UserError(`the running proxy (port ${port}) could not switch to ${provider || 'every provider'}${account ? ` / ${account}` : ''}: ${result.error?.message ?? `it answered ${status}`}`);
  // tui/proxy.json says what it serves now: `proxy status`, and a restart, go by it.
  const entry = readRunningProxy(paths);
  // The id of the account it now serves alone, none for a pool (undefined is left out of the file).
  // `account` as the proxy names it (its label, as `proxy status` says it), the id beside it.
  if (entry?.port === port) await writeProxyPidFile(paths, {...entry, provider: provider || undefined, account: account && (result.account || account), accountId: (account && result.accountId) || undefined});
  return result.account ?? undefined;
}
