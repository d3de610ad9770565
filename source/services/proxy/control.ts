// Managing a proxy that runs on its own (`ccs-tui proxy start`, or another TUI's): start it detached,
// read its status over its loopback API, rotate it, stop it by pid.
import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {ProxyStatus} from './ipc.js';
import {loadCliproxyConfig} from '../../store/cliproxy-config.js';
import {ensurePrivateDir, FILE_MODE} from '../../store/files.js';
import type {CcsPaths} from '../../store/paths.js';
import {UserError} from '../../core/types.js';
import {launchCommand, PROXY_STARTED_BY, type ServeTarget} from './launch.js';
import {alreadyRunningText, isProcessAlive, readRunningProxy, removeProxyPidFile, writeProxyPidFile, type ProxyPidFile} from './pid-file.js';

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
  options: {env?: NodeJS.ProcessEnv; useCliproxyBinary?: boolean; timeoutMs?: number} = {},
): Promise<ProxyPidFile> {
  const running = readRunningProxy(paths);
  if (running) {
    throw new UserError(alreadyRunningText(running));
  }
  await ensurePrivateDir(paths.logs);
  const stderrFile = proxyStderrLogPath(paths);
  const fd = openSync(stderrFile, 'w', FILE_MODE);
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
      const entry: ProxyPidFile = {pid: child.pid, port: config.port, startedAt: new Date().toISOString(), owner: 'background', kind: 'cliproxy-binary', startedBy: process.pid};
      await writeProxyPidFile(paths, entry);
      return entry;
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const entry = readRunningProxy(paths);
    if (entry && entry.pid === child.pid) return entry;
    if (exited !== undefined) break;
    await sleep(50);
  }
  if (exited === undefined && child.pid) process.kill(child.pid, 'SIGTERM');
  // The child's own lines, without the `ccs-tui: ` each carries: the caller prints this once, prefixed.
  const tail = tailFile(stderrFile, 5).map((line) => line.replace(/^ccs-tui: /, ''));
  const why = tail.length === 0 ? ` within ${Math.round((options.timeoutMs ?? 15_000) / 1000)} s` : tail.length === 1 ? `: ${tail[0]}` : `:\n${tail.join('\n')}`;
  // Bad usage (an unknown provider or account) is the caller's to fix: its exit code 2 carries over.
  throw new UserError(`the proxy did not start${why}`, exited === 2 ? 2 : 1);
}

/** Stops the running proxy (SIGTERM, then SIGKILL after `graceMs`). Undefined when none was running. */
export async function stopRunningProxy(paths: CcsPaths, graceMs = 5000): Promise<ProxyPidFile | undefined> {
  const running = readRunningProxy(paths);
  if (!running) return undefined;
  await stopPid(running.pid, graceMs);
  removeProxyPidFile(paths, running.pid);
  return running;
}

export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(25);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function controlRequest(paths: CcsPaths, port: number, method: 'GET' | 'POST', route: string): Promise<{status: number; body: unknown}> {
  const {config} = await loadCliproxyConfig(paths);
  const key = config.apiKeys[0];
  if (!key) throw new Error(`no api-keys in ${paths.config}`);
  const {request} = await import('undici');
  const response = await request(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: {'x-api-key': key},
    headersTimeout: 3000,
    bodyTimeout: 3000,
  });
  const text = await response.body.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {status: response.statusCode, body};
}

/** Live status of a running built-in proxy, or undefined when it does not answer. */
export async function fetchProxyStatus(paths: CcsPaths, port: number): Promise<ProxyStatus | undefined> {
  try {
    const {status, body} = await controlRequest(paths, port, 'GET', '/_ccs-tui/status');
    return status === 200 ? (body as ProxyStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** Rotates a running built-in proxy to its next healthy account; returns the account's label. */
export async function rotateRunningProxy(paths: CcsPaths, port: number): Promise<string> {
  const {status, body} = await controlRequest(paths, port, 'POST', '/_ccs-tui/rotate');
  const result = body as {account?: string; error?: {message?: string}};
  if (status !== 200 || !result.account) throw new Error(result.error?.message ?? `proxy answered ${status}`);
  return result.account;
}

/**
 * Moves a running built-in proxy to a provider (its pool) or one of its accounts; returns the label
 * of the account that now serves. Throws with the proxy's own message when it refuses.
 */
export async function serveOnRunningProxy(paths: CcsPaths, port: number, provider: string, account?: string): Promise<string | undefined> {
  const query = new URLSearchParams({provider, ...(account ? {account} : {})});
  const {status, body} = await controlRequest(paths, port, 'POST', `/_ccs-tui/serve?${query}`);
  const result = body as {account?: string | null; error?: {message?: string}};
  if (status !== 200) throw new UserError(`the running proxy (port ${port}) could not switch to ${provider}${account ? ` / ${account}` : ''}: ${result.error?.message ?? `it answered ${status}`}`);
  // tui/proxy.json says what it serves now: `proxy status`, and a restart, go by it.
  const entry = readRunningProxy(paths);
  if (entry?.port === port) await writeProxyPidFile(paths, {...entry, provider, account});
  return result.account ?? undefined;
}
