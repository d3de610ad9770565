// An account row is not drawn again for a clock tick that leaves its texts as they were (home
// screen: sameAccountRow), but one whose TOKEN text the clock moved is drawn anew at the next redraw.
import {renderTui, untilQuiet} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {tokenFixture} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

test("a redraw for another provider's file shows a row's TOKEN text as the clock has moved it", async () => {
  const ccs = makeUiCcs();
  // Expired and with nothing to refresh it with: its TOKEN text moves every second ("15s ago", "18s ago").
  ccs.writeToken('claude-bob@example.com.json', {...tokenFixture('claude', 'bob@example.com', {expired: new Date(Date.now() - 15_000).toISOString()}), refresh_token: undefined});
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 24});
  try {
    const agoOf = (frame: string) => Number(/bob@example\.com.*? (\d+)s ago/.exec(frame)?.[1]);
    const first = agoOf(await tui.waitFor((f) => /bob@example\.com.*? \d+s ago/.test(f)));
    await untilQuiet(tui);
    await sleep(2500);
    // Carol's file (Codex) changes: the home screen draws again; Claude's rows and their widths are as they were.
    ccs.writeToken('codex-carol@example.com.json', tokenFixture('codex', 'carol@example.com', {last_refresh: new Date().toISOString()}));
    const later = agoOf(await tui.waitFor((f) => agoOf(f) > first, 10_000));
    assert.ok(later < 60, `still in seconds (${later}s): the TOKEN column kept its width`);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});
