// rv9p probe: the rules editor's three-way merge (core/rules-merge.ts) replays only its own edits
// onto the rules as they are now. Renaming aliases in a chain in one session (A→B, B→C: the row
// that was B now says C, the row that was A now says B) while someone else changed an unrelated
// rule of the same list must apply cleanly: no conflict is invented, and no rule is lost, with or
// without "keep mine".
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ModelRules} from '../../source/core/model-rules.js';
import {mergeRuleEdits, loadedOrigins} from '../../source/core/rules-merge.js';

const base: ModelRules = {
  excluded: [],
  aliases: [
    {name: 'gpt-5', alias: 'a'},
    {name: 'gpt-5-mini', alias: 'b'},
  ],
};
// In the editor: the row that was `b` renamed to `c`, then the row that was `a` renamed to `b`.
const mine: ModelRules = {
  excluded: [],
  aliases: [
    {name: 'gpt-5', alias: 'b'},
    {name: 'gpt-5-mini', alias: 'c'},
  ],
};
const origin = loadedOrigins(base);
// Meanwhile elsewhere: an unrelated alias added.
const theirs: ModelRules = {excluded: [], aliases: [...base.aliases, {name: 'o3', alias: 'z'}]};
const wanted = [
  {name: 'gpt-5', alias: 'b'},
  {name: 'gpt-5-mini', alias: 'c'},
  {name: 'o3', alias: 'z'},
];
const sorted = (rows: readonly {alias: string}[]) => [...rows].sort((x, y) => x.alias.localeCompare(y.alias));

describe('rv9p: a chain of alias renames merged onto an unrelated change elsewhere', () => {
  it('merges without a conflict: both renamed rows and the rule added elsewhere', () => {
    const merged = mergeRuleEdits({base, mine, origin}, theirs);
    assert.deepEqual(merged.conflicts, []);
    assert.deepEqual(sorted(merged.rules.aliases), wanted);
  });

  it('with keep mine: no rule edited here is lost', () => {
    const merged = mergeRuleEdits({base, mine, origin}, theirs, true);
    assert.deepEqual(sorted(merged.rules.aliases), wanted);
  });
});
