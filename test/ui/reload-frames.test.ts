// A token file rewritten on disk (a refresh during a quota poll: with 1,000 accounts, one every few
// hundred ms) is re-read and drawn once. Counted, not timed: Ink's debug mode writes one frame per
// React commit. The agents' credential files (native mode) are read again with every re-read of the
// accounts; the same answer must not commit the screen a second time.
import {renderTui, untilQuiet, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => {
  tui?.unmount();
  ccs?.cleanup();
  tui = undefined;
  ccs = undefined;
});

const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';

test('home screen: a token file rewritten as a refresh writes it (temp file, rename) is drawn with one frame', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 30});
  await tui.waitFor((f) => /in 1h/.test(lineWith(f, 'bob@')));
  await untilQuiet(tui);
  const before = tui.frameCount();
  const file = path.join(ccs.paths.authDir, 'claude-bob@example.com.json');
  const temp = path.join(ccs.paths.authDir, '.claude-bob@example.com.json.1.00000000.tmp');
  writeFileSync(temp, JSON.stringify(tokenFixture('claude', 'bob@example.com', {access_token: 'at-claude-bob-refreshed-0123456789', expired: new Date(Date.now() + 5 * 3600_000 + 30_000).toISOString()})), {mode: 0o600});
  renameSync(temp, file);
  await tui.waitFor((f) => /in 5h/.test(lineWith(f, 'bob@')));
  await untilQuiet(tui);
  assert.match(lineWith(tui.frame(), 'alice'), /in 1h/, 'the other rows are as they were');
  assert.equal(tui.frameCount() - before, 1, 'one frame for the re-read');
});
