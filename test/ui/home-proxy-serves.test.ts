// The accounts list marks with ★ (in the default's `*` place, as the quota screen does) the account the
// running proxy serves, only while one runs, following it as it rotates; the help says what ★ is.
// 80×24, a frame only when the served account changes. The real proxy child under the real supervisor.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';

const API_KEY = 'home-serves-key-0123456789abcdef';
const started: Partial<SupervisedProxy> & {tui?: TuiHandle} = {};
afterEach(() => stopSupervised(started));
const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';
/** The two mark cells (cursor, then `*` default or ★) of the account row naming `email`. */
const marks = (frame: string, email: string) => /┃ (..)/.exec(lineWith(frame, email))?.[1];

test('★ marks the account the running proxy serves on the accounts list, moves when it rotates, and goes when the proxy stops', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 80, height: 24, services: {proxy: supervisor}}));
  await tui.press('l');
  let frame = await tui.waitFor('bob@example.com');
  // No proxy: no ★, the default keeps its `*`.
  assert.doesNotMatch(frame, /★/);
  assert.equal(marks(frame, 'alice@example.com'), '›*');

  await supervisor.start({provider: 'claude'});
  frame = await tui.waitFor((f) => marks(f, 'alice@example.com') === '›★', 15_000);
  assert.equal(marks(frame, 'bob@example.com'), '  ');
  // Nothing else moved: the rows still fit 80 columns (the frame is 80 wide, its right border whole).
  for (const line of frame.split('\n')) assert.ok(line.length <= 80, line);

  // The proxy's own news (its status every second, with its traffic) draws nothing here, once the
  // start has settled (the files it writes are read again).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = tui.frameCount();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(tui.frameCount(), before, 'the running proxy\'s status drew frames on the accounts list with nothing changed');
  // Its next account moves the ★.
  await supervisor.rotate();
  frame = await tui.waitFor((f) => marks(f, 'bob@example.com') === ' ★', 5000);
  // alice is still the default: its `*` is back.
  assert.equal(marks(frame, 'alice@example.com'), '›*');

  await supervisor.stop();
  frame = await tui.waitFor((f) => !f.includes('★'), 5000);
  // The help says what ★ is (scrolled to, at 80×24).
  await tui.press('?');
  await tui.waitFor('Keys (Esc or ? closes)');
  for (let i = 0; i < 30 && !tui.frame().includes('★ marks what it serves'); i++) await tui.press('j');
  assert.match(tui.frame(), /s +Serve this account with the proxy \(★ marks what it serves\)/);
});
