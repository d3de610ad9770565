import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {ModelRules} from '../../source/core/model-rules.js';
import {initialRulesEditor, rulesEditorReducer, scopeEdits, type RulesEditorAction, type RulesEditorState} from '../../source/core/rules-editor.js';
import {mergedOrThrow, mergeRuleEdits, RulesConflict} from '../../source/core/rules-merge.js';

const run = (state: RulesEditorState, ...actions: RulesEditorAction[]) => actions.reduce(rulesEditorReducer, state);
const type = (text: string): RulesEditorAction[] => [...text].map((ch) => ({type: 'text', input: ch, key: ch}));
const key = (name: string): RulesEditorAction => ({type: 'text', input: '', key: name});

const BASE: ModelRules = {excluded: ['a*', 'b*'], aliases: [{name: 'm1', alias: 'one'}, {name: 'm2', alias: 'two'}]};
const editor = (...actions: RulesEditorAction[]) => scopeEdits(run(initialRulesEditor(BASE), ...actions), 'global');

test('edits here and rules added elsewhere both end up in the result', () => {
  const theirs: ModelRules = {excluded: ['a*', 'b*', 'fable*'], aliases: [...BASE.aliases, {name: 'm3', alias: 'three'}]};
  // Delete a*, add c*.
  const edits = editor({type: 'delete'}, {type: 'addExclusion'}, ...type('c*'), key('enter'));
  const merged = mergeRuleEdits(edits, theirs);
  assert.deepEqual(merged.conflicts, []);
  assert.deepEqual(merged.rules.excluded, ['b*', 'fable*', 'c*']);
  assert.deepEqual(merged.rules.aliases, theirs.aliases);
});

test('nothing changed elsewhere: the edited rules are written as they are, order too', () => {
  const edits = editor({type: 'cursor', by: 1}, {type: 'move', by: -1});
  assert.deepEqual(mergeRuleEdits(edits, BASE).rules.excluded, ['b*', 'a*']);
});

test('an alias edited here and changed elsewhere is a conflict; keepMine writes mine, other changes stay', () => {
  // Row 2 is alias "one": change its model name to m9.
  const edits = editor({type: 'cursor', by: 2}, {type: 'edit'}, key('backspace'), ...type('9'), key('enter'), key('enter'));
  assert.deepEqual(edits.mine.aliases[0], {name: 'm9', alias: 'one'});
  const theirs: ModelRules = {excluded: ['a*', 'b*', 'z*'], aliases: [{name: 'm5', alias: 'one'}, {name: 'm2', alias: 'two'}]};
  const merged = mergeRuleEdits(edits, theirs);
  assert.deepEqual(merged.conflicts, ['alias "one": changed here to one ← m9, changed elsewhere to one ← m5']);
  assert.throws(() => mergedOrThrow(edits, theirs, 'config.yaml', false), (error: Error) => error instanceof RulesConflict && /^config\.yaml changed elsewhere since it was loaded: alias "one"/.test(error.message));
  const mine = mergedOrThrow(edits, theirs, 'config.yaml', true);
  assert.deepEqual(mine, {excluded: ['a*', 'b*', 'z*'], aliases: [{name: 'm9', alias: 'one'}, {name: 'm2', alias: 'two'}]});
});

test('removed here but changed elsewhere is a conflict; removed both places is not', () => {
  const edits = editor({type: 'cursor', by: 3}, {type: 'delete'}); // alias "two"
  assert.deepEqual(mergeRuleEdits(edits, {...BASE, aliases: [BASE.aliases[0]!]}).conflicts, []);
  const changed = mergeRuleEdits(edits, {...BASE, aliases: [BASE.aliases[0]!, {name: 'm2', alias: 'two', fork: true}]});
  assert.deepEqual(changed.conflicts, ['alias "two": removed here, changed elsewhere to two ← m2 [fork]']);
  assert.deepEqual(mergeRuleEdits(edits, {...BASE, aliases: [BASE.aliases[0]!, {name: 'm2', alias: 'two', fork: true}]}, true).rules.aliases, [BASE.aliases[0]]);
});

test('the same alias added both places for different models is a conflict; for the same model it is not', () => {
  const edits = editor({type: 'addAlias'}, ...type('m7'), key('enter'), ...type('seven'), key('enter'));
  const same = mergeRuleEdits(edits, {...BASE, aliases: [...BASE.aliases, {name: 'm7', alias: 'seven'}], excluded: ['x*']});
  assert.deepEqual(same.conflicts, []);
  assert.deepEqual(same.rules.aliases, [...BASE.aliases, {name: 'm7', alias: 'seven'}]);
  const other = mergeRuleEdits(edits, {...BASE, aliases: [...BASE.aliases, {name: 'm8', alias: 'seven'}]});
  assert.equal(other.conflicts.length, 1);
  assert.match(other.conflicts[0]!, /^alias "seven": added here as seven ← m7, elsewhere as seven ← m8$/);
});

test('a save retried after a partial write finds its edits already there and writes them once', () => {
  const edits = editor({type: 'edit'}, key('backspace'), ...type('x'), key('enter')); // a* -> ax
  const once = mergedOrThrow(edits, {...BASE, excluded: ['a*', 'b*', 'q*']}, 'config.yaml', false);
  assert.deepEqual(once.excluded, ['ax', 'b*', 'q*']);
  assert.deepEqual(mergedOrThrow(edits, once, 'config.yaml', false), once);
});

test('a re-read with nothing unsaved shows the rules as they are now; with unsaved edits they stay', () => {
  const clean = run(initialRulesEditor(BASE), {type: 'rebase', global: {excluded: ['new*'], aliases: []}});
  assert.deepEqual(clean.rules.global.excluded, ['new*']);
  const dirty = run(initialRulesEditor(BASE), {type: 'delete'}, {type: 'rebase', global: {excluded: ['new*'], aliases: []}});
  assert.deepEqual(dirty.rules.global.excluded, ['b*']);
  assert.deepEqual(dirty.saved.global, BASE);
});
