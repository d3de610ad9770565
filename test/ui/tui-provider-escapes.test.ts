// Attack on issue 11 "names are data": a token file whose `type` (or a registry provider key) carries
// an OSC sequence. The CLI strips it; the TUI's provider list draws displayName raw and the terminal
// obeys it (in tmux the pane title became the planted text).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('a token file type with escapes does not reach the terminal raw (provider list)', async () => {
  ccs = makeUiCcs();
  ccs.writeToken('weird.json', tokenFixture('weird\u001b]0;PWNED-TYPE\u0007\u001b]52;c;cHduZWQ=\u0007', 'w@example.com'));
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40});
  await tui.waitFor('alice@example.com');
  assert.ok(!tui.rawFrame().includes('\u001b]0;'), 'OSC 0 (window title) reached the terminal');
  assert.ok(!tui.rawFrame().includes('\u001b]52;'), 'OSC 52 (clipboard write) reached the terminal');
});

test('a registry provider key with escapes does not reach the terminal raw', async () => {
  ccs = makeUiCcs();
  const reg = JSON.parse((await import('node:fs')).readFileSync(ccs.paths.registry, 'utf8'));
  reg.providers['pr\u001b]0;PWNED-PROV\u0007'] = {accounts: {x: {tokenFile: 'x.json'}}};
  ccs.writeRegistry(reg);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40});
  await tui.waitFor('alice@example.com');
  assert.ok(!tui.rawFrame().includes('\u001b]0;'), 'OSC 0 (window title) reached the terminal');
});

test('an account id with an OSC 8 hyperlink and a DCS string is drawn as plain text', async () => {
  ccs = makeUiCcs();
  const reg = JSON.parse((await import('node:fs')).readFileSync(ccs.paths.registry, 'utf8'));
  ccs.writeToken('claude-evil.json', tokenFixture('claude', 'evil@example.com'));
  reg.providers.claude.accounts['evil\u001b]8;;http://example.invalid\u0007link\u001bP+q544e\u001b\\'] = {tokenFile: 'claude-evil.json'};
  ccs.writeRegistry(reg);
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40});
  await tui.waitFor('evil');
  assert.ok(!tui.rawFrame().includes('\u001b]8;'), 'OSC 8 reached the terminal');
  assert.ok(!tui.rawFrame().includes('\u001bP'), 'DCS reached the terminal');
});

test('screens and components draw text only through the sanitising Text', async () => {
  const {readdirSync, readFileSync} = await import('node:fs');
  const root = new URL('../../../source/ui/', import.meta.url);
  const files = (readdirSync(root, {recursive: true}) as string[]).filter((f) => f.endsWith('.tsx') && !f.endsWith('components/Text.tsx'));
  assert.ok(files.length > 5, files.join(','));
  for (const file of files) assert.doesNotMatch(readFileSync(new URL(file, root), 'utf8'), /import \{[^}]*\bText\b[^}]*\} from 'ink'/, `${file} imports Ink's raw Text`);
});
