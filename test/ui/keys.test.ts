// Keys never leak into commands: every screen that offers `/` filters, and while a text field is
// open every key goes to it. Keys that arrive in one read all count, editing keys included.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {Route} from '../../source/core/app-state.js';
import {bindingsFor} from '../../source/core/keymap.js';
import {routeScopes} from '../../source/ui/router.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

async function open(route?: Route, wait = 'alice@example.com') {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route});
  await tui.waitFor(wait);
  return {ccs, tui};
}

const registry = (c: TempCcs) => JSON.parse(readFileSync(c.paths.registry, 'utf8'));

test('every screen whose hints offer / has a filter; login and proxy do not offer it', () => {
  for (const screen of ['home', 'quota', 'models'] as const) {
    assert.ok(bindingsFor(routeScopes({screen, params: {}})).some((b) => b.action === 'filter'), screen);
  }
  for (const screen of ['login', 'proxy', 'detail'] as const) {
    assert.ok(!bindingsFor(routeScopes({screen, params: {}})).some((b) => b.action === 'filter'), screen);
  }
});

test('quota: /work filters the rows (pressed or in one read), runs no command (the default stays), q in the field is text, Esc clears', async () => {
  const {tui, ccs} = await open({screen: 'quota', params: {}}, 'claude · work');
  const before = registry(ccs);
  await tui.press('/');
  await tui.type('work');
  let frame = await tui.waitFor(/\/work/);
  assert.ok(frame.includes('claude · work'), frame);
  assert.ok(!frame.includes('bob@example.com'), 'bob is filtered out');
  assert.ok(!frame.includes('carol@example.com'), 'carol is filtered out');
  await tui.press('q');
  frame = await tui.waitFor('/workq');
  assert.match(frame, /no account matches the filter/);
  await tui.press('backspace', 'enter');
  frame = await tui.waitFor('(Esc clears)');
  assert.deepEqual(registry(ccs), before, 'nothing ran: no default changed, no rotation');
  await tui.press('escape');
  await tui.waitFor((f) => f.includes('bob@example.com') && !f.includes('Esc clears'));
  // Typed in one read (a laggy SSH link), `/work` opens the filter with the letters in it.
  tui.write('/work');
  frame = await tui.waitFor((f) => f.includes('/work') && !f.includes('bob@example.com'));
  assert.ok(!frame.includes('paste ignored'), frame);
  await tui.press('escape');
  await tui.waitFor((f) => f.includes('bob@example.com') && !f.includes('Esc clears'));
  // Letters with no filter key in front are a paste: they run nothing and say how to filter.
  tui.write('workq');
  await tui.waitFor('paste ignored — press / to filter');
  assert.deepEqual(registry(ccs), before);
});

test('models: / filters the model list; the letters edit the filter, not the rules', async () => {
  const {tui} = await open({screen: 'models', params: {provider: 'claude'}}, 'Models ');
  await tui.press('/');
  await tui.type('haiku');
  const frame = await tui.waitFor(/· \d+ match/);
  const preview = frame.split('\n').filter((l) => /claude-/.test(l));
  assert.ok(preview.length > 0 && preview.every((l) => l.includes('haiku')), frame);
  assert.match(frame, /Exclusions \(0\)/, 'a (add exclusion) went into the filter');
  await tui.press('enter', 'escape');
  await tui.waitFor((f) => !f.includes('match') && f.includes('claude-opus-5'));
});

test('two Backspaces in one read in the rename field delete two characters; every editing key counts in a burst', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'n');
  await tui.waitFor('rename: work');
  tui.write('\u007f\u007f');
  await tui.waitFor(/rename: wo(?!r)/);
  // Ctrl-U then text and Enter, all in one read.
  tui.write('\u0015home\r');
  await tui.waitFor('renamed to home');
  assert.equal(registry(ccs).providers.claude.accounts['alice@example.com'].nickname, 'home');
  await tui.press('n');
  await tui.waitFor('rename: home');
  // Ctrl-W (word), Ctrl-A (start), Ctrl-E (end), Ctrl-H (Backspace), Ctrl-D (delete forward) in one read each.
  // A second read right behind the first waits its turn (never lands between the first's keys).
  tui.write('\u0017x\u0001y\u0005z\u0008');
  tui.write('\u0001\u0004\r');
  await tui.waitFor('renamed to x');
});

test('a burst in the filter field: text, Backspace, Enter in one read keep the filter and leave the field', async () => {
  const {tui} = await open();
  await tui.press('l', '/');
  tui.write('bobx\u007f\r');
  const frame = await tui.waitFor('(Esc clears)');
  assert.match(frame, /\/bob {2}\(Esc clears\)/);
  assert.ok(!frame.includes('alice@'), frame);
});

test('a text field on the login screen gets every key: q and 1 in the key field are text', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'bob'}}});
  await tui.waitFor('Enter skips');
  await tui.press('enter');
  await tui.waitFor('API key');
  await tui.type('q');
  await tui.press('1');
  const frame = await tui.waitFor('••');
  assert.match(frame, /API key/, 'still on the login screen: q did not quit, 1 did not switch');
});

/** The rules screen with one exclusion typed and not saved. */
async function unsavedRules(dir: TempCcs, pattern: string): Promise<TuiHandle> {
  const handle = await renderTui({paths: dir.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
  await handle.waitFor(/Models \d+\/15 visible/);
  await handle.press('a');
  await handle.type(pattern);
  await handle.press('enter');
  await handle.waitFor('* unsaved');
  return handle;
}

test('unsaved rules: Ctrl-C asks like q; No keeps the edits; a second Ctrl-C at the prompt quits', async () => {
  ccs = makeUiCcs();
  tui = await unsavedRules(ccs, '*haiku*');
  await tui.press('ctrl+c');
  const frame = await tui.waitFor('Quit and discard unsaved rule changes? [y/N, s: save, then quit]');
  assert.match(frame.split('\n').at(-1)!, /s save, then quit/, 'the hint bar lists the prompt\'s s too');
  await tui.press('n');
  await tui.waitFor((f) => f.includes('* unsaved') && !f.includes('[y/N'));
  await tui.press('q');
  await tui.waitFor('Quit and discard unsaved rule changes?');
  await tui.press('ctrl+c');
  await tui.exited;
});

test('unsaved rules: q in the ? or M overlay asks as q on the screen does (the overlay offers q quit)', async () => {
  ccs = makeUiCcs();
  tui = await unsavedRules(ccs, '*haiku*');
  for (const overlay of ['?', 'M']) {
    await tui.type(overlay);
    await tui.waitFor((f) => f.split('\n').at(-1)!.includes('Esc close'));
    await tui.press('q');
    await tui.waitFor('Quit and discard unsaved rule changes? [y/N, s: save, then quit]');
    await tui.press('n');
    await tui.waitFor((f) => f.includes('* unsaved') && !f.includes('[y/N'));
  }
  await tui.press('q');
  await tui.waitFor('Quit and discard unsaved rule changes?');
  await tui.press('y');
  await tui.exited;
});

test('unsaved rules: s at the quit prompt saves, then quits; s at the leave prompt saves, then goes back', async () => {
  ccs = makeUiCcs();
  tui = await unsavedRules(ccs, '*haiku*');
  await tui.press('escape');
  await tui.waitFor('Discard unsaved rule changes? [y/N, s: save, then go on]');
  await tui.press('s');
  await tui.waitFor(/saved claude rules to .*config\.yaml/);
  assert.match(readFileSync(ccs.paths.config, 'utf8'), /\*haiku\*/);
  tui.unmount();
  tui = await unsavedRules(ccs, '*sonnet*');
  await tui.press('q');
  await tui.waitFor('Quit and discard unsaved rule changes? [y/N, s: save, then quit]');
  await tui.press('s');
  await tui.exited;
  assert.match(readFileSync(ccs.paths.config, 'utf8'), /\*sonnet\*/);
});

test('with nothing unsaved Ctrl-C quits at once', async () => {
  const {tui: t} = await open({screen: 'models', params: {provider: 'claude'}}, 'Models 15/15');
  await t.press('ctrl+c');
  await t.exited;
});
