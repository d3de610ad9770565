// `ccs-tui proxy serve`: runs the proxy in this process until it is told to stop. The TUI starts it
// as a child with an IPC channel (events up, commands down); `proxy start` starts it detached. It
// keeps `tui/proxy.json` while it listens and logs to `tui/logs/proxy.log` with secrets redacted.
import {createWriteStream, renameSync, statSync, type WriteStream} from 'node:fs';
import {AmbiguousAccountError, findAccount} from '../core/accounts.js';
import {redactSecrets, sanitizeLine} from '../core/sanitize.js';
import {UserError} from '../core/types.js';
import {findProvider, requireProvider} from '../providers/table.js';
import {proxyLogPath, removeProxyPidFile, writeProxyPidFile, type ProxyPidFile} from '../services/proxy/pid-file.js';
import {credentialRedactor} from '../services/credential-redactor.js';
import {watchNativeFiles} from '../services/native/sync.js';
import {ensureFreshToken} from '../services/refresh.js';
import {AccountStore} from '../store/accounts.js';
import {ensureApiKey} from '../services/proxy/api-key.js';
import {parseCliproxyConfig, type CliproxyConfig} from '../store/cliproxy-config.js';
import {ensurePrivateDir, readTextIfExists, FILE_MODE} from '../store/files.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings} from '../store/settings.js';
import {poolSize} from '../services/proxy/wording.js';
import {describeEvent, parentSender, type ProxyCommand, type ProxyEvent, type ProxyRequestBatch} from '../services/proxy/ipc.js';
import {quotaHooks} from './quota-hooks.js';
import {RequestBatch} from './request-batch.js';
import {ProxyServer} from './server.js';

export interface ServeOptions {
  port?: number;
  provider?: string;
  account?: string;
  owner: ProxyPidFile['owner'];
}

export interface ServeIo {
  paths: CcsPaths;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const LOG_ROTATE_BYTES = 5 * 1024 * 1024;
/** Request events are gathered this long before one log write and one IPC message carry them (request-batch.ts). */
const REQUEST_BATCH_MS = 100;
/** The newest request events an IPC batch carries for the supervisor's log tail (it shows fewer). */
const REQUEST_BATCH_RECENT = 50;

let isoCache = {at: Number.NaN, text: ''};
/** `Date#toISOString` of `at`, formatted once per millisecond (log lines of one batch share most). */
function isoAt(at: number): string {
  if (at !== isoCache.at) isoCache = {at, text: new Date(at).toISOString()};
  return isoCache.text;
}

/** config.yaml as it is now: re-parsed when the file changes, the last good version kept when it breaks. */
function liveConfig(paths: CcsPaths, initial: CliproxyConfig, report: (message: string) => void): () => CliproxyConfig {
  let current = initial;
  let checkedAt = 0;
  let stamp = '';
  return () => {
    const now = Date.now();
    if (now - checkedAt < 500) return current;
    checkedAt = now;
    let next = '';
    try {
      const stat = statSync(paths.config);
      next = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return current;
    }
    if (next === stamp) return current;
    stamp = next;
    void readTextIfExists(paths.config).then((text) => {
      if (text === undefined) return;
      try {
        current = parseCliproxyConfig(paths.config, text).config;
      } catch (error) {
        report(`${(error as Error).message}; keeping the previous config`);
      }
    });
    return current;
  };
}

export async function serveProxy(io: ServeIo, options: ServeOptions): Promise<number> {
  const {paths} = io;
  const loadedSettings = await loadSettings(paths);
  const settings = loadedSettings.settings;
  const store = new AccountStore(paths);

  let provider = options.provider;
  if (provider !== undefined) requireProvider(provider, '--provider');
  provider = provider && findProvider(provider)!.id;
  if (options.account !== undefined && provider === undefined) {
    // An account without --provider: the one account anywhere that matches.
    const snapshot = await store.load();
    const matches = snapshot.providers.flatMap((p) => {
      try {
        return [findAccount(snapshot.accounts, p.provider.id, options.account!)];
      } catch (error) {
        // Several accounts of one provider: refused, never one of them picked.
        if (error instanceof AmbiguousAccountError) throw error;
        return [];
      }
    });
    if (matches.length !== 1) throw new UserError(matches.length === 0 ? `no account "${options.account}" (--account)` : `"${options.account}" matches accounts of several providers; add --provider`, 2);
    provider = matches[0]!.provider;
  }

  const {config, generated} = await ensureApiKey(paths);
  const port = options.port ?? config.port;

  await ensurePrivateDir(paths.logs);
  const log = openLog(proxyLogPath(paths));
  const secrets = new Set<string>(config.apiKeys);
  const send = parentSender();
  let server: ProxyServer | undefined;
  // Credentials masked (issue 11): every account's, not only those refreshed here, plus the API keys.
  const credentials = credentialRedactor(paths);
  const ipc = () => send !== undefined && process.connected;
  /** An event's log text: described, sanitised, API keys masked (the time prefix is added by the caller). */
  const textOf = (event: ProxyEvent) => sanitizeLine(redact(describeEvent(event), secrets));
  const lineOf = (event: ProxyEvent, at: number) => `${isoAt(at)} ${textOf(event)}`;
  // One request is one log line, but neither a write nor an IPC message of its own (request-batch.ts).
  // Under the supervisor (an IPC channel) events go over IPC and the supervisor drops stdout's copy:
  // request lines are not written there. Run by hand, every line is printed.
  const requests = new RequestBatch(REQUEST_BATCH_MS, REQUEST_BATCH_RECENT, ({lines, count, recent}) => {
    log.write(lines);
    if (ipc()) send!({type: 'requests', count, recent} satisfies ProxyRequestBatch);
    else io.stdout.write(lines);
  });
  /** An event already masked with every account credential (the server masks what it emits). */
  const emitMasked = (masked: ProxyEvent) => {
    // A refusal is a line like a request's, at a request's cost (a flood of either is batched alike).
    if (masked.type === 'request' || masked.type === 'refused') return requests.add(`${isoAt(Date.now())} `, textOf(masked), masked.type === 'request');
    // Any other event goes out at once, after the requests before it.
    requests.flush();
    const line = lineOf(masked, Date.now());
    log.write(`${line}\n`);
    io.stdout.write(`${line}\n`);
    if (ipc()) send!({...masked, ...('message' in masked && masked.message ? {message: redact(masked.message, secrets)} : {})});
  };
  // Credentials masked (issue 11): events of this file may quote files and answers.
  const emit = (event: ProxyEvent) => emitMasked(credentials.current().redactDeep(event));
  const getConfig = liveConfig(paths, config, (message) => emit({type: 'error', message}));
  const hooks = quotaHooks(paths, Date.now, (message) => emit({type: 'error', message}));

  server = new ProxyServer({
    port,
    provider,
    account: options.account,
    store,
    settings,
    config: () => {
      const current = getConfig();
      for (const key of current.apiKeys) secrets.add(key);
      return current;
    },
    refresh: async (p, accountId, force) => {
      const token = await ensureFreshToken({store, settings}, p, accountId, {force});
      for (const value of [token.access_token, token.refresh_token, token.api_key, token.copilot_token]) if (typeof value === 'string') secrets.add(value);
      return token;
    },
    onQuotaHeaders: hooks.onQuotaHeaders,
    rank: hooks.rank,
    emit: emitMasked,
  });

  let listening: number;
  try {
    listening = await server.listen();
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const message =
      err.code === 'EADDRINUSE'
        ? `port ${port} is in use by another process; set \`port\` in ${paths.config} or pass --port`
        : err.code === 'EACCES'
          ? `port ${port} needs privileges; set \`port\` in ${paths.config} or pass --port`
          : sanitizeLine(err.message);
    emit({type: 'fatal', code: err.code ?? 'ERROR', message});
    io.stderr.write(`ccs-tui: ${message}\n`);
    await closeLog(log);
    return 1;
  }

  const entry: ProxyPidFile = {
    pid: process.pid,
    port: listening,
    startedAt: new Date().toISOString(),
    ...(provider ? {provider} : {}),
    ...(options.account ? {account: options.account} : {}),
    owner: options.owner,
    kind: 'builtin',
  };
  await writeProxyPidFile(paths, entry);
  // Worded as `proxy status` and the proxy screen word it (ipc.ts servingText): a pool says its size.
  const pinned = options.account !== undefined;
  const size = provider && !pinned ? poolSize((await store.load()).accounts, provider) : undefined;
  emit({type: 'listening', port: listening, pid: process.pid, provider, account: server.status().account, pinned, ...(size === undefined ? {} : {poolSize: size}), apiKeyGenerated: generated});
  if (generated) io.stderr.write(`ccs-tui: config.yaml had no api-keys; generated one and saved it in ${paths.config} (see: ccs-tui env)\n`);

  // Native mode: what an agent refreshes into its own credential file reaches the token file (and so this proxy).
  const stopNativeWatch = watchNativeFiles(store, (result) =>
    emit({type: 'refresh', provider: result.provider, account: result.account ?? '-', ok: !result.problem, message: result.problem ?? "took the native agent's refreshed tokens"}),
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      stopNativeWatch();
      removeProxyPidFile(paths, process.pid);
      // Closing logs the requests it cuts; then the batch, those lines included, goes out before exit.
      await server!.close().catch(() => undefined);
      // A quota-cache write under way ends before exit (its lock and temp file are not left behind).
      await hooks.settled();
      requests.flush();
      await closeLog(log);
      process.off('message', onMessage);
      // The IPC channel is a handle of its own: with a 'disconnect' listener it keeps this process
      // alive after everything else closed (the supervisor waited for its 5 s SIGKILL). Let it go.
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
      resolve(code);
    };
    const onDisconnect = () => void stop(0);
    const onMessage = (message: ProxyCommand) => {
      if (message?.type === 'rotate') {
        void server!.rotate(message.provider).then((account) => {
          if (!account) emit({type: 'error', message: 'no other healthy account to rotate to'});
        });
      } else if (message?.type === 'status') {
        sendStatus();
      } else if (message?.type === 'shutdown') {
        void stop(0);
      }
    };
    // The requests gathered so far go first: the status counts them, and the supervisor must not
    // count them again when their batch arrives after it.
    const sendStatus = () => {
      requests.flush();
      send?.({type: 'status', status: server!.status()});
    };
    process.on('message', onMessage);
    // The TUI went away (even SIGKILL closes the channel): a TUI's child never outlives it.
    process.once('disconnect', onDisconnect);
    // `on`, not `once`: a stop signal can come twice (a Ctrl-C from the terminal and the same one passed
    // on by a `proxy serve` that ran this one with its Node flags, services/proxy/rerun.ts), and a
    // second one with no listener would kill the process mid-close (its log unflushed).
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(0));
    // Status for the supervisor's screen, without it asking.
    if (send) {
      const timer = setInterval(() => process.connected && sendStatus(), 1000);
      timer.unref();
    }
  });
}

function redact(text: string, secrets: Set<string>): string {
  const masked = redactSecrets(text, secrets);
  return masked.includes('Bearer') ? masked.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{12,}/g, '$1•••') : masked;
}

function openLog(file: string): WriteStream {
  try {
    if (statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
  return createWriteStream(file, {flags: 'a', mode: FILE_MODE});
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(() => resolve()));
}
