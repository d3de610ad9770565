import assert from 'node:assert/strict';
import {test} from 'node:test';
import {MAX_COALESCED_KEYS, routeKey, shellActionFor, type KeyContext} from '../../source/core/key-routing.js';
import {actionKey, confirmHint, keysOf} from '../../source/core/keymap.js';

const home: KeyContext = {tooSmall: false, filterEditing: false, textFocused: false, scopes: ['home', 'list', 'global']};
const at = (context: Partial<KeyContext>): KeyContext => ({...home, ...context});

test('Ctrl-C quits from every layer, even a focused text field or an open prompt', () => {
  for (const context of [home, at({tooSmall: true}), at({modal: 'confirm'}), at({modal: 'rename'}), at({filterEditing: true}), at({textFocused: true}), at({modal: 'help'})]) {
    assert.deepEqual(routeKey('ctrl+c', '\u0003', context), {to: 'quit'});
  }
});

test('a too-small terminal knows only quit', () => {
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true})), {to: 'quit'});
  assert.deepEqual(routeKey('j', 'j', at({tooSmall: true})), {to: 'none'});
  assert.deepEqual(routeKey('escape', '', at({tooSmall: true})), {to: 'none'});
});

test('an open confirm prompt takes y/N and nothing else; Enter and Esc answer no', () => {
  const confirm = at({modal: 'confirm'});
  assert.deepEqual(routeKey('y', 'y', confirm), {to: 'confirm', yes: true});
  assert.deepEqual(routeKey('Y', 'Y', confirm), {to: 'confirm', yes: true});
  for (const key of ['n', 'N', 'enter', 'escape']) assert.deepEqual(routeKey(key, '', confirm), {to: 'confirm', yes: false}, key);
  assert.deepEqual(routeKey('q', 'q', confirm), {to: 'none'}, 'q does not quit under a prompt');
  assert.deepEqual(routeKey('d', 'd', confirm), {to: 'none'});
});

test('the rename field gets every key; Enter submits it', () => {
  const rename = at({modal: 'rename'});
  assert.deepEqual(routeKey('enter', '\r', rename), {to: 'rename', submit: true});
  assert.deepEqual(routeKey('q', 'q', rename), {to: 'rename', submit: false});
  assert.deepEqual(routeKey('escape', '', rename), {to: 'rename', submit: false});
});

test('a filter field, then a focused text field, take keys raw before the keymap', () => {
  assert.deepEqual(routeKey('q', 'q', at({filterEditing: true})), {to: 'filter'});
  assert.deepEqual(routeKey('q', 'q', at({filterEditing: true, textFocused: true})), {to: 'filter'});
  assert.deepEqual(routeKey('q', 'q', at({textFocused: true})), {to: 'text'});
  assert.deepEqual(routeKey('paste', 'a long pasted text', at({textFocused: true})), {to: 'text'}, 'a paste goes whole to the field');
});

test('a few keys from one read are pressed one by one; a longer run is a paste and ignored', () => {
  assert.deepEqual(routeKey('paste', 'jjj', home), {to: 'split', first: 'j', rest: 'jj'});
  const limit = 'j'.repeat(MAX_COALESCED_KEYS);
  assert.deepEqual(routeKey('paste', limit, home), {to: 'split', first: 'j', rest: 'j'.repeat(MAX_COALESCED_KEYS - 1)});
  assert.deepEqual(routeKey('paste', `${limit}j`, home), {to: 'none'});
});

test('the help overlay closes on ? or Esc, quits on q, and swallows the rest', () => {
  const help = at({modal: 'help'});
  assert.deepEqual(routeKey('?', '?', help), {to: 'closeHelp'});
  assert.deepEqual(routeKey('escape', '', help), {to: 'closeHelp'});
  assert.deepEqual(routeKey('q', 'q', help), {to: 'quit'});
  assert.deepEqual(routeKey('d', 'd', help), {to: 'none'});
  assert.deepEqual(routeKey('F', 'F', help), {to: 'none'}, 'an unbound key');
});

test('otherwise the keymap action of the active scopes goes to the screen, most specific scope first', () => {
  assert.deepEqual(routeKey('s', 's', home), {to: 'action', action: 'account.serve'});
  assert.deepEqual(routeKey('s', 's', at({scopes: ['proxy', 'global']})), {to: 'action', action: 'proxy.start'});
  assert.deepEqual(routeKey('s', 's', at({scopes: ['models', 'list', 'global']})), {to: 'action', action: 'rules.save'});
  assert.deepEqual(routeKey('q', 'q', home), {to: 'action', action: 'quit'}, 'a screen may take quit first');
  assert.deepEqual(routeKey('F', 'F', home), {to: 'none'});
});

test("the shell's meaning of an action no screen took", () => {
  assert.deepEqual(shellActionFor('quit'), {type: 'quit'});
  assert.deepEqual(shellActionFor('help'), {type: 'toggleHelp'});
  assert.deepEqual(shellActionFor('back'), {type: 'escape'});
  assert.deepEqual(shellActionFor('screen.accounts'), {type: 'reset'});
  assert.deepEqual(shellActionFor('screen.proxy'), {type: 'reset', route: {screen: 'proxy', params: {}}});
  assert.equal(shellActionFor('account.serve'), undefined);
});

test('screen text names keys from the keymap: labels, scopes, and the confirm hint', () => {
  assert.equal(actionKey('proxy.start', 'proxy'), 's');
  assert.equal(actionKey('back'), 'Esc');
  assert.equal(actionKey('rules.account', 'models'), 'Tab');
  assert.deepEqual(keysOf('account.default', 'detail'), ['u', 'enter']);
  assert.deepEqual(keysOf('account.default', 'home'), ['u']);
  assert.throws(() => actionKey('proxy.start', 'home'), /no key is bound to proxy\.start in home/);
  assert.equal(confirmHint(), '[y/N]');
});
