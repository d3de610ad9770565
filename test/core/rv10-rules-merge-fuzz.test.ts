// rv10 attack review (data loss): the model rules editor's three-way merge (core/rules-merge.ts) on
// random edits. Edits here and elsewhere to different rules (removed, retargeted, added, a rule
// renamed here) must all survive with no conflict; edits to the same rule must either agree or be a
// conflict, never one silently dropped. Seeded, so a failure names a case that can be replayed.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {mergeRuleEdits} from '../../source/core/rules-merge.js';
import type {ModelAlias} from '../../source/core/types.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

/** One random case: rules as loaded, edited here (rows with their origins) and elsewhere; which aliases each side touched. */
function randomCase(seed: number, overlap: boolean) {
  const rnd = random(seed);
  const base: ModelAlias[] = NAMES.filter(() => rnd(2) === 1).map((alias) => ({alias, name: `m${rnd(3)}`}));
  const mine = base.map((row, i) => ({row: {...row}, origin: i}));
  const theirs = base.map((row) => ({...row}));
  const touched = {mine: new Set<string>(), theirs: new Set<string>()};
  for (let op = rnd(4) + 1; op > 0; op--) {
    const here = rnd(2) === 1;
    const kind = rnd(3);
    const alias = NAMES[rnd(NAMES.length)]!;
    if (!overlap && (here ? touched.theirs : touched.mine).has(alias)) continue;
    if (here) {
      const i = mine.findIndex((m) => m.row.alias === alias);
      if (kind === 0 && i >= 0) mine.splice(i, 1);
      else if (kind === 1 && i >= 0) mine[i] = {row: {alias, name: `z${rnd(3)}`}, origin: mine[i]!.origin};
      else if (kind === 2 && i < 0) mine.splice(rnd(mine.length + 1), 0, {row: {alias, name: `n${rnd(3)}`}, origin: -1});
      else continue;
      touched.mine.add(alias);
    } else {
      const i = theirs.findIndex((row) => row.alias === alias);
      if (kind === 0 && i >= 0) theirs.splice(i, 1);
      else if (kind === 1 && i >= 0) theirs[i] = {alias, name: `t${rnd(3)}`};
      else if (kind === 2 && i < 0) theirs.splice(rnd(theirs.length + 1), 0, {alias, name: `u${rnd(3)}`});
      else continue;
      touched.theirs.add(alias);
    }
  }
  // A rename here (an alias edited in place), onto a name nobody uses.
  const i = rnd(Math.max(mine.length, 1));
  const to = NAMES[rnd(NAMES.length)]!;
  const row = mine[i];
  if (rnd(3) === 0 && row && row.origin >= 0 && !touched.theirs.has(row.row.alias) && !touched.theirs.has(to) && !mine.some((m) => m.row.alias === to) && !theirs.some((t) => t.alias === to)) {
    touched.mine.add(row.row.alias).add(to);
    mine[i] = {row: {...row.row, alias: to}, origin: row.origin};
  }
  const edits = {base: {excluded: [], aliases: base}, mine: {excluded: [], aliases: mine.map((m) => m.row)}, origin: {excluded: [], aliases: mine.map((m) => m.origin)}};
  return {edits, theirs, touched};
}

/** Each alias's target as it should be after the merge: as edited here when touched here, else as it is elsewhere. */
function expected({edits, theirs, touched}: ReturnType<typeof randomCase>): Map<string, string> {
  const out = new Map<string, string>();
  for (const alias of NAMES) for (const row of touched.mine.has(alias) ? edits.mine.aliases : theirs) if (row.alias === alias) out.set(alias, row.name);
  return out;
}

describe('rv10: the rules merge on random edits loses nothing', () => {
  for (const overlap of [false, true]) {
    it(overlap ? 'edits that may meet: a clean merge keeps every edit of both sides' : 'edits to different rules: no conflict, every edit of both sides kept', () => {
      for (let seed = 1; seed <= 5000; seed++) {
        const c = randomCase(seed, overlap);
        const merged = mergeRuleEdits(c.edits, {excluded: [], aliases: c.theirs});
        if (overlap && merged.conflicts.length > 0) continue;
        assert.deepEqual(merged.conflicts, [], `seed ${seed}`);
        const got = merged.rules.aliases;
        assert.equal(new Set(got.map((row) => row.alias)).size, got.length, `seed ${seed}: an alias twice: ${JSON.stringify(got)}`);
        assert.deepEqual(new Map(got.map((row) => [row.alias, row.name])), expected(c), `seed ${seed}: ${JSON.stringify({...c, got})}`);
      }
    });
  }
});
