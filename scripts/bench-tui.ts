// TUI timings for `npm run bench`: the real App with real services on a CCS dir, rendered into a
// fake 120×40 terminal. First frame with accounts, then key press → next frame for j/k.
// Measured like the binary runs: React's production build (see source/ui/start.ts).
import {performance} from 'node:perf_hooks';
import {ccsPaths} from '../source/store/paths.js';
import {percentile} from './bench-stats.js';


export async function benchTuiFrames(ccsDir: string, keys = 200): Promise<{firstFrameMs: number; keypressP95Ms: number}> {
  process.env.NODE_ENV ??= 'production';
  const {keyBytes, renderTui} = await import('../test/helpers/ink.js');
  const paths = ccsPaths(ccsDir);
  const start = performance.now();
  const tui = await renderTui({paths, width: 120, height: 40});
  try {
    // The first account row of the first provider, whatever its name.
    await tui.waitFor(/›\*/, 10_000);
    const firstFrameMs = performance.now() - start;
    await tui.press('l'); // focus the (long) accounts list
    const times: number[] = [];
    // The first keys warm up the JIT; they are not counted.
    const warmUp = 20;
    for (let i = -warmUp; i < keys; i++) {
      // Down for a while, then back up, so every key changes the screen.
      const key = i % 40 < 20 ? 'j' : 'k';
      const frame = tui.nextFrameAt();
      const sent = performance.now();
      tui.write(keyBytes(key));
      const at = await frame;
      if (i >= 0) times.push(at - sent);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return {firstFrameMs, keypressP95Ms: percentile(times, 95)};
  } finally {
    tui.unmount();
  }
}
