// Renders the TUI shell (real dispatcher, chrome and router, real services on a temp CCS dir) into a
// fake terminal of a given size, like ink-testing-library but with the size injected (its stdout is
// always 100 columns). Keys are written as the bytes a terminal sends.
// Import this helper BEFORE anything that loads Ink, so colours are on (force-color.ts).
import './force-color.js';
import {createElement} from 'react';
import type {Route} from '../../source/core/app-state.js';
import type {CcsPaths} from '../../source/store/paths.js';
import type {AccountsSnapshot} from '../../source/store/accounts.js';
import {App} from '../../source/ui/App.js';
import type {AppServices} from '../../source/ui/services.js';
import {buildServices, withTargets} from '../../source/ui/app-services.js';
import {fixedSize, holdCutEscapes} from '../../source/ui/terminal.js';
import {render} from 'ink';
import {FakeStdin, FakeStdout, keyBytes, stripAnsi} from './fake-terminal.js';

export {keyBytes, stripAnsi} from './fake-terminal.js';

export interface RenderTuiOptions {
  /** The CCS dir the real services work on (e.g. `makeTempCcs().paths`). */
  paths: CcsPaths;
  width?: number;
  height?: number;
  /** Environment seen by the app (NO_COLOR etc.); defaults to none of the host's variables. */
  env?: NodeJS.ProcessEnv;
  /** Replace any service (a FakeClock, a recording clipboard, ...). */
  services?: Partial<AppServices>;
  route?: Route;
  /** Start on this target (tui.json "targets"), as `ccs-tui --target NAME` does. */
  target?: string;
  /** Reads go through terminal.ts as the real terminal's do (holdCutEscapes: cut-off escape sequences held, unnamed Ctrl keys dropped). */
  terminalReads?: boolean;
  /** The accounts the first frame shows, as launch.ts hands them (`fromCache`: the last TUI's snapshot, read again after that frame). */
  initialAccounts?: {snapshot: AccountsSnapshot; fromCache: boolean};
}

export interface TuiHandle {
  /** The latest frame, ANSI stripped, trailing spaces trimmed per line. */
  frame(): string;
  /** The latest frame as written, with escape codes. */
  rawFrame(): string;
  /** How many frames were written so far (debug mode: one per React commit). */
  frameCount(): number;
  /** Presses keys (keymap names) one by one, each followed by the next frame (or a short settle). */
  press(...keys: string[]): Promise<void>;
  /** Types text as one chunk (like a paste) into whatever has focus. */
  type(text: string): Promise<void>;
  /** Resolves with the frame once `match` is in it (or the predicate holds), as settled after that commit's effects; rejects after `timeoutMs` showing the frame. */
  waitFor(match: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with performance.now() when the next frame is written (benchmarks). */
  nextFrameAt(): Promise<number>;
  /** Writes raw bytes to the app's stdin without waiting (benchmarks). */
  write(bytes: string): void;
  /** What was written to the normal screen while the TUI was suspended, joined. */
  normalScreen(): string;
  services: AppServices;
  /** Resolves when the app exited by itself (q). */
  exited: Promise<void>;
  unmount(): void;
}

const tidy = (frame: string) => stripAnsi(frame).split('\n').map((line) => line.trimEnd()).join('\n');

export async function renderTui(options: RenderTuiOptions): Promise<TuiHandle> {
  const width = options.width ?? 80;
  const height = options.height ?? 24;
  const stdout = new FakeStdout(width, height);
  const stdin = new FakeStdin();
  const size = fixedSize(width, height);
  // Suspending writes to the "normal screen" (recorded) and waits for no Enter.
  const normalScreen: string[] = [];
  // The page's text is kept: tests read what was shown (the tmux tests see the real screen).
  const suspended = {write: (text: string) => void normalScreen.push(text), waitForEnter: async () => undefined, privatePage: () => undefined};
  const {targets: _, ...base} = buildServices(options.paths, options.env ?? {}, stdout as unknown as NodeJS.WritableStream, (task) => task(suspended));
  const merged = {
    ...base,
    // No quota polling unless a test passes a poller pointed at its local servers (tests reach 127.0.0.1 only).
    quota: undefined,
    ...options.services,
  };
  // The target switch is built on the services as replaced, so `local` uses the test's poller and clock.
  const services: AppServices = options.services?.targets ? (merged as AppServices) : withTargets(merged);
  if (options.target) await services.targets.switchTo(options.target);
  if (options.terminalReads) holdCutEscapes(stdin as unknown as NodeJS.ReadStream);
  const initial = options.initialAccounts && {initialAccounts: options.initialAccounts.snapshot, initialFromCache: options.initialAccounts.fromCache};
  const instance = render(createElement(App, {services, size, initialRoute: options.route, ...initial}), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout(width, height) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const last = () => stdout.frames.at(-1) ?? '';

  const nextFrame = (timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        stdout.off('frame', done);
        // Let effects triggered by this frame run before the test looks.
        setImmediate(resolve);
      }
      stdout.on('frame', done);
    });

  const handle: TuiHandle = {
    frame: () => tidy(last()),
    rawFrame: last,
    frameCount: () => stdout.frames.length,
    async press(...keys) {
      for (const key of keys) {
        const next = nextFrame(150);
        stdin.write(keyBytes(key));
        await next;
      }
    },
    async type(text) {
      const next = nextFrame(150);
      stdin.write(text);
      await next;
    },
    waitFor(match, timeoutMs = 5000) {
      const test = (frame: string) =>
        typeof match === 'string' ? frame.includes(match) : match instanceof RegExp ? match.test(frame) : match(frame);
      return new Promise((resolve, reject) => {
        const check = () => {
          const frame = tidy(last());
          if (!test(frame)) return false;
          clearTimeout(timer);
          stdout.off('frame', onFrame);
          // A commit's layout effects (the hint bar following a field or step just mounted) write a
          // second frame in the same tick: the frame settled after them is what a person sees. The
          // matching frame is kept if the settled one no longer matches (a state meant to pass by).
          setImmediate(() => {
            const settled = tidy(last());
            resolve(test(settled) ? settled : frame);
          });
          return true;
        };
        const onFrame = () => void check();
        const timer = setTimeout(() => {
          stdout.off('frame', onFrame);
          reject(new Error(`waitFor(${String(match)}) timed out; last frame:\n${tidy(last())}`));
        }, timeoutMs);
        stdout.on('frame', onFrame);
        check();
      });
    },
    async resize(nextWidth, nextHeight) {
      stdout.columns = nextWidth;
      stdout.rows = nextHeight;
      const next = nextFrame(150);
      size.resize(nextWidth, nextHeight);
      await next;
    },
    nextFrameAt: () => new Promise((resolve) => stdout.once('frame', () => resolve(performance.now()))),
    write: (bytes) => stdin.write(bytes),
    normalScreen: () => normalScreen.join(''),
    services,
    exited: instance.waitUntilExit().then(() => undefined),
    unmount: () => {
      instance.unmount();
      instance.cleanup();
      services.targets.dispose();
    },
  };
  return handle;
}

/** For a test file's afterEach: unmounts the TUI, removes its CCS dir, returns the cleared pair. */
export function cleanUp(tui?: TuiHandle, ccs?: {cleanup(): void}): [undefined, undefined] {
  tui?.unmount();
  ccs?.cleanup();
  return [undefined, undefined];
}

/**
 * Resolves once no frame was drawn for `quietMs` (or after `timeoutMs`, for the assertion that
 * follows to say what kept drawing): whatever came before is done, so frames counted after it are
 * the ones the next event draws. A fixed wait is not that on a loaded machine (CI's two cores), where
 * a start's or a key's last frames come late and land in the window counted.
 */
export async function untilQuiet(tui: Pick<TuiHandle, 'frameCount'>, quietMs = 500, timeoutMs = 5000): Promise<void> {
  for (let waited = 0, last = -1; waited < timeoutMs && tui.frameCount() !== last; waited += quietMs) {
    last = tui.frameCount();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}
