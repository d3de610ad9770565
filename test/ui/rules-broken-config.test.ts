// config.yaml broken while the rules screen holds unsaved edits: `s` says they are not saved and kept
// (never "nothing to save", which reads as if they were gone); fixed and reloaded, `s` writes them.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const GOOD = 'port: 8317\noauth-excluded-models:\n  codex:\n    - gpt-5.5\n';

test('s while config.yaml is broken: "not saved", the edits kept; fixed, reloaded and saved, they are written', async () => {
  ccs = makeTempCcs();
  ccs.writeRaw('cliproxy/config.yaml', GOOD);
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'models', params: {provider: 'codex'}}});
  await tui.waitFor('Provider codex');
  await tui.press('a');
  await tui.type('gpt-5.4');
  await tui.press('enter');
  await tui.waitFor('* unsaved');
  const broken = 'port: 8317\noauth-excluded-models:\n  codex: [unclosed\n';
  writeFileSync(ccs.paths.config, broken);
  await tui.waitFor('Nothing is written while the file is broken', 8000);
  await tui.press('s');
  const frame = await tui.waitFor((f) => f.replace(/\s+/g, ' ').includes("not saved: the rules' file cannot be read now; your edits are kept"));
  assert.doesNotMatch(frame, /nothing to save/);
  assert.equal(readFileSync(ccs.paths.config, 'utf8'), broken);

  writeFileSync(ccs.paths.config, GOOD);
  await tui.waitFor('✕ gpt-5.4', 8000);
  await tui.press('s');
  await tui.waitFor('saved codex rules');
  assert.equal(readFileSync(ccs.paths.config, 'utf8'), `${GOOD}    - gpt-5.4\n`);
});
