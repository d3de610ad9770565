// The login's result line (✓ Added … account …) is a status message too: `M` keeps it after the
// screen is left.
import {renderTui} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';

test('an API-key login: ✓ Added … is on the screen and in M after going back', async () => {
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const key = 'AIzaSyFirstKeyFirstKeyFirstKey00000001';
  const studio = await fakeKeyedApi([key], '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  try {
    await tui.waitFor('IBM Bob');
    tui.write(':aistudio\r');
    await tui.waitFor(/› Google AI Studio/);
    await tui.press('a');
    // The picker starts on the provider highlighted.
    await tui.waitFor(/Which provider\?[^]*› Google AI Studio/);
    await tui.press('enter');
    await tui.waitFor('Enter skips');
    await tui.type('work');
    await tui.press('enter');
    await tui.waitFor('Paste the Google AI Studio API key');
    await tui.type(key);
    await tui.press('enter');
    await tui.waitFor('✓ Added Google AI Studio account work');
    await tui.press('escape');
    await tui.waitFor((f) => !f.includes('Paste the Google') && f.includes('· Accounts ·'));
    await tui.press('M');
    const frame = await tui.waitFor('Messages, newest first');
    assert.match(frame, /✓ Added Google AI Studio account work \(default\)/);
  } finally {
    tui.unmount();
    await studio.close();
    ccs.cleanup();
  }
});

test('after a login the accounts list\'s cursor is on the account it stored, wherever it sorts', async () => {
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const keys = ['AIzaSyFirstKeyFirstKeyFirstKey00000001', 'AIzaSySecondKeySecondKeySecondK00000002', 'AIzaSyThirdKeyThirdKeyThirdKeyT00000003'];
  const studio = await fakeKeyedApi(keys, '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30});
  const login = async (nickname: string, key: string) => {
    await tui.press('a');
    await tui.waitFor(/Which provider\?/);
    // From another provider highlighted: the picker is moved to AI Studio (the last but one).
    await tui.press('G');
    await tui.press('k');
    await tui.waitFor(/Which provider\?[^]*› Google AI Studio/);
    await tui.press('enter');
    await tui.waitFor('Enter skips');
    await tui.type(nickname);
    await tui.press('enter');
    await tui.waitFor('Paste the Google AI Studio API key');
    await tui.type(key);
    await tui.press('enter');
    await tui.waitFor(`✓ Added Google AI Studio account ${nickname}`);
    await tui.press('escape');
    return tui.waitFor((f) => !f.includes('Paste the Google') && f.includes('· Accounts ·') && f.includes(nickname));
  };
  try {
    await tui.waitFor('IBM Bob');
    tui.write(':aistudio\r');
    await tui.waitFor(/› Google AI Studio/);
    await login('middle', keys[0]!);
    assert.match(await login('zulu', keys[1]!), /› +zulu/);
    // The third, from the providers pane with Claude highlighted: the cursor is on AI Studio and on
    // the new account in the accounts pane, not left on the row it was on.
    await tui.press('h');
    await tui.press('g');
    await tui.press('g');
    await tui.waitFor(/┃ › Claude/);
    const frame = await login('alpha', keys[2]!);
    assert.match(frame, /│ › Google AI Studio +3 │/);
    assert.match(frame, /▶ Google AI Studio accounts/);
    assert.match(frame, /› +alpha/);
    assert.doesNotMatch(frame, /› *★? *(middle|zulu)/);
    // Made once: the cursor moved on (a filter, then its reset, no key move), the screen left and
    // come back: it stays where it was left.
    await tui.press('h');
    tui.write('/claude\r');
    await tui.waitFor(/┃ › Claude/);
    await tui.press('escape');
    await tui.press('4');
    await tui.waitFor('· Proxy ·');
    await tui.press('escape');
    const back = await tui.waitFor('· Accounts ·');
    assert.match(back, /┃ › Claude/, back);
  } finally {
    tui.unmount();
    await studio.close();
    ccs.cleanup();
  }
});
