// TUI timings for `npm run bench`: the shipped TUI bundle with real services on a CCS dir, mounted
// on a fake 120×40 terminal. First frame with accounts (from process start), then key press → next
// frame for j/k. Measured like the binary runs: React's production build (see source/ui/start.ts).
import {performance} from 'node:perf_hooks';
import {ccsPaths} from '../source/store/paths.js';
import {percentile} from './bench-stats.js';

/**
 * The shipped path, from process start: the TUI bundle (dist/tui/launch.js) mounted full screen on
 * a fake 120×40 terminal, exactly as `ccs-tui` mounts it, module loading included. Run as
 * `node dist/scripts/bench-tui.js <ccs dir>` so the process is fresh; prints one JSON line.
 */
export async function benchShippedTui(ccsDir: string, keys: number): Promise<{firstFrameMs: number; keypressP95Ms: number}> {
  process.env.NODE_ENV ??= 'production';
  const {FakeStdin, FakeStdout, keyBytes, stripAnsi} = await import('../test/helpers/fake-terminal.js');
  const stdout = new FakeStdout(120, 40);
  const stdin = new FakeStdin();
  const bundle = new URL('../tui/launch.js', import.meta.url).href;
  const {launchTui} = (await import(bundle)) as {launchTui: (ctx: unknown) => Promise<number>};
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
  const exited = launchTui(ctx);
  const withAccounts = () => frames.find((f) => /›\*/.test(stripAnsi(f.text)));
  await waitUntil(() => withAccounts() !== undefined);
  const firstFrameMs = withAccounts()!.at; // performance.now() counts from process start
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
  stdin.write('q');
  await exited;
  return {firstFrameMs, keypressP95Ms: percentile(times, 95)};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // process.stdout directly: the app patches console while it runs.
  try {
    process.stdout.write(`${JSON.stringify(await benchShippedTui(process.argv[2]!, 300))}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  }
}
