// A config.yaml that does not parse is a problem with a file like any other: the accounts screen's
// banner names it (the file and its place) and `M` lists it, as the Models and Proxy screens do;
// fixed, it goes away.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const flat = (frame: string) => frame.replace(/[\s│]+/g, ' ');

test('a broken config.yaml: the accounts banner and M name it; fixed, it goes', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\napi-keys: [unclosed\n');
  tui = await renderTui({paths: ccs.paths, width: 140, height: 30});
  let frame = await tui.waitFor((f) => /error: .*config\.yaml/.test(f) && f.includes('alice@example.com'));
  assert.match(frame, /· Accounts ·/);
  await tui.press('M');
  frame = flat(await tui.waitFor('Messages, newest first'));
  assert.match(frame, /error: \S*config\.yaml/);
  await tui.press('escape');
  ccs.writeRaw('cliproxy/config.yaml', 'port: 8317\n');
  await tui.waitFor((f) => !/config\.yaml/.test(f), 8000);
});
