import assert from 'node:assert/strict';
import {test} from 'node:test';
import {initialRulesEditor, isDirty, rulesEditorReducer, selectedRow, type RulesEditorAction, type RulesEditorState} from '../../source/core/rules-editor.js';

const run = (state: RulesEditorState, ...actions: RulesEditorAction[]) => actions.reduce(rulesEditorReducer, state);
const type = (text: string): RulesEditorAction[] => [...text].map((ch) => ({type: 'text', input: ch, key: ch}));
const key = (name: string): RulesEditorAction => ({type: 'text', input: '', key: name});

test('adding a pattern updates the rules on every keystroke; Enter keeps it, dirty until saved', () => {
  let state = run(initialRulesEditor(), {type: 'addExclusion'});
  const seen: string[] = [];
  for (const action of type('*-mini')) {
    state = rulesEditorReducer(state, action);
    seen.push(state.rules.global.excluded[0]!);
  }
  assert.deepEqual(seen, ['*', '*-', '*-m', '*-mi', '*-min', '*-mini']);
  state = run(state, key('enter'));
  assert.equal(state.editing, undefined);
  assert.deepEqual(state.rules.global.excluded, ['*-mini']);
  assert.equal(isDirty(state), true);
  assert.equal(isDirty(run(state, {type: 'saved'})), false);
});

test('Esc on a new rule removes it; Esc on an edited rule restores it; an empty pattern is dropped', () => {
  const base = initialRulesEditor({excluded: ['a'], aliases: []});
  assert.deepEqual(run(base, {type: 'addExclusion'}, ...type('zz'), key('escape')).rules.global.excluded, ['a']);
  assert.deepEqual(run(base, {type: 'edit'}, key('backspace'), ...type('b'), key('escape')).rules.global.excluded, ['a']);
  assert.deepEqual(run(base, {type: 'edit'}, key('backspace'), key('enter')).rules.global.excluded, []);
  assert.equal(isDirty(run(base, {type: 'edit'}, key('escape'))), false);
});

test('an alias is two fields (name, then alias); fork toggles; rules move within their list', () => {
  let state = run(initialRulesEditor(), {type: 'addAlias'}, ...type('glm-4.7'), key('enter'), ...type('glm-god'), key('enter'));
  assert.deepEqual(state.rules.global.aliases, [{name: 'glm-4.7', alias: 'glm-god'}]);
  // Spaces around either field (a pasted name) are not part of it.
  const spaced = run(initialRulesEditor(), {type: 'addAlias'}, ...type(' glm-4.7 '), key('enter'), ...type(' g '), key('enter'));
  assert.deepEqual(spaced.rules.global.aliases, [{name: 'glm-4.7', alias: 'g'}]);
  state = run(state, {type: 'toggleFork'});
  assert.deepEqual(state.rules.global.aliases, [{name: 'glm-4.7', alias: 'glm-god', fork: true}]);
  state = run(state, {type: 'toggleFork'});
  assert.deepEqual(state.rules.global.aliases, [{name: 'glm-4.7', alias: 'glm-god'}]);
  state = run(state, {type: 'addAlias'}, ...type('kimi-k2'), key('enter'), ...type('k2'), key('enter'));
  assert.equal(state.cursor, 1);
  state = run(state, {type: 'move', by: -1});
  assert.deepEqual(state.rules.global.aliases.map((a) => a.alias), ['k2', 'glm-god']);
  assert.equal(state.cursor, 0);
  assert.deepEqual(run(state, {type: 'move', by: -1}), state, 'cannot move past the top');
  state = run(state, {type: 'delete'});
  assert.deepEqual(state.rules.global.aliases.map((a) => a.alias), ['glm-god']);
});

test('with an account, the account rules are edited and the global ones stay', () => {
  const global = {excluded: ['g'], aliases: []};
  let state = initialRulesEditor(global, {excluded: [], aliases: []});
  assert.equal(state.scope, 'account');
  state = run(state, {type: 'addExclusion'}, ...type('*-x'), key('enter'));
  assert.deepEqual(state.rules.account.excluded, ['*-x']);
  assert.deepEqual(state.rules.global, global);
  assert.equal(isDirty(state, 'global'), false);
  assert.equal(isDirty(state, 'account'), true);
  assert.deepEqual(selectedRow(state), {list: 'excluded', index: 0});
});

test('rebase (live ↔ static base list) keeps unsaved edits and the cursor; load replaces them', () => {
  let state = run(initialRulesEditor({excluded: ['a'], aliases: []}), {type: 'addExclusion'}, ...type('b*'), key('enter'));
  state = run(state, {type: 'rebase', source: 'live'});
  assert.equal(state.source, 'live');
  assert.deepEqual(state.rules.global.excluded, ['a', 'b*']);
  assert.equal(state.cursor, 1);
  assert.equal(isDirty(state), true);
  state = run(state, {type: 'load', global: {excluded: ['a'], aliases: []}, source: 'other'});
  assert.deepEqual(state.rules.global.excluded, ['a']);
  assert.equal(isDirty(state), false);
});

test('a rule just added is nothing unsaved until typed into; Tab/Shift-Tab switch an alias entry\'s fields; an entry left empty is no rule', () => {
  const base = initialRulesEditor({excluded: [], aliases: [{name: 'm1', alias: 'one'}]});
  assert.equal(isDirty(run(base, {type: 'addExclusion'})), false);
  assert.equal(isDirty(run(base, {type: 'addAlias'})), false);
  assert.equal(isDirty(run(base, {type: 'addAlias'}, ...type('x'))), true);
  let state = run(base, {type: 'addAlias'}, ...type(' m2 '), key('tab'));
  assert.equal(state.editing?.field, 'alias');
  state = run(state, ...type('two'), key('shift+tab'));
  assert.equal(state.editing?.field, 'name');
  assert.equal(state.editing?.draft.text, 'm2');
  state = run(state, ...type('b'), key('tab'), key('enter'));
  assert.deepEqual(state.rules.global.aliases, [{name: 'm1', alias: 'one'}, {name: 'm2b', alias: 'two'}]);
  // Enter through both fields typing nothing: no entry is kept.
  assert.deepEqual(run(base, {type: 'addAlias'}, key('enter'), key('enter')).rules.global.aliases, [{name: 'm1', alias: 'one'}]);
  // Tab in a pattern (one field) does nothing.
  assert.deepEqual(run(base, {type: 'addExclusion'}, ...type('a'), key('tab'), ...type('b')).editing?.draft.text, 'ab');
});
