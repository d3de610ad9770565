// ★ means one thing on the accounts list and the quota screen: for each provider, the account its pool
// serves next (in the default's `*` place): the running proxy's answer for the provider it serves,
// following it as it rotates; for a provider no proxy serves, where a proxy started now would begin.
// The help and the quota legend say so. 80×24, a frame only when the marked account changes. The real
// proxy child under the real supervisor.
import {renderTui, untilQuiet, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {tokenFixture} from '../helpers/ccs.js';
import {stopSupervised, supervisedProxy, type SupervisedProxy} from './supervised-proxy.js';

const API_KEY = 'home-serves-key-0123456789abcdef';
const started: Partial<SupervisedProxy> & {tui?: TuiHandle} = {};
afterEach(() => stopSupervised(started));
const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';
/** The two mark cells (cursor, then `*` default or ★) of the account row naming `email`. */
const marks = (frame: string, email: string) => /┃ (..)/.exec(lineWith(frame, email))?.[1];

test('★ marks the account the pool serves next on the accounts list, follows the running proxy as it rotates, and is the pool\'s first again when it stops', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 80, height: 24, services: {proxy: supervisor}}));
  await tui.press('l');
  let frame = await tui.waitFor('bob@example.com');
  // No proxy: the pool of two would begin on the default, alice: ★ in its `*`'s place.
  frame = await tui.waitFor((f) => marks(f, 'alice@example.com') === '›★');
  assert.equal(marks(frame, 'bob@example.com'), '  ');

  await supervisor.start({provider: 'claude'});
  await supervisor.settled();
  frame = await tui.waitFor((f) => marks(f, 'alice@example.com') === '›★', 15_000);
  assert.equal(marks(frame, 'bob@example.com'), '  ');
  // Nothing else moved: the rows still fit 80 columns (the frame is 80 wide, its right border whole).
  for (const line of frame.split('\n')) assert.ok(line.length <= 80, line);

  // The proxy's own news (its status every second, with its traffic) draws nothing here, once the
  // start has settled (the files it writes are read again).
  await untilQuiet(tui);
  const before = tui.frameCount();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(tui.frameCount(), before, 'the running proxy\'s status drew frames on the accounts list with nothing changed');
  // Its next account moves the ★.
  await supervisor.rotate();
  frame = await tui.waitFor((f) => marks(f, 'bob@example.com') === ' ★', 5000);
  // alice is still the default: its `*` is back.
  assert.equal(marks(frame, 'alice@example.com'), '›*');

  await supervisor.stop();
  frame = await tui.waitFor((f) => marks(f, 'alice@example.com') === '›★' && marks(f, 'bob@example.com') === '  ', 5000);
  // The help says what ★ is (scrolled to, at 80×24).
  await tui.press('?');
  await tui.waitFor('Keys (Esc or ? closes)');
  for (let i = 0; i < 30 && !tui.frame().includes('pool serves next'); i++) await tui.press('j');
  // Wrapped in the overlay's column: the words, border characters left out.
  const words = tui.frame().replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
  assert.match(words, /s Serve this account with the proxy \(★ marks the account each provider's pool serves next;/);
});

test('a proxy serving claude only: the accounts list and the quota screen put ★ on the same accounts, one per provider with a pool', async () => {
  const {ccs, supervisor} = await supervisedProxy(API_KEY, started);
  // codex gets a second account: a pool no proxy serves.
  ccs.writeToken('codex-personal.json', tokenFixture('codex', 'dan@example.com'));
  const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
  registry.providers.codex.accounts['dan@example.com'] = {email: 'dan@example.com', nickname: 'personal', tokenFile: 'codex-personal.json'};
  writeFileSync(ccs.paths.registry, JSON.stringify(registry));
  await supervisor.start({provider: 'claude'});
  await supervisor.settled();
  await supervisor.rotate();
  const tui = (started.tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {proxy: supervisor}}));
  await tui.press('l');
  // claude: the proxy's own next (bob, after the rotation); codex: where its pool would begin (the default, carol).
  let frame = await tui.waitFor((f) => marks(f, 'bob@example.com') === ' ★', 15_000);
  assert.equal(marks(frame, 'alice@example.com'), '›*');
  await tui.press('h', 'j', 'l');
  frame = await tui.waitFor((f) => marks(f, 'carol@example.com') !== undefined && marks(f, 'dan@example.com') !== undefined);
  assert.equal(marks(frame, 'carol@example.com'), '›★');
  assert.equal(marks(frame, 'dan@example.com'), '  ');
  await tui.press('2');
  frame = await tui.waitFor('★ pool serves next');
  const starred = frame.split('\n').filter((line) => /^.★ /.test(line)).map((line) => line.slice(3).split(/\s{2,}/)[0]);
  assert.deepEqual(starred.sort(), ['claude · bob@example.com', 'codex · carol@example.com']);
});
