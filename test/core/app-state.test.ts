import assert from 'node:assert/strict';
import {test} from 'node:test';
import {appReducer, cursorIn, currentRoute, initialAppState, matchesFilter, type AppAction, type AppState} from '../../source/core/app-state.js';

const run = (actions: AppAction[], state: AppState = initialAppState()) => actions.reduce(appReducer, state);

test('cursor moves are clamped to the list and pages move by the page size', () => {
  const s = run([
    {type: 'cursor', list: 'providers', move: 'down', total: 3, page: 10},
    {type: 'cursor', list: 'providers', move: 'down', total: 3, page: 10},
    {type: 'cursor', list: 'providers', move: 'down', total: 3, page: 10},
  ]);
  assert.equal(s.cursors.providers, 2);
  assert.equal(run([{type: 'cursor', list: 'a', move: 'bottom', total: 1000, page: 20}, {type: 'cursor', list: 'a', move: 'pageUp', total: 1000, page: 20}]).cursors.a, 979);
  assert.equal(run([{type: 'cursor', list: 'a', move: 'up', total: 5, page: 1}]).cursors.a, 0);
  // A list that shrank under the cursor (accounts removed on disk).
  assert.equal(cursorIn({...initialAppState(), cursors: {a: 9}}, 'a', 3), 2);
  assert.equal(cursorIn(initialAppState(), 'a', 0), -1);
});

test('each move a person makes is recorded as a new record: a key\'s move with its page, a jump with its item; the hook\'s own correction is not', () => {
  const keyed = run([{type: 'cursor', list: 'providers', move: 'down', total: 3, page: 10}]);
  assert.deepEqual(keyed.cursorMoves?.providers, {move: 'down', page: 10});
  const jumped = appReducer(keyed, {type: 'setCursor', list: 'providers', index: 1, id: 'codex'});
  assert.deepEqual(jumped.cursorMoves?.providers, {to: 'codex'});
  // The same row again is still a new move (the list may have changed under it).
  const again = appReducer(jumped, {type: 'setCursor', list: 'providers', index: 1, id: 'codex'});
  assert.notEqual(again.cursorMoves?.providers, jumped.cursorMoves?.providers);
  const corrected = appReducer(again, {type: 'setCursor', list: 'providers', index: 2});
  assert.equal(corrected.cursors.providers, 2);
  assert.equal(corrected.cursorMoves?.providers, again.cursorMoves?.providers);
});

test('/ edits the filter live; Enter keeps it; Esc clears it; Esc again then pops nothing at the root', () => {
  let s = run([{type: 'pane', pane: 'accounts'}, {type: 'filterStart'}, {type: 'filterKey', input: 'b', key: 'b'}, {type: 'filterKey', input: 'o', key: 'o'}]);
  assert.equal(s.filters.accounts, 'bo');
  assert.ok(s.filterEditing);
  s = appReducer(s, {type: 'filterKey', input: '', key: 'enter'});
  assert.equal(s.filters.accounts, 'bo');
  assert.equal(s.filterEditing, undefined);
  s = appReducer(s, {type: 'escape'});
  assert.equal(s.filters.accounts, '');
  assert.equal(appReducer(s, {type: 'escape'}).stack.length, 1);
  // Esc while typing clears at once.
  s = run([{type: 'filterStart'}, {type: 'filterKey', input: 'x', key: 'x'}, {type: 'filterKey', input: '', key: 'escape'}]);
  assert.equal(s.filters.providers, '');
  assert.equal(s.filterEditing, undefined);
});

test('the screen stack: navigate pushes, Esc closes a modal first, then pops; 1-4 reset to the root', () => {
  let s = run([{type: 'navigate', screen: 'detail', params: {provider: 'claude', accountId: 'a'}}, {type: 'toggleHelp'}]);
  assert.equal(s.modal?.kind, 'help');
  s = appReducer(s, {type: 'escape'});
  assert.equal(s.modal, undefined);
  assert.equal(currentRoute(s).screen, 'detail');
  s = appReducer(s, {type: 'escape'});
  assert.equal(currentRoute(s).screen, 'home');
  s = run([{type: 'navigate', screen: 'detail', params: {}}, {type: 'reset', route: {screen: 'quota', params: {}}}], s);
  assert.deepEqual(s.stack.map((r) => r.screen), ['home', 'quota']);
  assert.deepEqual(appReducer(s, {type: 'reset'}).stack.map((r) => r.screen), ['home']);
});

test('rename keeps a draft; Esc cancels; confirm dialogs get increasing ids', () => {
  let s = run([{type: 'renameStart', provider: 'claude', accountId: 'a', tokenFile: 'claude-a.json', current: 'old'}, {type: 'renameKey', input: '', key: 'ctrl+u'}, {type: 'renameKey', input: 'new', key: 'new'}]);
  assert.equal(s.modal?.kind === 'rename' && s.modal.draft.text, 'new');
  assert.equal(appReducer(s, {type: 'renameKey', input: '', key: 'escape'}).modal, undefined);
  s = run([{type: 'confirmOpen', prompt: 'Remove?'}]);
  assert.deepEqual(s.modal, {kind: 'confirm', id: 1, prompt: 'Remove?'});
  s = run([{type: 'closeModal'}, {type: 'confirmOpen', prompt: 'Again?'}], s);
  assert.equal(s.modal?.kind === 'confirm' && s.modal.id, 2);
});

test('matchesFilter: every word, case-insensitive, in any field', () => {
  assert.ok(matchesFilter('ALI work', ['work', 'alice@example.com']));
  assert.ok(!matchesFilter('bob', ['work', 'alice@example.com', undefined]));
  assert.ok(matchesFilter('  ', ['x']));
});
