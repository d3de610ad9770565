// Overlays (`?`, `M`), the target picker and a resize lay over a screen; they never restart it: a
// login keeps its authorization URL (its PKCE verifier and `state`), the rules editor its unsaved edit.
import {renderTui} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {AppServices} from '../../source/ui/services.js';
import {makeTempCcs} from '../helpers/ccs.js';

test('a login survives ?, M, the target picker and a too-small resize: the same authorization URL (state) afterwards', async () => {
  const ccs = makeTempCcs();
  const copied: string[] = [];
  const services = {clipboard: {copy: (t: string) => void copied.push(t)}, browser: {open: async () => {}}} as unknown as Partial<AppServices>;
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'login', params: {provider: 'claude'}}, services});
  try {
    await tui.waitFor('v: paste it here');
    await tui.press('c');
    const first = copied.at(-1)!;
    assert.match(first, /[?&]state=/);
    const steps: Array<[string, string | RegExp]> = [['?', /Keys|keys/], ['escape', 'v: paste it here'], ['M', /messages|copied/i], ['escape', 'v: paste it here'], ['T', 'Live target'], ['escape', 'v: paste it here']];
    for (const [key, wait] of steps) {
      await tui.press(key);
      await tui.waitFor(wait);
    }
    await tui.resize(30, 8);
    await tui.waitFor(/small/i);
    await tui.resize(100, 30);
    await tui.waitFor('v: paste it here');
    await tui.press('c');
    assert.equal(copied.at(-1), first, 'the login was not restarted');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('an unsaved rules edit survives ?, M, the target picker and a too-small resize', async () => {
  const {makeUiCcs} = await import('./fixtures.js');
  const ccs = makeUiCcs();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
  try {
    await tui.waitFor('(static list)');
    await tui.press('a');
    await tui.type('zz-kept*');
    await tui.press('enter');
    await tui.waitFor(/^\* unsaved/m);
    for (const [key, wait] of [['?', /Keys|keys/], ['escape', '(static list)'], ['M', /messages/i], ['escape', '(static list)'], ['T', 'Live target'], ['escape', '(static list)']] as const) {
      await tui.press(key);
      await tui.waitFor(wait);
    }
    await tui.resize(30, 8);
    await tui.waitFor(/small/i);
    await tui.resize(100, 30);
    const frame = await tui.waitFor('(static list)');
    assert.match(frame, /^\* unsaved/m);
    assert.match(frame, /zz-kept\*/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});
