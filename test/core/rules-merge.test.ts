import assert from 'node:assert/strict';
import {describe, it, test} from 'node:test';
import type {ModelRules} from '../../source/core/model-rules.js';
import {initialRulesEditor, rulesEditorReducer, scopeEdits, type RulesEditorAction, type RulesEditorState} from '../../source/core/rules-editor.js';
import {loadedOrigins, mergedOrThrow, mergeRuleEdits, RulesConflict, type RuleOrigins} from '../../source/core/rules-merge.js';

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

// Sequences of edits merged onto an unrelated change elsewhere: each is the set of edits it ends at.
describe('a session of several edits merged as one change set onto a change made elsewhere', () => {
  const alias = (name: string, alias: string) => ({name, alias});
  const base: ModelRules = {excluded: ['a*', 'b*'], aliases: [alias('gpt-5', 'a'), alias('gpt-5-mini', 'b')]};
  const elsewhere: ModelRules = {excluded: [...base.excluded, 'z*'], aliases: [...base.aliases, alias('o3', 'z')]};
  const edits = (mine: ModelRules, origin: RuleOrigins) => ({base, mine, origin});

  it('two aliases swapped: no conflict, both swapped, the rule added elsewhere kept', () => {
    const merged = mergeRuleEdits(edits({...base, aliases: [alias('gpt-5', 'b'), alias('gpt-5-mini', 'a')]}, loadedOrigins(base)), elsewhere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, [alias('gpt-5-mini', 'a'), alias('gpt-5', 'b'), alias('o3', 'z')]);
  });

  it('renamed then deleted: the loaded rule is gone, nothing added', () => {
    // Row `a` renamed to `x`, then deleted: only `b` is left, from loaded row 1.
    const merged = mergeRuleEdits(edits({...base, aliases: [alias('gpt-5-mini', 'b')]}, {excluded: [0, 1], aliases: [1]}), elsewhere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, [alias('gpt-5-mini', 'b'), alias('o3', 'z')]);
  });

  it('deleted then added again as it was: no change and no conflict, even where it changed elsewhere', () => {
    const mine = {...base, aliases: [alias('gpt-5-mini', 'b'), alias('gpt-5', 'a')]};
    const origin = {excluded: [0, 1], aliases: [1, -1]};
    assert.deepEqual(mergeRuleEdits(edits(mine, origin), elsewhere).rules.aliases, elsewhere.aliases);
    const changedThere = {...elsewhere, aliases: [alias('gpt-6', 'a'), alias('gpt-5-mini', 'b')]};
    const merged = mergeRuleEdits(edits(mine, origin), changedThere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, changedThere.aliases);
  });

  it('deleted then added again for another model: a change of that rule', () => {
    const mine = {...base, aliases: [alias('gpt-5-mini', 'b'), alias('gpt-4o', 'a')]};
    const merged = mergeRuleEdits(edits(mine, {excluded: [0, 1], aliases: [1, -1]}), elsewhere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, [alias('gpt-4o', 'a'), alias('gpt-5-mini', 'b'), alias('o3', 'z')]);
  });

  it('exclusions renamed in a chain and aliases edited in the same session, both lists changed elsewhere', () => {
    // b* → c*, then a* → b*; alias b → c; alias a pointed at gpt-5.1.
    const mine: ModelRules = {excluded: ['b*', 'c*'], aliases: [alias('gpt-5.1', 'a'), alias('gpt-5-mini', 'c')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), elsewhere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules, {excluded: ['b*', 'c*', 'z*'], aliases: [alias('gpt-5.1', 'a'), alias('gpt-5-mini', 'c'), alias('o3', 'z')]});
  });

  it('the same edits made in both places: no conflict, each once', () => {
    const mine: ModelRules = {excluded: ['b*', 'c*'], aliases: [alias('gpt-5', 'b'), alias('gpt-5-mini', 'c')]};
    // Elsewhere the same renames (fields in another order, as a parser may give them; an unset fork), plus an unrelated rule.
    const theirs: ModelRules = {excluded: ['z*', 'c*', 'b*'], aliases: [{alias: 'c', name: 'gpt-5-mini', fork: undefined}, {alias: 'b', name: 'gpt-5'}, alias('o3', 'z')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), theirs);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules, theirs);
  });

  it('a rule renamed here and changed elsewhere: one conflict that says what it became; keep mine writes the rename', () => {
    const mine = {...base, aliases: [alias('gpt-5', 'x'), alias('gpt-5-mini', 'b')]};
    const theirs = {...base, aliases: [alias('gpt-6', 'a'), alias('gpt-5-mini', 'b'), alias('o3', 'z')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), theirs);
    assert.deepEqual(merged.conflicts, ['alias "a": changed here to x ← gpt-5, changed elsewhere to a ← gpt-6']);
    assert.deepEqual(merged.rules.aliases[0], alias('gpt-6', 'a')); // theirs for the conflicting rule (and nothing is written)
    assert.deepEqual(mergeRuleEdits(edits(mine, loadedOrigins(base)), theirs, true).rules.aliases, [alias('gpt-5', 'x'), alias('gpt-5-mini', 'b'), alias('o3', 'z')]);
  });

  it('a rule renamed here and removed elsewhere: a conflict (the edit would bring it back); renamed the same way elsewhere: none', () => {
    const mine = {...base, aliases: [alias('gpt-5', 'x'), alias('gpt-5-mini', 'b')]};
    const removed = {...base, aliases: [alias('gpt-5-mini', 'b')]};
    assert.deepEqual(mergeRuleEdits(edits(mine, loadedOrigins(base)), removed).conflicts, ['alias "a": changed here to x ← gpt-5, removed elsewhere']);
    assert.deepEqual(mergeRuleEdits(edits(mine, loadedOrigins(base)), removed, true).rules.aliases, [alias('gpt-5-mini', 'b'), alias('gpt-5', 'x')]);
    const renamedThere = {...base, aliases: [alias('gpt-5-mini', 'b'), alias('gpt-5', 'x')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), renamedThere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, renamedThere.aliases);
  });

  it('a renamed rule lands where the rule it was is, and an alias named "__proto__" is just a name', () => {
    const mine = {...base, aliases: [alias('gpt-5', '__proto__'), alias('gpt-5-mini', 'b')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), elsewhere);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, [alias('gpt-5', '__proto__'), alias('gpt-5-mini', 'b'), alias('o3', 'z')]);
  });

  it('a duplicated alias elsewhere keeps its rows in order (the first one wins) when this session did not touch it', () => {
    const theirs = {...base, aliases: [alias('gpt-5', 'a'), alias('gpt-5-mini', 'b'), alias('o1', 'b')]};
    const mine = {...base, aliases: [alias('gpt-5.1', 'a'), alias('gpt-5-mini', 'b')]};
    const merged = mergeRuleEdits(edits(mine, loadedOrigins(base)), theirs);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(merged.rules.aliases, [alias('gpt-5.1', 'a'), alias('gpt-5-mini', 'b'), alias('o1', 'b')]);
  });
});
