// The `?` overlay says what a key does on the screen it is read on: `r` rotates the provider's
// default on the accounts screen, and moves the running proxy on the proxy screen.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {bindingsFor} from '../../source/core/keymap.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let tui: TuiHandle | undefined;
let ccs: TempCcs | undefined;
afterEach(() => {
  tui?.unmount();
  ccs?.cleanup();
  [tui, ccs] = [undefined, undefined];
});

const rotateHelp = (scope: 'home' | 'proxy' | 'quota') => bindingsFor([scope, 'list', 'global']).find((b) => b.action === 'account.rotate')?.description ?? '';

test('r in the key table: the default on the accounts and quota screens, the running proxy on the proxy screen', () => {
  assert.match(rotateHelp('home'), /default/);
  assert.match(rotateHelp('quota'), /default/);
  assert.match(rotateHelp('proxy'), /running proxy/);
  assert.doesNotMatch(rotateHelp('proxy'), /default/);
});

test('? on the proxy screen says what r does there', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'proxy', params: {}}});
  await tui.waitFor('Claude Code exports');
  await tui.press('?');
  const frame = await tui.waitFor('Keys (');
  assert.match(frame, /running proxy/);
  assert.doesNotMatch(frame, /Rotate the provider's default/);
});
