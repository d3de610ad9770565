// The launch key's refusals, on the status line before anything starts: an agent the proxy cannot
// serve for the provider, a bad agents setting in tui.json.
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {existsSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => {
  tui?.unmount();
  ccs?.cleanup();
  tui = ccs = undefined;
});

test('e with an agent the proxy cannot serve says why and starts no proxy', async () => {
  ccs = makeUiCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({agents: {default: 'gemini'}}));
  tui = await renderTui({paths: ccs.paths, width: 120});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'e');
  await tui.waitFor('Gemini CLI cannot use Claude through the proxy: the proxy has no gemini-api route');
  assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'no proxy was started');
});

test('e with a malformed agents setting names the field', async () => {
  ccs = makeUiCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({agents: {claude: {command: 42}}}));
  tui = await renderTui({paths: ccs.paths, width: 120});
  await tui.waitFor('alice@example.com');
  await tui.press('e');
  await tui.waitFor('tui.json: agents.claude.command must be a path or a non-empty array of strings');
});
