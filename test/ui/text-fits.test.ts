// Text fits: the `?` overlay wraps instead of cutting, every status message can be read in full
// (M), status messages expire, and the proxy screen never shows a half-masked placeholder.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {bindingsFor, KEY_BINDINGS} from '../../source/core/keymap.js';
import {routeScopes} from '../../source/ui/router.js';
import type {TempCcs} from '../helpers/ccs.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const flat = (frame: string) => frame.replace(/[│┃╭╮╰╯─━]/g, ' ').replace(/\s+/g, ' ');

test('? at 60×20 wraps every description instead of cutting it, and scrolls with j/k when they do not all fit', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  await tui.waitFor('work · alice@');
  await tui.press('?');
  let frame = await tui.waitFor('Keys (');
  assert.match(frame, /↓ \d+ more · j\/k scroll/);
  const overlay = (f: string) => f.split('Keys (')[1]!.split('3 accounts')[0]!;
  assert.ok(!/\S…/.test(overlay(frame)), 'nothing in the overlay is cut');
  const wanted = bindingsFor(routeScopes({screen: 'home', params: {}})).at(-1)!.description;
  for (let i = 0; i < 40 && !flat(tui.frame()).includes(wanted); i++) await tui.press('j');
  frame = tui.frame();
  assert.ok(flat(frame).includes(wanted), frame);
  assert.match(frame, /↑ \d+ above/);
  assert.ok(!/\S…/.test(overlay(frame)));
  await tui.press('escape');
  await tui.waitFor((f) => !f.includes('Keys ('));
});

test('? at 160×45 shows every key in columns, none cut, no scrolling', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 160, height: 45});
  await tui.waitFor('alice@example.com');
  await tui.press('?');
  const frame = await tui.waitFor('Keys (');
  assert.doesNotMatch(frame, /scroll/);
  assert.ok(flat(frame).includes("Rotate the provider's default to the next usable account"));
});

test('a status message longer than the line ends in … (M); M shows every message in full, newest first', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  await tui.waitFor('work · alice@');
  const nick = 'a-very-long-nickname-for-the-second-account';
  await tui.press('l', 'j', 'n', 'ctrl+u');
  await tui.type(nick);
  await tui.press('enter');
  await tui.waitFor(`renamed to ${nick}`);
  await tui.press('u');
  let frame = await tui.waitFor('(M)');
  assert.match(frame, /a-very-long-nickname-for-the-second-account is now the ?… \(M\)/);
  await tui.press('M');
  frame = flat(await tui.waitFor('Messages, newest first'));
  const newest = frame.indexOf(`${nick} is now the default claude account`);
  const older = frame.indexOf(`renamed to ${nick}`);
  assert.ok(newest > 0 && older > newest, frame);
  await tui.press('M');
  await tui.waitFor((f) => !f.includes('Messages, newest first'));
  assert.ok(KEY_BINDINGS.some((b) => b.action === 'messages'), 'M is in the keymap (and so in ? and the README)');
});

test('status messages expire (10 s, errors 30 s); the log keeps them', async () => {
  ccs = makeUiCcs();
  const clock = new FakeClock(Date.now());
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {clock}});
  await tui.waitFor('alice@example.com');
  // bob: work is the default already (u on it changes nothing and says so).
  await tui.press('l', 'j', 'u');
  await tui.waitFor('bob@example.com is now the default claude account');
  await clock.advance(9_000);
  assert.ok(tui.frame().includes('bob@example.com is now the default'), 'still shown at 9 s');
  await clock.advance(1_500);
  await tui.waitFor((f) => !f.includes('is now the default'));
  await tui.press('M');
  await tui.waitFor('bob@example.com is now the default claude account');
});

test('the proxy screen shows the "no api-keys yet" placeholder whole, never half-masked', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', 'port: 18998\n');
  tui = await renderTui({paths: ccs.paths, width: 120, height: 24, route: {screen: 'proxy', params: {}}});
  const frame = await tui.waitFor('ANTHROPIC_AUTH_TOKEN');
  assert.match(frame, /export ANTHROPIC_AUTH_TOKEN='<no api-keys in config\.yaml yet: c or s generates and saves one>'/);
});

test('while a text field is open, a cut status message says M is for after the field (M would type into it)', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  await tui.waitFor('work · alice@');
  await tui.press('l', 'n', 'ctrl+u');
  await tui.type('sk-proj-abcdefghijklmnop');
  await tui.press('enter');
  let frame = await tui.waitFor('(M once the field closes)');
  assert.match(frame, /rename:/, 'the field is still open');
  assert.doesNotMatch(frame, /\(M\)/);
  await tui.press('escape');
  frame = await tui.waitFor((f) => !/rename:/.test(f));
  assert.doesNotMatch(frame, /once the field closes/);
});
