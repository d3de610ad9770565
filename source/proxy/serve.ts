// `ccs-tui proxy serve`: runs the proxy in this process until it is told to stop. The TUI starts it
// as a child with an IPC channel (events up, commands down); `proxy start` starts it detached. It
// keeps `tui/proxy.json` while it listens and logs to `tui/logs/proxy.log` with secrets redacted.
import {appendFileSync, createWriteStream, existsSync, renameSync, statSync, type WriteStream} from 'node:fs';
import {constants as osConstants} from 'node:os';
import {AmbiguousAccountError, findAccount, findAccountAnywhere} from '../core/accounts.js';
import {quoted, redactSecrets, sanitizeLine} from '../core/sanitize.js';
import {UserError} from '../core/types.js';
import {cutText, maskedLine} from '../core/redact.js';
import {alreadyRunningText, newNonce, processStartToken, proxyLogPath, proxyPidFilePath, readRunningProxy, removeProxyPidFile, runningProxyText, stopperText, type ProxyPidFile, type StopRequest} from '../services/proxy/pid-file.js';
import {credentialRedactor} from '../services/credential-redactor.js';
import {watchNativeFiles} from '../services/native/sync.js';
import {ensureFresh, settleSpentCopyScans} from '../services/refresh.js';
import {AccountStore} from '../store/accounts.js';
import {ensureApiKey, generatedKeyNote} from '../services/proxy/api-key.js';
import {parseCliproxyConfig, type CliproxyConfig} from '../store/cliproxy-config.js';
import {CorruptFileError, ensurePrivateDir, jsonText, readTextIfExists, FILE_MODE} from '../store/files.js';
import {fileVersion, withFileLock} from '../store/file-lock.js';
import {fileStamp} from '../store/file-stamp.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings, settingsWhenChanged} from '../store/settings.js';
import {onExposedSecret} from '../store/secret-files.js';
import {poolSize} from '../services/proxy/wording.js';
import {checkServeTarget} from '../services/proxy/serve-target.js';
import {describeEvent, parentSender, type ProxyCommand, type ProxyEvent, type ProxyRequestBatch, type RotateAnswer} from '../services/proxy/ipc.js';
import {quotaHooks} from './quota-hooks.js';
import {LineMemo, RequestBatch} from './request-batch.js';
import {ProxyServer} from './server.js';

export interface ServeOptions {
  port?: number;
  provider?: string;
  account?: string;
  owner: ProxyPidFile['owner'];
  /** A background proxy's starter (ProxyPidFile startedBy). */
  startedBy?: number;
  /**
   * Stop (as on SIGTERM) when this pid is no longer the parent: the `proxy serve` started by hand
   * that runs itself again in this process (services/proxy/rerun.ts), which a SIGKILL would
   * otherwise leave serving, unseen by the shell that thinks it ended. Passed by the starter
   * rather than read from process.ppid here: the starter may be gone before this process looks.
   */
  starterPid?: number;
}

/** What the stopped line says of the signal that stopped the proxy. */
const SIGNAL_REASONS = {
  SIGINT: 'SIGINT (Ctrl-C)',
  SIGTERM: 'SIGTERM (ccs-tui proxy stop, the TUI, or a service manager)',
  SIGHUP: 'SIGHUP (its terminal closed)',
} as const;

/**
 * A stop signal this long (ms) or more after the first is a second press: the person will not wait
 * for the close (a refresh or a slow answer holding it), and the proxy ends at once, as a second
 * Ctrl-C ends most tools. Sooner, it is the first one's echo: a Ctrl-C reaches this process from the
 * terminal and again passed on by the `proxy serve` that re-ran it (services/proxy/rerun.ts).
 */
const REPEATED_STOP_MS = 1000;

/** How often a re-run proxy checks that its starter still runs (ms): a coarse check, not a busy one. */
const PARENT_CHECK_MS = 1000;
/** How often a proxy looks whether its CCS dir is still there (ms). */
const CCS_DIR_CHECK_MS = 5000;

export interface ServeIo {
  paths: CcsPaths;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const LOG_ROTATE_BYTES = 5 * 1024 * 1024;
/** The longest log line's text (characters): a request's names (its model) are a client's to choose. */
const LOG_LINE_MAX = 2000;
/** Request events are gathered this long before one log write and one IPC message carry them (request-batch.ts). */
const REQUEST_BATCH_MS = 100;
/** The newest request events an IPC batch carries for the supervisor's log tail (it shows fewer). */
const REQUEST_BATCH_RECENT = 50;

let isoCache = {at: Number.NaN, text: '', prefix: ''};
/** `Date#toISOString` of a whole second's start, up to its milliseconds (`2026-11-30T15:04:05.`). */
let isoSecond = {second: Number.NaN, head: ''};
/**
 * `Date#toISOString` of `at`, formatted once per millisecond (log lines of one batch share most); a
 * new millisecond of the same second only gets its digits (one request at a time meets a new
 * millisecond nearly every time, and a Date per request was a measurable part of its line: issue 14).
 */
export function isoAt(at: number): string {
  if (at !== isoCache.at) {
    const second = Math.floor(at / 1000);
    if (second !== isoSecond.second) isoSecond = {second, head: new Date(second * 1000).toISOString().slice(0, 20)};
    const ms = at - second * 1000;
    const text = Number.isInteger(ms) ? `${isoSecond.head}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z` : new Date(at).toISOString();
    isoCache = {at, text, prefix: `${text} `};
  }
  return isoCache.text;
}

/** A log line's time prefix (isoAt and a space), one string per millisecond. */
function linePrefixAt(at: number): string {
  isoAt(at);
  return isoCache.prefix;
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
      next = fileStamp(stat);
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

/**
 * Secret files others may read (store/secret-files.ts), said as this proxy's own warning lines (its
 * log, and its terminal or supervisor) instead of also by the command line's printer (cli/run.ts):
 * one line wherever its output is read. Until the proxy listens they wait (the log is not yet its
 * own: another proxy may hold the port); a start that fails hands them back to the printer.
 */
class SecretFileWarnings {
  private readonly held: string[] = [];
  private readonly lines = new Set<string>();
  private say: ((line: string) => void) | undefined;
  private readonly printer: ((message: string) => void) | undefined;

  constructor() {
    this.printer = onExposedSecret((message) => {
      const line = sanitizeLine(message);
      this.lines.add(line);
      if (this.say) this.say(line);
      else this.held.push(message);
    });
  }

  /** Listening: what waited, and what comes later, goes to `say` (a sanitised line). */
  sayWith(say: (line: string) => void): void {
    this.say = say;
    for (const message of this.held.splice(0)) say(sanitizeLine(message));
  }

  /** Whether `line` (a warning's sanitised text) was said here: the store's load lists these files as problems too. */
  said(line: string): boolean {
    return this.lines.has(line);
  }

  /** A start that failed: the command line's printer gets the channel back, with what waited. */
  giveBack(): void {
    if (this.say || !this.printer) return;
    onExposedSecret(this.printer);
    for (const message of this.held.splice(0)) this.printer(message);
  }
}

export async function serveProxy(io: ServeIo, options: ServeOptions): Promise<number> {
  const secretWarnings = new SecretFileWarnings();
  const parent = watchParent();
  try {
    // Once listening, this never returns (the process ends in its stop).
    return await serve(io, options, secretWarnings, parent);
  } finally {
    secretWarnings.giveBack();
    parent.stopWatching();
  }
}

/**
 * Whether the parent that started this proxy with an IPC channel (the TUI's supervisor, a test) is
 * gone: watched from the start, since a parent that dies while the proxy is still starting (Ctrl-C on
 * `npm test`) closes the channel before the listening proxy's own 'disconnect' listener is there, and
 * the proxy then served on under PPID 1. No channel (`proxy start`'s background proxy, a shell's
 * `proxy serve`): never gone; a background proxy outlives its starter on purpose.
 */
function watchParent(): {gone: () => boolean; stopWatching: () => void} {
  if (typeof process.send !== 'function') return {gone: () => false, stopWatching: () => undefined};
  let left = !process.connected;
  const onDisconnect = () => (left = true);
  process.once('disconnect', onDisconnect);
  return {
    gone: () => left || !process.connected,
    // The listener holds the channel's handle (and so the process) open: let go on every way out of a start.
    stopWatching: () => process.off('disconnect', onDisconnect),
  };
}

async function serve(io: ServeIo, options: ServeOptions, secretWarnings: SecretFileWarnings, parent: ReturnType<typeof watchParent>): Promise<number> {
  const {paths} = io;
  const loadedSettings = await loadSettings(paths);
  const {settings} = loadedSettings;
  const store = new AccountStore(paths);

  // Started by hand (`proxy serve --account A`): an account that cannot serve is refused, as by
  // `proxy start` and `run`. A TUI's or a background start's child was checked by its starter.
  const provider = await checkServeTarget(store, options, options.owner === 'foreground' ? {command: 'proxy serve', now: Date.now()} : undefined);

  // A second proxy would take over tui/proxy.json: the first would serve on unseen by `proxy status`
  // and `proxy stop`. Refused before anything is written (the pid file, the running proxy's log).
  // A stale one (its proxy SIGKILLed, or gone with a reboot) is replaced, and said so.
  const running = readRunningProxy(paths, (line) => io.stderr.write(`ccs-tui: ${line}\n`));
  if (running && running.pid !== process.pid) throw new UserError(alreadyRunningText(running, options));

  const send = parentSender();
  let ensured: Awaited<ReturnType<typeof ensureApiKey>>;
  try {
    ensured = await ensureApiKey(paths);
  } catch (error) {
    // A broken config.yaml does not get better by restarting: a supervisor is told as it is told of a
    // busy port (a fatal report: it says the file and its position, and does not start it again).
    if (!(error instanceof CorruptFileError) || !send || !process.connected) throw error;
    send({type: 'fatal', code: 'CONFIG', message: sanitizeLine(error.message)} satisfies ProxyEvent);
    return 1;
  }
  const {config, generated} = ensured;
  const port = options.port ?? config.port;

  await ensurePrivateDir(paths.logs);
  // Opened once this proxy listens (logFile): a failed start never rotates or writes the log a
  // running proxy (of a race, or another CCS dir's port) may own.
  let log: WriteStream | undefined;
  /** Bytes in the open log file (its size when opened, then what was written to it). */
  let logged = 0;
  /** Log streams rotated out, still writing what they hold. */
  const retiring = new Set<Promise<void>>();
  const closeLogs = async () => {
    if (log) await closeLog(log);
    await Promise.all(retiring);
  };
  const logFile = () => {
    if (!log) ({stream: log, size: logged} = openLog(proxyLogPath(paths)));
    return log;
  };
  // A line that comes after the stop ended the stream (an answer the close cut, reporting its end)
  // is appended directly: writing to an ended stream is an unhandled 'error' that killed the proxy.
  const writeLog = (text: string | Buffer) => {
    const stream = logFile();
    if (!stream.writableEnded && !stream.destroyed) {
      stream.write(text);
      logged += typeof text === 'string' ? Buffer.byteLength(text) : text.length;
      // Rotated as it runs, not only at a start: a client that holds the API key could otherwise
      // fill the disk with requests (a long model name is one long line each). The stream rotated
      // out still writes what it holds to proxy.log.1; a stop waits for it (closeLogs).
      if (logged > LOG_ROTATE_BYTES) {
        log = undefined;
        rotateLog(proxyLogPath(paths));
        const ending: Promise<void> = closeLog(stream).finally(() => retiring.delete(ending));
        retiring.add(ending);
      }
      return;
    }
    try {
      appendFileSync(proxyLogPath(paths), text, {mode: FILE_MODE});
    } catch {
      // the log dir went away: nothing left to tell
    }
  };
  const secrets = new Set<string>(config.apiKeys);
  /** The config whose api-keys are in `secrets` (ProxyServer's config option). */
  let secretsOf: CliproxyConfig = config;
  let server: ProxyServer | undefined;
  // Credentials masked (issue 11): every account's, not only those refreshed here, plus the API keys.
  const credentials = credentialRedactor(paths);
  const ipc = () => send !== undefined && process.connected;
  /** An event's log text: described, sanitised, API keys masked (the time prefix is added by the caller). */
  const textOf = (event: ProxyEvent) => cutText(maskedLine(describeEvent(event), (text) => redact(text, secrets)), LOG_LINE_MAX);
  // A request's or a refusal's text, remembered (the same text as textOf: secrets only grow, so their count versions them).
  const requestTexts = new LineMemo<Extract<ProxyEvent, {type: 'request' | 'refused'}>>(textOf);
  const lineOf = (event: ProxyEvent, at: number) => `${isoAt(at)} ${textOf(event)}`;
  // One request is one log line, but neither a write nor an IPC message of its own (request-batch.ts).
  // Under the supervisor (an IPC channel) events go over IPC and the supervisor drops stdout's copy:
  // request lines are not written there. Run by hand, every line is printed.
  const requests = new RequestBatch(REQUEST_BATCH_MS, REQUEST_BATCH_RECENT, ({lines, count, recent}) => {
    writeLog(lines);
    if (ipc()) send!({type: 'requests', count, recent} satisfies ProxyRequestBatch);
    else io.stdout.write(lines);
  });
  /** An event already masked with every account credential (the server masks what it emits). */
  const emitMasked = (masked: ProxyEvent) => {
    // A refusal is a line like a request's, at a request's cost (a flood of either is batched alike).
    if (masked.type === 'request' || masked.type === 'refused') return requests.add(linePrefixAt(Date.now()), requestTexts.of(masked, secrets.size), masked.type === 'request');
    // Any other event goes out at once, after the requests before it.
    requests.flush();
    const line = lineOf(masked, Date.now());
    writeLog(`${line}\n`);
    io.stdout.write(`${line}\n`);
    if (ipc()) send!({...masked, ...('message' in masked && masked.message ? {message: redact(masked.message, secrets)} : {})});
  };
  // Credentials masked (issue 11): events of this file may quote files and answers.
  const emit = (event: ProxyEvent) => emitMasked(credentials.current().redactDeep(event));
  // The proxy's last error (the server's), so a newer one replaces what `proxy status` shows.
  const reportError = (message: string) => (server ? server.reportError(message) : emit({type: 'error', message}));
  const getConfig = liveConfig(paths, config, reportError);
  const hooks = quotaHooks(paths, Date.now, reportError);

  // This start's secret: the proxy proves it before anyone sends it the API key (pid-file.ts ProxyPidFile nonce).
  const nonce = newNonce();
  server = new ProxyServer({
    nonce,
    port,
    provider,
    account: options.account,
    store,
    settings,
    // Started on a broken tui.json: served once it is fixed, without a restart.
    ...(loadedSettings.problem ? {rereadSettings: settingsWhenChanged(paths)} : {}),
    config: () => {
      const current = getConfig();
      // Asked twice per request: its keys join the log's secrets once per version of the file.
      if (current !== secretsOf) {
        secretsOf = current;
        for (const key of current.apiKeys) secrets.add(key);
      }
      return current;
    },
    // A refreshed token is masked by the credential redactor (the server notes it, and keeps the
    // file's earlier ones, bounded): not added to `secrets`, which would grow with every refresh.
    refresh: (p, accountId, force) => ensureFresh({store, settings: server!.settings}, p, accountId, {force}),
    onQuotaHeaders: hooks.onQuotaHeaders,
    rank: hooks.rank,
    // A secret file's warning from the store's problems is the line secretWarnings said already.
    // The pin moved (`r` on one account served alone): the record says which account it serves now,
    // as `env` and the TUI read it there. Not for a switch (control.ts serveOnRunningProxy writes that one).
    onPinMoved: (moved, accountId) => void recordPin(moved, accountId),
    emit: (event) => (event.type === 'problem' && event.severity === 'warning' && secretWarnings.said(event.message) ? undefined : emitMasked(event)),
  });

  /**
   * This proxy's record with `accountId` as the account it serves `provider` with alone, under the
   * record's lock (as the claim is written); left as it is when it is another proxy's, names another
   * provider or no account, or the proxy is stopping.
   */
  let ending = false;
  const recordPin = (provider: string, accountId: string) =>
    withFileLock(proxyPidFilePath(paths), async (lock) => {
      const version = await fileVersion(proxyPidFilePath(paths));
      const entry = readRunningProxy(paths);
      if (ending || !entry || entry.pid !== process.pid || entry.provider !== provider || !entry.account || entry.accountId === accountId) return;
      await lock.write(proxyPidFilePath(paths), jsonText({...entry, account: accountId, accountId}), version);
    }).catch(() => undefined);

  const entryOn = (port: number): ProxyPidFile => ({
    pid: process.pid,
    port,
    startedAt: new Date().toISOString(),
    ...(provider ? {provider} : {}),
    ...(options.account ? {account: options.account} : {}),
    ...(options.account ? {accountId: server?.status().accountId} : {}),
    owner: options.owner,
    kind: 'builtin',
    ...(options.startedBy ? {startedBy: options.startedBy} : {}),
    processStart: processStartToken(process.pid),
    nonce,
  });

  // The quota the pools rank by, known before the first request (quota-hooks.ts load).
  await hooks.load();
  let listening: number;
  try {
    // Checked again and claimed under a lock on the record: two proxies started at once (on other
    // ports: --port 0, a TUI's and a `proxy start --port N`) both passed the check above, and the
    // later record hid the earlier proxy from `proxy status` and `proxy stop`.
    // A claim by a proxy that took the lock over while this one was held up is never written over:
    // the check runs again (the port, once listened on, is kept).
    let bound: number | undefined;
    listening = await withFileLock(proxyPidFilePath(paths), async (lock) => {
      const version = await fileVersion(proxyPidFilePath(paths));
      const meanwhile = readRunningProxy(paths);
      if (meanwhile && meanwhile.pid !== process.pid) throw new UserError(alreadyRunningText(meanwhile));
      bound ??= await server!.listen();
      await lock.write(proxyPidFilePath(paths), jsonText(entryOn(bound)), version);
      return bound;
    });
  } catch (error) {
    // Listening already (the record could not be written, or another proxy claimed it): let the port go.
    await server.close().catch(() => undefined);
    if (error instanceof UserError) throw error;
    const err = error as NodeJS.ErrnoException;
    // A proxy recorded since the check above (a race) may hold the port: said as ours, not "another process".
    const holder = readRunningProxy(paths);
    const ours = holder && holder.pid !== process.pid ? holder : undefined;
    // Where the port came from, and the other way to pick one: --port when it was asked for there.
    const asked = options.port !== undefined ? `port ${port} (asked with --port)` : `port ${port} (\`port\` in ${paths.config})`;
    // The TUI's child has no flag a person could pass: config.yaml's port is the way.
    const instead = options.port !== undefined ? 'pass another --port N (0: any free port)' : options.owner === 'tui' ? 'set another `port` there' : 'set another `port` there, or pass --port N (0: any free port)';
    const message =
      err.code === 'EADDRINUSE'
        ? ours?.port === port
          ? `port ${port} is in use by the running proxy (${runningProxyText(ours)}); use it, or stop it first: ccs-tui proxy stop`
          : `${asked} is in use by another process; ${instead}`
        : err.code === 'EACCES'
          ? `${asked} needs privileges; ${instead}`
          : sanitizeLine(err.message);
    const fatal = credentials.current().redactDeep<ProxyEvent>({type: 'fatal', code: err.code ?? 'ERROR', message});
    // Said once: over IPC to a supervisor, else on stderr (a terminal; `proxy start` reads it from
    // proxy-stderr.log). The log file keeps it unless another proxy runs: that one's log is its own.
    if (!ours) writeLog(`${lineOf(fatal, Date.now())}\n`);
    if (ipc()) send!(fatal);
    else io.stderr.write(`ccs-tui: ${message}\n`);
    await closeLogs();
    return 1;
  }

  // Every way out removes it, process.exit too (a closed stdout pipe, cli/closed-pipe.ts), and a
  // way out that skipped the stop below still leaves its line in the log.
  let stoppedLine = false;
  const onExit = (code: number) => {
    removeProxyPidFile(paths, process.pid);
    if (stoppedLine) return;
    try {
      appendFileSync(proxyLogPath(paths), `${lineOf({type: 'stopped', pid: process.pid, reason: `exited with code ${code}`}, Date.now())}\n`, {mode: FILE_MODE});
    } catch {
      // the log dir went away: nothing left to tell
    }
  };
  process.on('exit', onExit);
  // Worded as `proxy status` and the proxy screen word it (ipc.ts servingText): a pool says its size.
  const pinned = options.account !== undefined;
  const size = provider && !pinned ? poolSize((await store.load()).accounts, provider, Date.now()) : undefined;
  emit({type: 'listening', port: listening, pid: process.pid, provider, account: server.status().account, pinned, ...(size === undefined ? {} : {poolSize: size}), apiKeyGenerated: generated});
  if (generated) io.stderr.write(`ccs-tui: ${generatedKeyNote(paths)} (see: ccs-tui env)\n`);
  secretWarnings.sayWith((line) => emit({type: 'problem', severity: 'warning', message: line}));

  // Native mode: what an agent refreshes into its own credential file reaches the token file (and so this proxy).
  const stopNativeWatch = watchNativeFiles(store, (result) =>
    emit({type: 'refresh', provider: result.provider, account: result.account ?? '-', ok: !result.problem, message: result.problem ?? "took the native agent's refreshed tokens"}),
  );

  // Once listening, the process ends in `stop` (endProcess), never by returning.
  return new Promise<number>(() => {
    let stopping = false;
    /** `reason`: what the stopped line says stopped it. */
    const stop = async (code: number, reason: string, by?: StopRequest) => {
      if (stopping) return;
      stopping = true;
      ending = true;
      clearInterval(parentCheck);
      clearInterval(dirCheck);
      stopNativeWatch();
      removeProxyPidFile(paths, process.pid);
      // Closing logs the requests it cuts; then the batch, those lines included, goes out before exit.
      await server!.close().catch(() => undefined);
      // A quota-cache write under way ends before exit (its lock and temp file are not left behind).
      await hooks.settled();
      // Copies of tokens it rotated in its last second are marked (services/refresh.ts markSpentCopies).
      await settleSpentCopyScans(store).catch(() => undefined);
      // One line in the terminal and the log (and the TUI's log tail) that it is over.
      emit({type: 'stopped', pid: process.pid, reason, ...(by ? {by} : {})});
      stoppedLine = true;
      requests.flush();
      await closeLogs();
      process.off('message', onMessage);
      // The IPC channel is a handle of its own: with a 'disconnect' listener it keeps this process
      // alive after everything else closed (the supervisor waited for its 5 s SIGKILL). Let it go.
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
      process.off('exit', onExit);
      await endProcess(io, code);
    };
    const onDisconnect = () => void stop(0, 'the TUI that started it is gone');
    const onMessage = (message: ProxyCommand) => {
      if (message?.type === 'rotate') {
        void server!.rotateResult(message.provider).then((result) => {
          // A refused rotate is the person's answer (the TUI's status line says it), not a fault of
          // the proxy: a log line, never the Error row (`problem` is never the last error).
          if ('error' in result) emit({type: 'problem', severity: 'warning', message: `rotate refused: ${result.error}`});
          if (typeof message.id === 'number') send?.({type: 'rotateAnswer', id: message.id, ...result} satisfies RotateAnswer);
        });
      } else if (message?.type === 'status') {
        sendStatus();
      } else if (message?.type === 'shutdown') {
        void stop(0, 'asked to stop by the TUI');
      }
    };
    // The requests gathered so far go first: the status counts them, and the supervisor must not
    // count them again when their batch arrives after it.
    const sendStatus = () =>
      void server!.currentStatus().then((status) => {
        requests.flush();
        send?.({type: 'status', status});
      });
    process.on('message', onMessage);
    // The TUI went away (even SIGKILL closes the channel): a TUI's child never outlives it.
    parent.stopWatching();
    process.once('disconnect', onDisconnect);
    // `on`, not `once`: a stop signal can come twice (a Ctrl-C from the terminal and the same one passed
    // on by a `proxy serve` that ran this one with its Node flags, services/proxy/rerun.ts), and a
    // second one with no listener would kill the process mid-close (its log unflushed).
    let firstStopSignalAt: number | undefined;
    const onStopSignal = (signal: keyof typeof SIGNAL_REASONS) => {
      const now = Date.now();
      if (firstStopSignalAt === undefined) {
        firstStopSignalAt = now;
        // `ccs-tui proxy stop` or another TUI said in the record who it is before signalling (control.ts stopRecordedProxy).
        const record = readRunningProxy(paths);
        const by = signal === 'SIGTERM' && record?.pid === process.pid ? record.stopRequest : undefined;
        return void stop(0, by ? `SIGTERM from ${stopperText(by)}` : SIGNAL_REASONS[signal], by);
      }
      if (now - firstStopSignalAt < REPEATED_STOP_MS) return;
      io.stderr.write(`ccs-tui: ${signal} again: stopping at once; requests in flight are cut, and a token refresh still waiting for its answer is abandoned\n`);
      requests.flush();
      // The exit hook removes the pid file and logs the exit.
      process.exit(128 + osConstants.signals[signal]);
    };
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => onStopSignal(signal));
    // Its starter gone (even by SIGKILL), the process is given to another parent: stop as on SIGTERM.
    const starter = options.starterPid;
    const parentCheck = starter ? setInterval(() => process.ppid !== starter && void stop(0, `the ccs-tui proxy serve that started it (pid ${starter}) is gone`), PARENT_CHECK_MS) : undefined;
    parentCheck?.unref();
    // Its CCS dir removed (an uninstall, a temp dir cleaned away): nothing is left to serve, and no
    // pid file names it for `proxy stop`, so it stops rather than run on unseen.
    const dirCheck = setInterval(() => !existsSync(paths.root) && void stop(0, `its CCS dir ${paths.root} is gone`), CCS_DIR_CHECK_MS);
    dirCheck.unref();
    // Status for the supervisor's screen, without it asking.
    if (send) {
      const timer = setInterval(() => process.connected && sendStatus(), 1000);
      timer.unref();
    }
    // Nor one whose parent went while it was starting (its 'disconnect' came before the listener above).
    if (parent.gone()) void stop(0, 'the TUI that started it is gone');
  });
}

/**
 * Ends this process with `code` once stdout and stderr have taken what was written (a pipe is
 * asynchronous on some systems). Explicitly, not by letting the event loop drain: Node's teardown
 * after a drain puts back the default action of the stop signals handled here, and an echo arriving
 * then (the Ctrl-C that the `proxy serve` which re-ran this one passes on, services/proxy/rerun.ts,
 * late on a loaded machine) killed the stopped proxy by SIGINT: its starter then left with 130.
 */
async function endProcess(io: ServeIo, code: number): Promise<never> {
  const flushed = (stream: NodeJS.WritableStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(io.stdout), flushed(io.stderr)]);
  process.exit(code);
}

function redact(text: string, secrets: Set<string>): string {
  const masked = redactSecrets(text, secrets);
  return masked.includes('Bearer') ? masked.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{12,}/g, '$1•••') : masked;
}

/** The log opened for appending (rotated first when it is over LOG_ROTATE_BYTES), and its size then. */
function openLog(file: string): {stream: WriteStream; size: number} {
  let size = 0;
  try {
    size = statSync(file).size;
    if (size > LOG_ROTATE_BYTES) {
      rotateLog(file);
      size = 0;
    }
  } catch {
    // no log yet
  }
  return {stream: createWriteStream(file, {flags: 'a', mode: FILE_MODE}), size};
}

/** `proxy.log` becomes `proxy.log.1` (the one before goes): a stream still writing to it writes there. */
function rotateLog(file: string): void {
  try {
    renameSync(file, `${file}.1`);
  } catch {
    // gone meanwhile: the next line starts it again
  }
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((resolve) => log.end(() => resolve()));
}
