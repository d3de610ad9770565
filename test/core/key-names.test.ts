import assert from 'node:assert/strict';
import {test} from 'node:test';
import {keyName} from '../../source/core/key-names.js';
import {actionForKey, bindingsFor, KEY_BINDINGS} from '../../source/core/keymap.js';

test('Ink key reports become keymap names', () => {
  assert.equal(keyName('j', {}), 'j');
  assert.equal(keyName('G', {shift: true}), 'G');
  assert.equal(keyName('', {upArrow: true}), 'up');
  assert.equal(keyName('', {pageDown: true}), 'pagedown');
  assert.equal(keyName('\r', {return: true}), 'enter');
  assert.equal(keyName('', {escape: true}), 'escape');
  assert.equal(keyName('c', {ctrl: true}), 'ctrl+c');
  assert.equal(keyName('', {tab: true, shift: true}), 'shift+tab');
  assert.equal(keyName('', {delete: true}), 'delete');
  assert.equal(keyName(' ', {}), 'space');
  assert.equal(keyName('?', {}), '?');
  assert.equal(keyName('home', {}), 'paste');
});

test('keys resolve in the most specific scope first', () => {
  const home = ['home', 'list', 'global'] as const;
  assert.equal(actionForKey('j', home), 'cursor.down');
  assert.equal(actionForKey('down', home), 'cursor.down');
  assert.equal(actionForKey('G', home), 'cursor.bottom');
  assert.equal(actionForKey('enter', home), 'account.open');
  assert.equal(actionForKey('enter', ['detail', 'global']), 'account.default');
  assert.equal(actionForKey('n', home), 'account.rename');
  // In a confirm dialog `n` means No, and nothing else is active.
  assert.equal(actionForKey('n', ['confirm']), 'confirm.no');
  assert.equal(actionForKey('enter', ['confirm']), 'confirm.no');
  assert.equal(actionForKey('y', ['confirm']), 'confirm.yes');
  assert.equal(actionForKey('q', ['confirm']), undefined);
  assert.equal(actionForKey('q', home), 'quit');
  assert.equal(actionForKey('z', home), undefined);
});

test('no key means two things in one scope', () => {
  const seen = new Map<string, string>();
  for (const binding of KEY_BINDINGS) {
    for (const scope of binding.scopes) {
      for (const key of binding.keys) {
        const id = `${scope}:${key}`;
        const other = seen.get(id);
        assert.ok(other === undefined || other === binding.action, `${id} is bound to ${other} and ${binding.action}`);
        seen.set(id, binding.action);
      }
    }
  }
});

test('bindingsFor lists each action once, specific scopes first', () => {
  const list = bindingsFor(['detail', 'global']);
  assert.equal(list[0]!.scopes.includes('detail'), true);
  assert.equal(list.filter((b) => b.action === 'account.default').length, 1);
  assert.ok(list.some((b) => b.action === 'quit'));
});
