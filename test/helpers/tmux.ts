// Drives a program in a real terminal: a detached tmux session of a fixed size. Type with keys(),
// read the screen with screen(), ask tmux about the pane (alternate screen on? process exited?).
// The program runs under a small shell that prints its exit status and keeps the pane open, so the
// terminal state after exit can be checked (with remain-on-exit alone, tmux may stop reading the
// pane before the program's last bytes, e.g. leaving the alternate screen, arrive).
import {execFileSync, spawnSync} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {afterEach} from 'node:test';
import type {TempCcs} from './ccs.js';
import {binPath} from './cli.js';

export const hasTmux = (): boolean => spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;

/** Why a tmux test is skipped, or false when tmux is there. */
export const tmuxSkipReason = (): string | false => (hasTmux() ? false : 'tmux is not installed (.ci/run installs it with apt-get)');

export interface TmuxSession {
  name: string;
  /** Sends tmux key names (`j`, `Enter`, `Escape`, `C-c`, `Up`) or literal text with {literal: true}. */
  keys(keys: string[], options?: {literal?: boolean}): void;
  /**
   * The visible screen as text (`-e` keeps colours; `joined`: `-J`, soft-wrapped lines joined back
   * into one; `history`: the scrollback above it too).
   */
  screen(options?: {colors?: boolean; joined?: boolean; history?: boolean}): string;
  /** Pastes `text` as a terminal does: in bracketed paste markers when the program turned that mode on. */
  paste(text: string): void;
  /** The newest tmux paste buffer: what the program copied with OSC 52 (the server accepts it). */
  buffer(): string;
  /** A tmux format about the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_width}`. */
  display(format: string): string;
  /** The program's pid (a child of the pane's shell), for sending it signals. */
  programPid(): number;
  /** Resizes the window (the program gets SIGWINCH). */
  resize(width: number, height: number): void;
  waitFor(test: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Waits until the program in the pane has exited; resolves with its exit status. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** `<index> <name> <pane pid>` per window of the session. */
  windows(): string[];
  /** Makes a window the active one (where keys() and screen() go). */
  selectWindow(index: number | string): void;
  /** The screen of another window of the session. */
  windowScreen(index: number | string): string;
  kill(): void;
}

const EXIT_MARK = '__program_exited_with=';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface TmuxOptions {
  width?: number;
  height?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Set after the defaults (CI=false, TERM=xterm-256color): to test CI=true or TERM=dumb. */
  terminalEnv?: Record<string, string>;
  /** Sets TMUX for the program as tmux would, so it can open windows in this session's server. */
  insideTmux?: boolean;
}

/**
 * Starts `command` (argv) in a new detached session. Each session gets its own tmux server socket
 * (-L), so tests never touch a person's tmux and run in parallel.
 */
export function startTmux(command: string[], options: TmuxOptions = {}): TmuxSession {
  const name = `ccs-tui-${randomUUID().slice(0, 8)}`;
  const socket = name;
  const tmux = (args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8', env: {...process.env, TMUX: ''}});
  const env = options.env ?? process.env;
  // tmux starts the command through the server's environment; pass ours explicitly with `env`.
  // TMUX is `<server socket>,<server pid>,<session>`; tmux clients connect to the socket it names.
  const socketPath = `${process.env.TMUX_TMPDIR || '/tmp'}/tmux-${process.getuid?.() ?? 0}/${socket}`;
  const envArgs = Object.entries({...env, CI: 'false', TERM: 'xterm-256color', ...(options.insideTmux ? {TMUX: `${socketPath},0,0`} : {}), ...options.terminalEnv})
    .filter(([key, value]) => value !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => `${key}=${value}`);
  tmux([
    '-f', '/dev/null',
    'new-session', '-d', '-s', name,
    '-x', String(options.width ?? 80), '-y', String(options.height ?? 24),
    ...(options.cwd ? ['-c', options.cwd] : []),
    // The trap: a Ctrl-C typed while the program's terminal is in cooked mode (a program it runs in the
    // foreground) reaches the whole process group; a shell waiting in the pane must not die of it.
    'env', '-i', ...envArgs, 'sh', '-c', `trap true INT; "$@"; echo "${EXIT_MARK}$?"; exec sleep 86400`, 'sh', ...command,
  ]);
  // Keep the window at the size asked for, whatever clients attach.
  tmux(['set-window-option', '-t', name, 'window-size', 'manual']);
  // OSC 52 from the program makes a paste buffer (buffer()), as a person's `set -g set-clipboard on` does.
  tmux(['set-option', '-s', 'set-clipboard', 'on']);

  const session: TmuxSession = {
    name,
    keys(keys, opts = {}) {
      tmux(['send-keys', '-t', name, ...(opts.literal ? ['-l'] : []), ...keys]);
    },
    screen(opts = {}) {
      return tmux(['capture-pane', '-p', ...(opts.colors ? ['-e'] : []), ...(opts.joined ? ['-J'] : []), ...(opts.history ? ['-S', '-'] : []), '-t', name]);
    },
    paste(text) {
      tmux(['set-buffer', '-b', 'typed-paste', '--', text]);
      tmux(['paste-buffer', '-p', '-d', '-b', 'typed-paste', '-t', name]);
    },
    buffer() {
      return tmux(['show-buffer']);
    },
    display(format) {
      return tmux(['display-message', '-p', '-t', name, format]).trim();
    },
    async waitFor(test, timeoutMs = 10_000) {
      const matches = (screen: string) =>
        typeof test === 'string' ? screen.includes(test) : test instanceof RegExp ? test.test(screen) : test(screen);
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < deadline) {
        screen = session.screen();
        if (matches(screen)) return screen;
        await sleep(50);
      }
      throw new Error(`tmux waitFor(${String(test)}) timed out; screen:\n${screen}`);
    },
    async waitForExit(timeoutMs = 10_000) {
      const screen = await session.waitFor((text) => text.includes(EXIT_MARK), timeoutMs);
      return Number(new RegExp(`${EXIT_MARK}(\\d+)`).exec(screen)![1]);
    },
    programPid() {
      const shell = session.display('#{pane_pid}');
      const children = execFileSync('ps', ['-o', 'pid=', '--ppid', shell], {encoding: 'utf8'}).trim().split(/\s+/);
      if (!children[0]) throw new Error('tmux: the program is not running');
      return Number(children[0]);
    },
    resize(width, height) {
      tmux(['resize-window', '-t', name, '-x', String(width), '-y', String(height)]);
    },
    windows() {
      return tmux(['list-windows', '-t', name, '-F', '#{window_index} #{window_name} #{pane_pid}']).trim().split('\n');
    },
    selectWindow(index) {
      tmux(['select-window', '-t', `${name}:${index}`]);
    },
    windowScreen(index) {
      return tmux(['capture-pane', '-p', '-t', `${name}:${index}`]);
    },
    kill() {
      // The programs get SIGHUP and may still write as they quit (the TUI keeps its accounts snapshot
      // in the CCS dir): waited for, so a cleanup right after does not race them.
      const programs = paneProcesses(socket);
      spawnSync('tmux', ['-L', socket, 'kill-server'], {stdio: 'ignore'});
      waitGone(programs, 5000);
    },
  };
  return session;
}

/** The pids of every pane's shell in the tmux server on `socket` and of their children. */
function paneProcesses(socket: string): number[] {
  const listed = spawnSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{pane_pid}'], {encoding: 'utf8'});
  const shells = (listed.stdout ?? '').split(/\s+/).filter(Boolean).map(Number);
  return shells.flatMap((shell) => {
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(shell)], {encoding: 'utf8'}).stdout ?? '';
    return [shell, ...children.split(/\s+/).filter(Boolean).map(Number)];
  });
}

/** Waits (blocking, a few ms at a time) until none of `pids` runs, or `timeoutMs` has passed; a zombie counts as gone. */
function waitGone(pids: number[], timeoutMs: number): void {
  const running = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + timeoutMs;
  while (pids.some(running) && Date.now() < until) Atomics.wait(pause, 0, 0, 10);
}

/** Why a test of the built binary in tmux is skipped: no tmux, or the binary is not built yet. */
export const binInTmuxSkipReason = (): string | false =>
  tmuxSkipReason() || (existsSync(binPath) ? false : `build first: ${binPath} is missing (npx tsc -p .)`);

/**
 * For a test file that runs the built binary in tmux (80×24): returns `start(ccs)`. After each test
 * the session started is killed and its CCS dir removed.
 */
export function binInTmux(): (ccs: TempCcs, options?: TmuxOptions) => TmuxSession {
  let ccs: TempCcs | undefined;
  let tmux: TmuxSession | undefined;
  afterEach(() => {
    tmux?.kill();
    ccs?.cleanup();
    tmux = ccs = undefined;
  });
  return (dir, options = {}) => {
    ccs = dir;
    tmux = startTmux([process.execPath, binPath], {env: dir.env, width: 80, height: 24, ...options});
    return tmux;
  };
}

/** A URL drawn as whole rows between the lines holding `before` and `after` on a screen, unwrapped. */
export function urlBetween(screen: string, before: string, after: string): string {
  const lines = screen.split('\n');
  const start = lines.findIndex((l) => l.includes(before));
  const end = lines.findIndex((l, i) => i > start && l.includes(after));
  return lines.slice(start + 1, end).map((l) => l.trim()).join('');
}

/**
 * Moves the list cursor with `key` one press at a time, as a person would, until `target` is on the
 * screen: each press waits until the cursor row (the line with `›`) has changed, so a screen that
 * lags under load is never pressed past its target. Throws after `max` presses.
 */
export async function moveCursorTo(session: TmuxSession, target: RegExp, key = 'j', max = 15): Promise<string> {
  const cursorRow = (screen: string) => screen.split('\n').find((line) => line.includes('›')) ?? '';
  let screen = session.screen();
  for (let press = 0; press < max; press++) {
    if (target.test(screen)) return screen;
    const before = cursorRow(screen);
    session.keys([key]);
    screen = await session.waitFor((text) => cursorRow(text) !== before);
  }
  if (target.test(screen)) return screen;
  throw new Error(`moveCursorTo(${String(target)}): not reached after ${max} presses of ${key}; screen:\n${screen}`);
}
