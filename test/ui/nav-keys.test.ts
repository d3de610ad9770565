// A key read right after one that changes the screen (in the same read, or in the next one before
// anything rendered) belongs to the new screen: it is never lost and never goes to the old one.
// The dispatcher routes by the route state as of the last action and holds the key until the new
// screen has mounted (and loaded what its keys act on).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';
import {FakeClock} from '../helpers/fake-clock.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const defaultOf = (c: TempCcs, provider: string) => JSON.parse(readFileSync(c.paths.registry, 'utf8')).providers[provider].default;
const hidesEmpty = (frame: string) => frame.includes('Accounts ·') && !frame.includes('Gemini');

interface Case {
  name: string;
  /** Keys pressed (and rendered) before, to reach the state the case starts from. */
  before?: string[];
  /** What the screen shows once it is ready for the case (after `before`). */
  ready: string;
  first: string;
  second: string;
  /** Two writes only: Esc followed by a letter in one read is Alt+letter to every terminal. */
  splitOnly?: boolean;
  /** The frame (and files) once the second key acted on the new screen. */
  done: (frame: string, c: TempCcs) => boolean;
}

const CASES: Case[] = [
  {name: 'accounts → quota (2, j moves the quota cursor)', ready: 'alice@example.com', first: '2', second: 'j',
    done: (f) => f.includes('· Quota ·') && /^›.*bob@example\.com/m.test(f)},
  {name: 'accounts → models (m, a opens the exclusion field)', ready: 'alice@example.com', first: 'm', second: 'a',
    done: (f) => f.includes('· Model rules ·') && /Enter saves|Esc cancels|pattern/i.test(f)},
  {name: 'accounts → provider picker (a, Enter chooses the highlighted provider)', ready: 'alice@example.com', first: 'a', second: '\r',
    done: (f) => f.includes('Claude — add an account')},
  {name: 'provider picker → login (Enter, c copies the URL)', before: ['a'], ready: 'Which provider?', first: '\r', second: 'c',
    done: (f) => f.includes('copied the login URL')},
  {name: 'accounts → detail (Enter, Enter makes bob the default)', ready: 'alice@example.com', before: ['l', 'j'], first: '\r', second: '\r',
    done: (f, c) => f.includes('· Account ·') && defaultOf(c, 'claude') === 'bob@example.com'},
  {name: 'accounts → targets (T, Enter switches and comes back)', ready: 'alice@example.com', first: 'T', second: '\r',
    done: (f) => f.includes('· Accounts ·') && /local/.test(f.split('\n').at(-2) ?? '')},
  {name: 'detail → accounts (Esc, H hides empty providers)', ready: 'alice@example.com', before: ['l', 'enter'], first: '\u001b', second: 'H', splitOnly: true,
    done: hidesEmpty},
  {name: 'quota → accounts (1, H hides empty providers)', before: ['2'], ready: 'claude · work', first: '1', second: 'H', done: hidesEmpty},
  {name: 'models → accounts (1, H)', before: ['3'], ready: 'claude-opus-5', first: '1', second: 'H', done: hidesEmpty},
  {name: 'proxy → quota (2, j)', before: ['4'], ready: 'stopped', first: '2', second: 'j',
    done: (f) => f.includes('· Quota ·') && /^›.*bob@example\.com/m.test(f)},
  // Esc from a login chosen in the provider picker goes back to the picker (on Claude); j moves there.
  {name: 'login → provider picker (Esc, j)', before: ['a', 'enter'], ready: 'Open this address', first: '\u001b', second: 'j', splitOnly: true,
    done: (f) => f.includes('Which provider?') && /^› Codex/m.test(f)},
  {name: 'proxy → models (3, a)', before: ['4'], ready: 'stopped', first: '3', second: 'a',
    done: (f) => f.includes('· Model rules ·') && /Enter saves|Esc cancels|pattern/i.test(f)},
];

for (const c of CASES) {
  for (const mode of c.splitOnly ? ['two writes'] : ['two writes', 'one write']) {
    test(`${c.name}, ${mode} with no delay: the second key acts on the new screen`, async () => {
      ccs = makeUiCcs();
      tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
      await tui.waitFor('alice@example.com');
      if (c.before) await tui.press(...c.before);
      await tui.waitFor(c.ready);
      if (mode === 'two writes') {
        tui.write(c.first);
        tui.write(c.second);
      } else tui.write(c.first + c.second);
      const at = ccs;
      await tui.waitFor((frame) => c.done(frame, at), 4000);
    });
  }
}

test('a paste outside a text field still runs nothing, a screen key in front of it too', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  const before = readFileSync(ccs.paths.registry, 'utf8');
  tui.write('workq');
  await tui.waitFor('paste ignored');
  tui.write('2workq');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const frame = tui.frame();
  assert.match(frame, /paste ignored/);
  assert.match(frame, /· Accounts ·/, 'the 2 in front did not open the quota screen');
  assert.equal(readFileSync(ccs.paths.registry, 'utf8'), before, 'nothing ran');
});

// A key that opens a text field, with text typed right behind it in the same read (typing `/work`
// over a laggy SSH link): the key opens the field and the rest is typed into it, in order.
test('a burst that opens a field types the rest into it: / filters, : jumps, n renames, models a/A add', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  const t = tui;
  await t.waitFor('alice@example.com');
  await t.press('l');
  await t.waitFor('▶ Claude accounts');
  t.write('/bo');
  let frame = await t.waitFor('/bo');
  assert.ok(!frame.includes('paste ignored') && !frame.includes('alice@example.com'), 'the filter opened with "bo" in it');
  await t.press('escape');
  await t.waitFor((f) => !f.includes('/bo') && f.includes('alice@example.com'));
  t.write(':carol\r');
  frame = await t.waitFor('▶ Codex accounts (1)');
  assert.match(frame, /›[*★]\s+carol@example.com/);
  await t.press(':');
  await t.type('alice');
  await t.press('enter');
  await t.waitFor((f) => f.includes('▶ Claude accounts') && /›[*★]?\s+work\s+alice@/.test(f));
  const at = ccs;
  // The Enter renames; it must not also make an account the default.
  t.write('nnewbieX\r');
  await t.waitFor((f) => /worknewbieX\s+alice@/.test(f)); // the field starts with the nickname
  assert.equal(JSON.parse(readFileSync(at.paths.registry, 'utf8')).providers.claude.accounts['alice@example.com'].nickname, 'worknewbieX');
  assert.equal(defaultOf(at, 'claude'), 'alice@example.com');
  await t.press('3');
  await t.waitFor('claude-opus-5');
  t.write('agpt-zz*\r');
  frame = await t.waitFor('gpt-zz*');
  assert.ok(!frame.includes('paste ignored'));
});

test('the rest of a field-opening burst with no field to open (nothing to rename) runs nothing', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  await tui.waitFor('alice@example.com');
  const before = readFileSync(ccs.paths.registry, 'utf8');
  // On the providers pane `n` has no account to rename.
  tui.write('nq');
  await tui.waitFor('paste ignored');
  await tui.press('escape');
  await tui.waitFor((f) => !f.includes('paste ignored'));
  tui.write('dqqq'); // past MAX_BURST_KEYS: a paste, not keys
  await tui.waitFor('paste ignored');
  assert.ok(tui.frame().includes('alice@example.com') && !tui.frame().includes('Remove'), 'q did not quit, d asked nothing');
  assert.equal(readFileSync(ccs.paths.registry, 'utf8'), before, 'nothing ran');
});

// The fallback timer that routes a key whose screen never answers (250 ms) fires before the new
// screen mounted (a loaded machine, a slow render): the key still waits for that screen.
for (const c of CASES.filter((c) => !c.splitOnly)) {
  test(`${c.name}, the new screen mounting after the fallback timer fired: the second key acts on the new screen`, async () => {
    ccs = makeUiCcs();
    const clock = new FakeClock();
    tui = await renderTui({paths: ccs.paths, width: 100, height: 30, services: {clock}});
    await tui.waitFor('alice@example.com');
    if (c.before) await tui.press(...c.before);
    await tui.waitFor(c.ready);
    tui.write(c.first + c.second);
    // Before React renders the first key's route: every timer of the next 300 ms fires now.
    void clock.advance(300);
    const at = ccs;
    await tui.waitFor((frame) => c.done(frame, at), 4000);
  });
}
