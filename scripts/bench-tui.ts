// TUI timings for `npm run bench`: the shipped TUI bundle with real services on a CCS dir, mounted
// on a fake 120×40 terminal. First frame with accounts (from process start), then key press → next
// frame for j/k. Measured like the binary runs: React's production build (see source/ui/start.ts).
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {ccsPaths} from '../source/store/paths.js';
import {percentile} from './bench-stats.js';

export interface TuiBenchResult {
  /** Process start → first frame with account rows (module loading included), ms. */
  firstFrameMs: number;
  /** Key press → next frame, p95, ms. */
  keypressP95Ms: number;
  /** A window with no key pressed: CPU used (% of one core) and frames written per second. */
  idle: {cpuPct: number; fps: number; seconds: number};
}

/**
 * The shipped path, from process start: the TUI bundle (dist/tui/launch-script.js) mounted full screen on
 * a fake 120×40 terminal with colour on, exactly as `ccs-tui` mounts it, module loading included.
 * `fresh`: keys first, then the idle window (the steady screen). `stale` (a cache older than the poll
 * interval): the idle window right after the first frame, while the poll runs, then keys.
 * Run as `node dist/scripts/bench-tui.js <ccs dir> <fresh|stale>` so the process is fresh; prints one JSON line.
 */
export async function benchShippedTui(ccsDir: string, mode: 'fresh' | 'stale', keys: number, idleMs: number): Promise<TuiBenchResult> {
  process.env.NODE_ENV ??= 'production';
  // Colour on, as users run it (the fake terminal is no TTY, so chalk must be told before it loads).
  process.env.FORCE_COLOR = '3';
  const {FakeStdin, FakeStdout, keyBytes, stripAnsi} = await import('../test/helpers/fake-terminal.js');
  const stdout = new FakeStdout(120, 40);
  const stdin = new FakeStdin();
  // As ccs-tui loads it (ui/start.ts): with V8's code cache from an earlier start.
  const {loadBundle} = await import('../source/ui/load-bundle.js');
  const {launchTui} = await loadBundle(fileURLToPath(new URL('../tui/launch-script.js', import.meta.url)));
  // Every frame with its time, recorded as it is written (two frames can come in one tick).
  const frames: {at: number; text: string}[] = [];
  let wake: (() => void) | undefined;
  stdout.on('frame', (text: string) => {
    frames.push({at: performance.now(), text});
    wake?.();
  });
  const waitUntil = async (done: () => boolean) => {
    const deadline = performance.now() + 5000;
    while (!done()) {
      if (performance.now() > deadline) throw new Error('bench-tui: no frame within 5 s');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  const ctx = {stdout, stdin, stderr: new FakeStdout(120, 40), env: {}, paths: ccsPaths(ccsDir)};
  const exited = launchTui(ctx as unknown as Parameters<typeof launchTui>[0]);
  const withAccounts = () => frames.find((f) => /›[*★]/.test(stripAnsi(f.text)));
  await waitUntil(() => withAccounts() !== undefined);
  const firstFrameMs = withAccounts()!.at; // performance.now() counts from process start

  const idleWindow = async () => {
    const seen = frames.length;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - start) / 1000;
    return {cpuPct: ((used.user + used.system) / 1e6 / seconds) * 100, fps: (frames.length - seen) / seconds, seconds};
  };
  const keyTimes = async () => {
    stdin.write(keyBytes('l')); // focus the accounts pane (no frame if it already has focus)
    await new Promise((resolve) => setTimeout(resolve, 100));
    const times: number[] = [];
    for (let i = -20; i < keys; i++) {
      const seen = frames.length;
      const sent = performance.now();
      stdin.write(keyBytes(i % 40 < 20 ? 'j' : 'k'));
      await waitUntil(() => frames.length > seen);
      if (i >= 0) times.push(frames[seen]!.at - sent);
      // Like a held key (auto-repeat ~30/s): the next press comes a little after the frame.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return percentile(times, 95);
  };

  let idle: TuiBenchResult['idle'];
  let keypressP95Ms: number;
  if (mode === 'stale') {
    idle = await idleWindow();
    keypressP95Ms = await keyTimes();
  } else {
    keypressP95Ms = await keyTimes();
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the last key's work settle
    idle = await idleWindow();
  }
  stdin.write('q');
  await exited;
  return {firstFrameMs, keypressP95Ms, idle};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // process.stdout directly: the app patches console while it runs.
  try {
    const mode = process.argv[3] === 'stale' ? 'stale' : 'fresh';
    const result = await benchShippedTui(process.argv[2]!, mode, mode === 'stale' ? 150 : 300, mode === 'stale' ? 5000 : 3000);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  }
}
