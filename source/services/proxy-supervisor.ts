// The TUI's proxy: starts `ccs-tui proxy serve` as a child for the account or pool the person
// picked, follows what it reports over the IPC channel, restarts it with backoff when it dies
// (keeping its last log lines on screen), rotates it live with a message, and stops it when the TUI
// quits. A proxy started elsewhere (`ccs-tui proxy start`) is found through `tui/proxy.json` and
// managed over its loopback API instead.
import {cutText, maskedLine, SHOWN_TEXT} from '../core/redact.js';
import {formatLocalClock} from '../core/relative-time.js';
import {spawn, type ChildProcess} from 'node:child_process';
import type {ProxyCommand, ProxyEvent, ProxyRequestBatch, ProxyStatus, ProxyTraffic, RotateAnswer, RotateResult} from './proxy/ipc.js';
import {describeEvent, RotateRefusedError, SERVED_BY_MODEL} from './proxy/ipc.js';
import {withAdvice} from '../store/errors.js';
import {credentialRedactor} from './credential-redactor.js';
import {loadCliproxyConfig} from '../store/cliproxy-config.js';
import type {CcsPaths} from '../store/paths.js';
import {loadSettings, type TuiSettings} from '../store/settings.js';
import {systemClock, type Clock} from './clock.js';
import {fetchProxyStatus, rotateRunningProxy, serveOnRunningProxy, startBackgroundProxy, stopRecordedProxy, tailFile} from './proxy/control.js';
import {launchCommand, type LaunchCommand, type ServeTarget} from './proxy/launch.js';
import {processStartToken, proxyLogPath, readProxyRecord, readRunningProxy, removeProxyPidFile, stopperText, writeProxyPidFile, type ProxyPidFile} from './proxy/pid-file.js';
import {UserError} from '../core/types.js';
import {actionKey} from '../core/keymap.js';

/** `stopping`: asked to stop, not gone yet (a child is given up to 5 s); `restarting`: died, waiting to start again. */
export type ProxyPhase = 'stopped' | 'stopping' | 'starting' | 'running' | 'restarting' | 'failed';

/** Request counts (ProxyTraffic) as the proxy's status reports them; between reports, forwarded ones are added as their events arrive. */
export interface ProxyState extends ProxyTraffic {
  phase: ProxyPhase;
  /** `child`: this TUI's own; `adopted`: started elsewhere and found through tui/proxy.json. */
  managed: 'child' | 'adopted' | 'none';
  /** An adopted proxy's owner as its pid file says (`background`: `ccs-tui proxy start`, outlives any TUI). */
  owner?: ProxyPidFile['owner'];
  /** An adopted background proxy's starter (ProxyPidFile startedBy): this TUI's pid when its `e` or `R` started it. */
  startedBy?: number;
  kind: LaunchCommand['kind'];
  target: ServeTarget;
  pid?: number;
  port?: number;
  startedAt?: number;
  /** The account the running proxy serves next (its status, its `rotated` events). */
  account?: string;
  /** As the running proxy's status says (ProxyStatus): one account alone, else a pool of `poolSize`. */
  pinned?: boolean;
  /** With `pinned`: the id of the account it serves alone (its status's accountId; a rename leaves it). */
  pinnedAccountId?: string;
  poolSize?: number;
  lastError?: string;
  /** When the running proxy met `lastError` (RFC 3339), when its status said so. */
  lastErrorAt?: string;
  /** Requests succeeded after `lastError` (its status `servedSince`): it is history, not the state now. */
  lastErrorPast?: boolean;
  /** Accounts waiting (cooling, tried last) as the proxy's last status listed them. */
  cooling?: ProxyStatus['cooling'];
  /** Why the account served alone cannot serve now, with the way out on the proxy screen (its status's pinnedTrouble). */
  pinnedTrouble?: string;
  /** Last log lines (sanitised, secrets redacted), newest last. */
  logTail: string[];
  restarts: number;
  nextRestartAt?: number;
  /** While `stopping`: the stop is the first half of a restart or a new start (a new proxy follows). */
  replacing?: boolean;
  /**
   * While `stopped`: this TUI's child was stopped on purpose from outside, and by whom
   * ("stopped by ccs-tui proxy stop (pid 4242)", "stopped by another TUI (pid 4242)",
   * "stopped from outside this TUI: SIGTERM …"). Not restarted: only a crash is.
   */
  stoppedBy?: string;
}

export interface SupervisorOptions {
  paths: CcsPaths;
  /** tui.json; read at each start when not given (the TUI builds its services synchronously). */
  settings?: TuiSettings;
  clock?: Clock;
  /** Replaces the launch command (tests). */
  command?: (target: ServeTarget) => LaunchCommand;
  backoff?: {initialMs: number; maxMs: number};
  /** A child that ran this long resets the backoff. */
  stableAfterMs?: number;
  logLines?: number;
  env?: NodeJS.ProcessEnv;
}

const INITIAL_STATE: ProxyState = {
  phase: 'stopped',
  managed: 'none',
  kind: 'builtin',
  target: {},
  requestsPerMinute: 0,
  totalRequests: 0,
  refusedPerMinute: 0,
  refusedRequests: 0,
  cooling: [],
  logTail: [],
  restarts: 0,
  stoppedBy: undefined,
};

export class ProxySupervisor {
  private state: ProxyState = INITIAL_STATE;
  private readonly listeners = new Set<(state: ProxyState) => void>();
  private child: ChildProcess | undefined;
  private stopping = false;
  private noRestart = false;
  private consecutiveFailures = 0;
  private cancelRestart: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly onProcessExit = () => this.child?.kill('SIGTERM');
  /** The record of the proxy followed while `managed` is `adopted`: what a stop signals, while it still names that process. */
  private adopted: ProxyPidFile | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get current(): ProxyState {
    return this.state;
  }

  subscribe(listener: (state: ProxyState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the state once a start or stop under way has come to an end: running, stopped,
   * or waiting to restart after a failure (its `lastError` says why). At once when none is under way.
   */
  settled(): Promise<ProxyState> {
    const done = (state: ProxyState) => state.phase !== 'starting' && state.phase !== 'stopping';
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe((state) => {
        if (!done(state)) return;
        queueMicrotask(() => unsubscribe());
        resolve(state);
      });
    });
  }

  /** An error this supervisor met itself (no time: `lastErrorAt` is the running proxy's own). */
  private showError(message: string, change: Partial<ProxyState> = {}): void {
    this.update({...change, lastError: message, lastErrorAt: undefined});
  }

  private update(change: Partial<ProxyState>): void {
    // A new last error is the state now until the proxy's status says requests succeeded after it.
    if ('lastError' in change && !('lastErrorPast' in change)) change = {...change, lastErrorPast: false};
    this.state = {...this.state, ...change};
    for (const listener of this.listeners) listener(this.state);
  }

  /** Adds `lines` to the log tail, masked and cleaned; returns them as added, without their time. */
  private log(...lines: string[]): string[] {
    // Every account's credentials and the proxy's API keys (added at start) masked, in every echoed form (issue 11).
    const redactor = credentialRedactor(this.options.paths);
    const clean = lines.map((line) => cutText(maskedLine(line, (text) => redactor.redact(text, SHOWN_TEXT)), 400));
    // Each line with the local time it came, as an adopted proxy's lines from its log file show theirs (ownLogLines).
    const now = this.clock.now();
    const time = formatLocalClock(new Date(now).toISOString(), now);
    const tail = [...this.state.logTail, ...clean.map((line) => `${time} ${line}`)].slice(-(this.options.logLines ?? 200));
    this.update({logTail: tail});
    return clean;
  }

  /**
   * Finds a proxy started elsewhere (pid file of a live process) and follows it. Called again when
   * tui/proxy.json changes: a proxy replaced by another (`proxy stop; proxy start` in a shell) is
   * followed in its place, one that is gone shows as stopped. Its own child is never given up.
   */
  async adopt(): Promise<boolean> {
    if (this.child || (this.state.managed === 'child' && (this.state.phase === 'restarting' || this.state.phase === 'starting'))) return false;
    // Being stopped (its pid file goes last): not to be followed again meanwhile.
    if (this.state.phase === 'stopping') return false;
    // A stale record (its proxy SIGKILLed, or gone with a reboot; its pid maybe another process's) is removed, and said so.
    const running = readRunningProxy(this.options.paths, (line) => this.log(line));
    const following = this.state.managed === 'adopted' && this.state.phase === 'running';
    if (following && running && running.pid === this.state.pid) {
      // Switched live meanwhile (`ccs-tui run`, another TUI's `s`): its pid file says to what.
      if (running.provider !== this.state.target.provider || running.account !== this.state.target.account) this.update({target: {provider: running.provider, account: running.account, port: running.port}});
      return true;
    }
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    if (!running) {
      if (following) {
        // Its last lines, the one saying why it stopped among them: a stop asked for (`proxy stop`, a
        // signal) is said there, not as an error; one that ended without a word (killed) is an error.
        const tail = this.state.startedAt === undefined ? this.state.logTail : ownLogLines(this.options.paths, new Date(this.state.startedAt).toISOString());
        const said = tail.some((line) => STOPPED_LINE.test(line));
        // What it served stays the target `s` starts again (the proxy screen says so), as a child's does.
        const stopped = {...INITIAL_STATE, target: this.state.target, logTail: tail};
        if (said) this.update(stopped);
        else this.showError('the proxy stopped without saying why (killed?); its log is in tui/logs/proxy.log', stopped);
      }
      return false;
    }
    this.adopted = running;
    this.update({
      ...INITIAL_STATE,
      phase: 'running',
      managed: 'adopted',
      owner: running.owner,
      startedBy: running.startedBy,
      kind: running.kind,
      target: {provider: running.provider, account: running.account, port: running.port},
      pid: running.pid,
      port: running.port,
      startedAt: Date.parse(running.startedAt),
      logTail: ownLogLines(this.options.paths, running.startedAt),
    });
    const poll = async () => {
      const alive = readRunningProxy(this.options.paths);
      if (!alive || alive.pid !== running.pid) {
        // Gone, or another proxy took its place: follow that one (or show it stopped).
        void this.adopt();
        return;
      }
      const status = running.kind === 'builtin' ? await fetchProxyStatus(this.options.paths, running.port) : undefined;
      if (status) this.applyStatus(status);
      this.update({logTail: ownLogLines(this.options.paths, running.startedAt)});
    };
    this.cancelPoll = this.clock.setInterval(() => void poll(), 1000);
    void poll();
    return true;
  }

  /**
   * Starts (or replaces) the TUI's proxy for a target. A stop or another start asked meanwhile wins:
   * this one then returns false without starting anything (`x` during a restart stops it for good).
   */
  async start(target: ServeTarget): Promise<boolean> {
    // A proxy this TUI did not start is never stopped to make room: agents may use its port.
    const other = await this.runningElsewhere();
    if (other) throw new UserError(`${adoptedText(other)} is running; stop it first (${actionKey('proxy.stop', 'proxy')}) to start one in this TUI`);
    const generation = ++this.generation;
    await this.halt(true);
    const {config} = await loadCliproxyConfig(this.options.paths).catch(() => ({config: {apiKeys: [] as string[]}}));
    if (generation !== this.generation) return false;
    // The child masks them in what it reports; its crash output (stderr) and the CLIProxyAPI binary's lines are masked here.
    credentialRedactor(this.options.paths).add(...config.apiKeys);
    this.stopping = false;
    this.noRestart = false;
    this.consecutiveFailures = 0;
    this.update({...INITIAL_STATE, phase: 'starting', managed: 'child', target});
    const settings = this.options.settings ?? (await loadSettings(this.options.paths)).settings;
    if (generation !== this.generation) return false;
    this.useCliproxyBinary = settings.proxy.useCliproxyBinary;
    this.spawnChild();
    return true;
  }

  /** Counts start and stop requests: a start superseded while it waited does not go on. */
  private generation = 0;

  private useCliproxyBinary = false;

  /**
   * The running proxy this TUI did not start (found now if it was not followed yet), or undefined.
   * Its own child, running or restarting, is never "elsewhere".
   */
  async runningElsewhere(): Promise<ProxyState | undefined> {
    return (await this.adopt()) && this.state.managed === 'adopted' ? this.state : undefined;
  }

  /**
   * Switches an adopted built-in proxy to `target` over its loopback API (`/_ccs-tui/serve`): no
   * restart, same port, so whatever points at it keeps working. Returns the label now serving;
   * throws a UserError when the proxy is no built-in one or refuses.
   */
  async serveOnAdopted(target: ServeTarget): Promise<string | undefined> {
    if (this.state.managed !== 'adopted' || this.state.phase !== 'running' || !this.state.port) throw new UserError('no proxy started outside this TUI is running');
    if (this.state.kind !== 'builtin') throw new UserError(`${adoptedText(this.state)} is the CLIProxyAPI binary: it cannot switch accounts live`);
    return this.serveLive(target);
  }

  /**
   * Whether the TUI's own child can be switched to another target live (serveOnChild): a built-in
   * proxy, running, on the port asked for (a target without a provider: every provider by model).
   */
  canServeOnChild(target: ServeTarget): boolean {
    return this.state.managed === 'child' && this.state.phase === 'running' && this.state.kind === 'builtin' && Boolean(this.state.port) && this.child !== undefined && (target.port === undefined || target.port === this.state.port);
  }

  /**
   * Switches the TUI's own built-in child to `target` as serveOnAdopted switches a proxy started
   * elsewhere: no restart, so the requests under way (an agent's stream) go on. A restart after a
   * crash starts it on the new target. Throws a UserError when it refuses (nothing changes then).
   */
  async serveOnChild(target: ServeTarget): Promise<string | undefined> {
    if (!this.canServeOnChild(target)) throw new UserError('the proxy of this TUI is not running');
    return this.serveLive(target);
  }

  /**
   * The live switch itself (`/_ccs-tui/serve`; no provider: every provider by model, no account
   * first): the state's target follows, the port kept as it was asked.
   */
  private async serveLive(target: ServeTarget): Promise<string | undefined> {
    const {port, pid, managed} = this.state;
    const account = await serveOnRunningProxy(this.options.paths, port!, target.provider ?? '', target.provider ? target.account : undefined);
    // Still the one followed: it now serves the target (a restart keeps it). The child's port stays
    // the one it was asked for (none: a port of its own choosing at each start).
    const keptPort = managed === 'child' ? this.state.target.port : port;
    const served = target.provider ? {provider: target.provider, account: target.account} : {};
    if (this.state.pid === pid) this.update({target: {...served, ...(keptPort === undefined ? {} : {port: keptPort})}, account: target.provider ? account : undefined, ...(target.provider ? {} : {pinned: false})});
    this.log(`now serving ${target.provider ? `${target.provider}${target.account ? ` / ${target.account}` : ' (its pool)'}${account ? `, ${account} first` : ''}` : SERVED_BY_MODEL} (switched live, same port)`);
    return target.provider ? account : undefined;
  }

  /**
   * Resolves false when a stop came meanwhile (nothing was started). An adopted proxy restarts as
   * what it was: a background one (`ccs-tui proxy start`) on the same port and target, outliving the
   * TUI; one run in a shell's foreground or by another TUI is refused (UserError): only where it
   * runs can it be restarted, or it is stopped here and one started in this TUI.
   */
  async restart(): Promise<boolean> {
    if (this.state.managed === 'adopted' && this.state.phase === 'running') return this.restartAdopted();
    return this.start(this.state.target);
  }

  /** Why restart() would refuse now (a proxy that only where it runs can restart), undefined when it would not. */
  restartRefusal(): string | undefined {
    const was = this.state;
    if (was.managed !== 'adopted' || was.phase !== 'running' || was.owner === 'background') return undefined;
    const here = `or stop it here (${actionKey('proxy.stop', 'proxy')}) and start one in this TUI (${actionKey('proxy.start', 'proxy')})`;
    return `${adoptedText(was)} ${was.owner === 'tui' ? `is another TUI’s child: restart it in that TUI, ${here}` : `runs in a shell’s foreground: restart it there, ${here}`}`;
  }

  private async restartAdopted(): Promise<boolean> {
    const was = this.state;
    const refused = this.restartRefusal();
    if (refused) throw new UserError(refused);
    const generation = ++this.generation;
    await this.halt(true);
    if (generation !== this.generation) return false;
    const target: ServeTarget = {...was.target, port: was.port};
    let entry: ProxyPidFile;
    try {
      entry = await startBackgroundProxy(this.options.paths, target, {env: this.options.env, useCliproxyBinary: was.kind === 'cliproxy-binary'});
    } catch (error) {
      this.showError((error as Error).message, {phase: 'failed', managed: 'none', target});
      return true;
    }
    // `x` came while it started: the stop is the last word, the new one goes too.
    if (generation !== this.generation) {
      await stopRecordedProxy(entry, undefined, {paths: this.options.paths, by: 'tui'});
      removeProxyPidFile(this.options.paths, entry.pid);
      return false;
    }
    // Followed as what it is again (the pid-file watcher may have found it first).
    await this.adopt();
    return true;
  }

  private spawnChild(): void {
    const target = this.state.target;
    const command = this.options.command?.(target) ?? launchCommand(this.options.paths, target, this.useCliproxyBinary, this.options.env);
    const builtin = command.kind === 'builtin';
    const child = spawn(command.file, command.args, {
      stdio: builtin ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      env: {...(this.options.env ?? process.env), CCS_DIR: this.options.paths.root, CCS_TUI_PROXY_OWNER: 'tui'},
      // A process group of its own: the terminal sends Ctrl-C (Ctrl-\, Ctrl-Z) to its whole foreground
      // group, and while an agent launched here has the terminal, that Ctrl-C is the agent's (Claude
      // Code's "stop this turn"), not a stop for the proxy it is using. It still ends with this TUI:
      // on its IPC channel closing, and the exit hook below.
      detached: true,
    });
    this.child = child;
    const spawnedAt = this.clock.now();
    process.once('exit', this.onProcessExit);
    this.update({kind: command.kind, pid: child.pid, startedAt: spawnedAt, phase: builtin ? 'starting' : 'running'});
    if (!builtin && child.pid) {
      void loadCliproxyConfig(this.options.paths)
        .then(({config}) => {
          this.update({port: config.port});
          return writeProxyPidFile(this.options.paths, {pid: child.pid!, port: config.port, startedAt: new Date().toISOString(), owner: 'tui', kind: 'cliproxy-binary', processStart: processStartToken(child.pid!)});
        })
        .catch(() => undefined);
    }
    // Its last stderr line as logged (masked): why it failed, when it said so only there (a bad
    // `--provider` is refused before it can report anything over IPC).
    let lastStderr: string | undefined;
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      const take = (lines: string[]) => {
        // Built-in proxy events arrive over IPC; stdout would repeat them. stderr (crashes) always counts.
        if (builtin && stream === child.stdout) return;
        for (const line of lines) {
          if (!line.trim()) continue;
          const [logged] = this.log(line);
          if (stream === child.stderr) lastStderr = logged;
        }
      };
      stream?.setEncoding('utf8');
      stream?.on('data', (data: string) => {
        buffered += data;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        take(lines);
      });
      stream?.on('end', () => take([buffered]));
    }
    // Its last report when it stopped (its `stopped` line): who stopped it, if it was not this TUI.
    let stoppedEvent: Extract<ProxyEvent, {type: 'stopped'}> | undefined;
    child.on('message', (message: ProxyEvent | ProxyRequestBatch | {type: 'status'; status: ProxyStatus} | RotateAnswer) => {
      // Awaited by the rotate() that asked (its own listener).
      if (message.type === 'rotateAnswer') return;
      if (message.type === 'stopped') {
        stoppedEvent = message;
        // The exit may have been seen first: the note then gets its stopper now.
        if (this.child === undefined && this.state.phase === 'stopped' && this.state.stoppedBy !== undefined) this.update({stoppedBy: stoppedByText(message)});
      }
      this.onChildMessage(message);
    });
    child.on('error', (error) => {
      this.log(`cannot start the proxy: ${error.message}`);
      this.showError(error.message);
    });
    child.on('exit', (code, signal) => {
      process.off('exit', this.onProcessExit);
      if (this.child !== child) return;
      this.child = undefined;
      if (!builtin && child.pid) {
        // CLIProxyAPI knows nothing of stop requests: its record (written here) says who sent one.
        const record = readProxyRecord(this.options.paths);
        const by = record.state !== 'none' && record.entry.pid === child.pid ? record.entry.stopRequest : undefined;
        if (by) stoppedEvent ??= {type: 'stopped', pid: child.pid, reason: `SIGTERM from ${stopperText(by)}`, by};
        removeProxyPidFile(this.options.paths, child.pid);
      }
      if (this.stopping) {
        // A restart's halt goes on to `starting` itself: never `stopped` in between.
        this.update(this.state.replacing ? {pid: undefined} : {phase: 'stopped', pid: undefined, replacing: undefined});
        return;
      }
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.log(`proxy ${how}`);
      // Stopped on purpose from outside (`ccs-tui proxy stop`, another TUI, a service manager): the
      // built-in proxy exits 0 only after a stop; a stop signal without a handler yet ends it by that
      // signal. It stays stopped, saying by whom; only a crash is restarted.
      if (code === 0 || (signal !== null && STOP_SIGNALS.has(signal))) {
        this.update({phase: 'stopped', pid: undefined, lastError: undefined, lastErrorAt: undefined, stoppedBy: stoppedEvent ? stoppedByText(stoppedEvent) : `stopped from outside this TUI (${how})`});
        return;
      }
      // It lost the start to a proxy started meanwhile (another TUI's, `ccs-tui run`'s): it refused to
      // run beside it, and would again at every restart. That one is followed, as if it ran before `s`.
      const winner = readRunningProxy(this.options.paths);
      if (winner && winner.pid !== child.pid) {
        this.log(`another proxy started meanwhile (pid ${winner.pid}, port ${winner.port}): following it`);
        this.update({phase: 'stopped', pid: undefined});
        void this.adopt();
        return;
      }
      // Bad usage (exit 2) or a fatal report (busy port): restarting would fail the same way. Its
      // reason is its fatal report, else its last stderr line, read to its end first (the exit can
      // come before its output).
      if (this.noRestart || code === 2) {
        const failed = () => this.update({phase: 'failed', pid: undefined, ...(this.state.lastError || !lastStderr ? {} : {lastError: lastStderr.replace(/^ccs-tui: /, '')})});
        if (!child.stderr || child.stderr.readableEnded) return failed();
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          cancel();
          // Not when a new start came meanwhile.
          if (this.child === undefined && !this.stopping) failed();
        };
        const cancel = this.clock.setTimeout(settle, 1000);
        child.stderr.once('end', settle);
        return;
      }
      const stable = this.options.stableAfterMs ?? 30_000;
      this.consecutiveFailures = this.clock.now() - spawnedAt >= stable ? 1 : this.consecutiveFailures + 1;
      const backoff = this.options.backoff ?? {initialMs: 1000, maxMs: 30_000};
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (this.consecutiveFailures - 1));
      this.update({
        phase: 'restarting',
        pid: undefined,
        lastErrorAt: undefined,
        lastError: `proxy ${how}; restarting in ${Math.ceil(delay / 1000)} s`,
        restarts: this.state.restarts + 1,
        nextRestartAt: this.clock.now() + delay,
      });
      this.cancelRestart = this.clock.setTimeout(() => {
        this.cancelRestart = undefined;
        if (this.stopping || this.child) return;
        this.update({phase: 'starting', nextRestartAt: undefined});
        this.spawnChild();
      }, delay);
    });
  }

  private onChildMessage(message: ProxyEvent | ProxyRequestBatch | {type: 'status'; status: ProxyStatus}): void {
    if (message.type === 'status') {
      this.applyStatus(message.status);
      return;
    }
    if (message.type === 'requests') {
      // A batch: one screen update for all of it (the log tail shows the newest lines).
      this.log(...message.recent);
      this.update({totalRequests: this.state.totalRequests + message.count});
      return;
    }
    // The TUI's log tail: advice names its keys (the log file, read from a shell, names commands).
    this.log(describeEvent(message, Date.now(), 'tui'));
    switch (message.type) {
      case 'listening':
        // A child asked to stop may still report its start: it is on its way out, not running.
        if (this.stopping) break;
        this.update({phase: 'running', port: message.port, pid: message.pid, account: message.account, pinned: message.pinned, poolSize: message.poolSize});
        break;
      case 'rotated':
        // Another provider's pool (served by model on its own route) is not what the screen names.
        if (!this.state.target.provider || message.provider === this.state.target.provider) {
          // The one account served alone moved (`r`): a restart (R) before the next status serves that one, not the one before.
          const target = message.pinned && this.state.target.account !== undefined ? {target: {...this.state.target, account: message.account}} : {};
          this.update({...target, account: message.account, pinned: message.pinned ?? false});
        }
        break;
      case 'error':
        // The proxy's newest last error (its status says the same at the next poll), with its time.
        this.update({lastError: withAdvice(message.message, message.advice, 'tui', 'proxy'), lastErrorAt: new Date(this.clock.now()).toISOString()});
        break;
      case 'fatal':
        // A busy port or a broken config does not get better by restarting.
        this.noRestart = true;
        this.showError(message.message);
        break;
      case 'request':
        this.update({totalRequests: this.state.totalRequests + 1});
        break;
      default:
        break;
    }
  }

  private applyStatus(status: ProxyStatus): void {
    // What it serves now, whoever switched it (`ccs-tui run`, another TUI's `e`): from the proxy itself.
    const {target} = this.state;
    const switched = status.provider !== target.provider || status.pinnedAccount !== target.account;
    this.update({
      ...(switched ? {target: {provider: status.provider, account: status.pinnedAccount, ...(target.port === undefined ? {} : {port: target.port})}} : {}),
      port: status.port,
      pid: status.pid,
      account: status.account,
      pinned: status.pinned,
      pinnedAccountId: status.pinned ? status.accountId : undefined,
      poolSize: status.poolSize,
      requestsPerMinute: status.requestsPerMinute,
      totalRequests: status.totalRequests,
      refusedPerMinute: status.refusedPerMinute,
      refusedRequests: status.refusedRequests,
      cooling: status.cooling ?? [],
      pinnedTrouble: status.pinnedTrouble && withAdvice(status.pinnedTrouble.message, status.pinnedTrouble.advice, 'tui', 'proxy'),
      // The running proxy's own last error (none: a restarted proxy has met none yet).
      lastError: status.lastError && withAdvice(status.lastError.message, status.lastError.advice, 'tui', 'proxy'),
      lastErrorAt: status.lastError?.at,
      lastErrorPast: status.lastError?.servedSince !== undefined,
    });
  }

  /**
   * `r` on the proxy screen: the running proxy moves `provider` (default: the one it serves; a
   * proxy serving every provider needs one named) to its next healthy account, no restart.
   * Resolves with the label of the account now first; throws RotateRefusedError with the proxy's own
   * answer when it moved nothing, a UserError when it did not answer.
   */
  async rotate(provider?: string): Promise<string> {
    const child = this.child;
    if (child && this.state.kind === 'builtin' && child.connected) {
      const id = ++this.rotateCount;
      const result = await new Promise<RotateResult>((resolve) => {
        const onMessage = (message: Partial<RotateAnswer>) => message?.type === 'rotateAnswer' && message.id === id && settle(message as RotateAnswer);
        const onExit = () => settle({error: 'the proxy stopped before it answered'});
        const cancel = this.clock.setTimeout(() => settle({error: 'the proxy did not answer within 5 s'}), 5000);
        const settle = (answer: RotateResult) => {
          cancel();
          child.off('message', onMessage).off('exit', onExit);
          resolve(answer);
        };
        child.on('message', onMessage).once('exit', onExit);
        child.send({type: 'rotate', provider, id} satisfies ProxyCommand);
      });
      // The proxy's "no" is an answer; a fault it met, or no answer at all, is an error.
      if ('error' in result) throw result.refused ? new RotateRefusedError(result.error) : new UserError(result.error);
      return result.account;
    }
    if (this.state.managed === 'adopted' && this.state.port && this.state.kind === 'builtin') {
      const account = await rotateRunningProxy(this.options.paths, this.state.port, provider);
      if (!provider || !this.state.target.provider || provider === this.state.target.provider) this.update({account});
      this.log(`${provider ? `${provider}: ` : ''}rotated to ${account}`);
      return account;
    }
    throw new UserError('no running built-in proxy to rotate');
  }

  /** Numbers the rotate commands sent to the child, to match each answer (RotateAnswer.id). */
  private rotateCount = 0;

  /** Stops the proxy this supervisor manages (its child, or an adopted one); a start under way is called off. */
  async stop(): Promise<void> {
    this.generation++;
    await this.halt(false);
  }

  /**
   * Stops what runs now; the state says `stopping` at once (a child may take seconds to go).
   * `replacing`: a new proxy follows (restart, start for another target).
   */
  private async halt(replacing: boolean): Promise<void> {
    const active = this.child !== undefined || this.cancelRestart !== undefined || (this.state.managed === 'adopted' && this.state.phase === 'running') || this.state.phase === 'starting';
    if (active) this.update({phase: 'stopping', replacing});
    this.stopping = true;
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({type: 'shutdown'} satisfies ProxyCommand);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    } else if (this.state.managed === 'adopted' && this.adopted) {
      const adopted = this.adopted;
      await stopRecordedProxy(adopted, undefined, {paths: this.options.paths, by: 'tui'});
      removeProxyPidFile(this.options.paths, adopted.pid);
      // Its last line (`stopped (pid …): SIGTERM from a TUI …`) is in the log file it was followed through.
      this.update({logTail: ownLogLines(this.options.paths, adopted.startedAt)});
    }
    // Replacing: the new proxy is on its way, so the state never says `stopped` in between (an `x`
    // read in that gap would find nothing to stop, and the restart would go on).
    if (this.state.phase !== 'stopped') this.update({phase: replacing ? 'starting' : 'stopped', pid: undefined, nextRestartAt: undefined, replacing: undefined});
  }

  /**
   * The TUI is quitting: its own child stops (an adopted proxy was started on purpose elsewhere and
   * keeps running).
   */
  async dispose(): Promise<void> {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    if (this.child || this.cancelRestart) await this.stop();
    this.listeners.clear();
  }

  /** For the synchronous exit path (signals): kill the child now. */
  killNow(): void {
    this.stopping = true;
    this.cancelRestart?.();
    this.child?.kill('SIGTERM');
  }
}

/** Signals that ask a process to stop (a person or a service manager), as opposed to a crash or SIGKILL. */
const STOP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);

/** The proxy screen's note on a child stopped from outside, from its `stopped` event. */
const stoppedByText = (event: Extract<ProxyEvent, {type: 'stopped'}>) => (event.by ? `stopped by ${stopperText(event.by)}` : `stopped from outside this TUI: ${event.reason}`);

/** The log line a proxy ends with (ipc.ts describeEvent of `stopped`). */
const STOPPED_LINE = /\bstopped \(pid \d+\): /;

/**
 * The last 50 lines of tui/logs/proxy.log that the proxy started at `startedAt` (ISO UTC, its pid
 * file's) wrote: a line starts with its ISO UTC time, which compares as text, so the lines of earlier
 * proxies and of starts that failed before it are not shown as its own. Each is shown with that time
 * on the local clock, as the lines of a child of this TUI are (log).
 */
function ownLogLines(paths: CcsPaths, startedAt: string, now = Date.now()): string[] {
  // Read more than is shown: the older lines cut off may be many.
  return tailFile(proxyLogPath(paths), 500)
    .filter((line) => line.slice(0, startedAt.length) >= startedAt)
    .slice(-50)
    .map((line) => {
      const space = line.indexOf(' ');
      return space > 0 ? `${formatLocalClock(line.slice(0, space), now)}${line.slice(space)}` : line;
    });
}

/** Whether an adopted proxy is a background one this TUI started (`e` on an account, `R`). */
const startedHere = (state: Pick<ProxyState, 'owner' | 'startedBy'>) => state.owner === 'background' && state.startedBy === process.pid;

/** "the background proxy (pid 123, port 18400)": an adopted proxy as messages name it. */
export function adoptedText(state: Pick<ProxyState, 'owner' | 'pid' | 'port' | 'startedBy'>): string {
  const what =
    state.owner === 'background' ? (startedHere(state) ? 'the background proxy this TUI started' : 'the background proxy')
    : state.owner === 'tui' ? 'another TUI’s proxy'
    : 'the proxy started in a shell';
  return `${what} (pid ${state.pid ?? '?'}, port ${state.port ?? '?'})`;
}

/** Where the proxy came from, as the proxy screen and a start's result say it: "child of this TUI", "started in a shell"… */
export function originText(state: Pick<ProxyState, 'managed' | 'owner' | 'startedBy'>): string {
  if (state.managed !== 'adopted') return 'child of this TUI';
  if (state.owner === 'background') return `${startedHere(state) ? 'started by this TUI' : 'started elsewhere'} in the background, outlives this TUI`;
  return state.owner === 'tui' ? 'child of another TUI' : 'started in a shell';
}
