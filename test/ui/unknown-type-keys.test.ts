// Accounts of a token type ccs-tui does not know (a file of a newer tool): the hint bar offers only
// keys that can work for them (no serve, run, test, native, quota, login), and a start asked anyway
// says the proxy's real reason on the status line, not a bare "failed".
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

test('unknown token type: hints offer no serve/run/test/native keys; s shows the proxy\'s reason', async () => {
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
  // Asked anyway: the child's own reason, not "failed".
  await tui.press('s');
  frame = await tui.waitFor((f) => /did not start/.test(f.split('\n').at(-2) ?? ''), 15_000);
  assert.match(frame.split('\n').at(-2) ?? '', /unknown provider "futurething"/);
});
