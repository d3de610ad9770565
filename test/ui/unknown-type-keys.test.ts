// Accounts of a token type ccs-tui does not know (a file of a newer tool): the hint bar offers only
// keys that can work for them (no serve, run, test, native, quota, login), and each of those keys
// pressed anyway says on the status line what ccs-tui cannot do, without leaving the screen (no
// login screen that only says "Unknown provider", no proxy started to fail).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let proxy: ProxySupervisor | undefined;
afterEach(async () => {
  await proxy?.dispose();
  [tui, ccs] = cleanUp(tui, ccs);
  proxy = undefined;
});

test('unknown token type: hints offer no serve/run/test/native keys; s says it cannot serve it, and starts nothing', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('futurething-u1.json', tokenFixture('futurething', 'u1@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', 'api-keys:\n  - "sk-unknown-type-0123456789"\n');
  proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30, services: {proxy}});
  await tui.waitFor('futurething');
  await tui.press('H');
  await tui.waitFor(/› futurething/);
  const hints = (f: string) => f.split('\n').at(-1) ?? '';
  let frame = tui.frame();
  for (const hint of [/\ba add\b/, /run agent/]) assert.doesNotMatch(hints(frame), hint, hints(frame));
  await tui.press('l');
  frame = await tui.waitFor(/▶ futurething/);
  await tui.waitFor((f) => /rename/.test(hints(f)));
  frame = tui.frame();
  for (const hint of [/\bs serve/, /run agent/, /\bt test/, /\bN native/, /\bR refresh/]) assert.doesNotMatch(hints(frame), hint, hints(frame));
  // Asked anyway: what cannot be done, said where the key was pressed; nothing started.
  await tui.press('s');
  frame = await tui.waitFor((f) => /ccs-tui cannot serve futurething accounts/.test(f.split('\n').at(-2) ?? ''));
  assert.match(frame, /ccs-tui · Accounts/);
  assert.equal(proxy!.current.phase, 'stopped', 'no proxy started to fail');
});

const status = (f: string) => f.split('\n').at(-2) ?? '';
const hintBar = (f: string) => f.split('\n').at(-1) ?? '';

test('unknown token type (kiro): every key that cannot work says so on the status line and the screen stays, its keys working', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('kiro-x.json', tokenFixture('kiro', 'x@example.com'));
  proxy = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  tui = await renderTui({paths: ccs.paths, width: 150, height: 30, services: {proxy}});
  await tui.waitFor('kiro');
  await tui.press('H');
  await tui.waitFor(/› kiro/);
  const cannot: Array<[string, RegExp]> = [
    ['a', /ccs-tui cannot log in to kiro \(unknown type: only listed from its token files\)/],
    // Neighbours say different things: each message seen is the key's own.
    ['s', /ccs-tui cannot serve kiro accounts/],
    ['e', /ccs-tui cannot run an agent on kiro accounts/],
    ['S', /ccs-tui cannot serve kiro accounts/],
    ['t', /ccs-tui cannot refresh kiro tokens/],
    ['N', /ccs-tui cannot put kiro accounts into an agent's credential file/],
    ['R', /ccs-tui cannot read the quota of kiro accounts/],
  ];
  for (const pane of ['providers', 'accounts', 'detail'] as const) {
    if (pane === 'accounts') await tui.press('l');
    if (pane === 'detail') await tui.press('enter');
    for (const [key, said] of [...cannot, ...(pane === 'providers' ? [] : [['L', /ccs-tui cannot log in to kiro/] as [string, RegExp]])]) {
      if (pane === 'detail' && key === 'a') continue;
      await tui.press('escape');
      if (pane === 'detail') await tui.press('enter');
      await tui.press(key);
      const frame = await tui.waitFor((f) => said.test(status(f)));
      assert.match(frame, pane === 'detail' ? /ccs-tui · Account · / : /ccs-tui · Accounts · /, `${pane} ${key}: the screen stays`);
      assert.doesNotMatch(frame, /Unknown provider/);
    }
  }
  // The keys still work: back to the list, and a move.
  await tui.press('escape');
  const frame = await tui.waitFor(/ccs-tui · Accounts/);
  assert.match(hintBar(frame), /rename/);
  assert.equal(proxy!.current.phase, 'stopped');
});

test('unknown token type: its status says it is unsupported (not "ok") in the list, the provider\'s title and the detail; paused, it says both', async () => {
  ccs = makeTempCcs();
  ccs.writeToken('kiro-x.json', tokenFixture('kiro', 'x@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30});
  await tui.waitFor('kiro');
  await tui.press('H');
  await tui.waitFor(/› kiro/);
  let frame = await tui.waitFor(/kiro accounts \(1\) · ✕ unsupported type/);
  const row = (f: string) => f.split('\n').find((line) => line.includes('x@example.com')) ?? '';
  assert.match(row(frame), /✕ unsupported type/);
  assert.doesNotMatch(row(frame), /\bok\b/);
  await tui.press('l', 'enter');
  frame = await tui.waitFor('Account id');
  assert.match(frame.replace(/\s+/g, ' '), /Status ✕ unsupported type — type "kiro" is unknown to ccs-tui: listed only, never served, refreshed or checked/);
  await tui.press('p');
  frame = await tui.waitFor(/Status +⏸ ✕ unsupported type/);
});
