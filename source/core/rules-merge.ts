// Saving the model rules editor onto rules that may have changed elsewhere since they were loaded
// (`ccs-tui exclude add` in another shell, CCS, a second TUI, another admin of a remote server): a
// three-way merge. Only the editor's own edits (rows added, changed, removed) are applied onto the
// rules as they are now, so changes made elsewhere survive. An edit that meets a change made
// elsewhere to the same rule is a conflict: nothing is written unless the person chose to keep
// theirs (`keepMine`), and each conflict is said in a sentence.
import type {ModelRules} from './model-rules.js';
import {UserError, type ModelAlias} from './types.js';

/**
 * Where each row being edited came from: for `excluded[j]` / `aliases[j]` of the edited rules, the
 * index of the loaded row it is (edited or not), or -1 for a row added in the editor. A loaded index
 * no row names was removed in the editor.
 */
export interface RuleOrigins {
  excluded: readonly number[];
  aliases: readonly number[];
}

/** What the editor did: the rules as loaded (`base`), as edited (`mine`), and the rows' origins. */
export interface RuleEdits {
  base: ModelRules;
  mine: ModelRules;
  origin: RuleOrigins;
}

export interface RulesMerge {
  rules: ModelRules;
  /** One sentence per rule edited here and changed elsewhere too (empty: a clean merge). */
  conflicts: string[];
}

/** Origins for rules as loaded: every row is its own. */
export function loadedOrigins(rules: ModelRules): RuleOrigins {
  return {excluded: rules.excluded.map((_, i) => i), aliases: rules.aliases.map((_, i) => i)};
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies `edits` onto `theirs` (the rules as they are now). A list nobody else changed is written
 * as edited (its order too); otherwise each edit is replayed onto theirs. With `keepMine`, a
 * conflicting edit wins (the rule is written as edited here); without it the result still holds
 * theirs for it, and the caller must not write it.
 */
export function mergeRuleEdits(edits: RuleEdits, theirs: ModelRules, keepMine = false): RulesMerge {
  const conflicts: string[] = [];
  const excluded = sameJson(theirs.excluded, edits.base.excluded)
    ? [...edits.mine.excluded]
    : mergeList(edits.base.excluded, edits.mine.excluded, edits.origin.excluded, theirs.excluded, EXCLUSION, keepMine, conflicts);
  const aliases = sameJson(theirs.aliases, edits.base.aliases)
    ? [...edits.mine.aliases]
    : mergeList(edits.base.aliases, edits.mine.aliases, edits.origin.aliases, theirs.aliases, ALIAS, keepMine, conflicts);
  return {rules: {excluded, aliases}, conflicts};
}

/**
 * How rows of a list are told apart and said: `key` says which rule a row is (case as CLIProxyAPI
 * compares), `name` names the rule, `show` says what it is now.
 */
interface RowKind<T> {
  key(row: T): string;
  name(row: T): string;
  show(row: T): string;
}

// A pattern is its own identity: the same pattern elsewhere is the same rule.
const EXCLUSION: RowKind<string> = {key: (p) => p.trim().toLowerCase(), name: (p) => `exclusion "${p}"`, show: (p) => `"${p}"`};
// An alias entry is its alias: one channel has one entry per alias (`ccs-tui alias add` refuses a second).
const ALIAS: RowKind<ModelAlias> = {
  key: (a) => a.alias.trim().toLowerCase(),
  name: (a) => `alias "${a.alias}"`,
  show: (a) => `${a.alias} ← ${a.name}${a.fork ? ' [fork]' : ''}`,
};

function mergeList<T>(
  base: readonly T[],
  mine: readonly T[],
  origin: readonly number[],
  theirs: readonly T[],
  kind: RowKind<T>,
  keepMine: boolean,
  conflicts: string[],
): T[] {
  const result = [...theirs];
  const at = (row: T) => result.findIndex((r) => kind.key(r) === kind.key(row));
  const put = (row: T, index: number) => (index >= 0 ? (result[index] = row) : result.push(row));
  const conflict = (text: string, resolve: () => void) => {
    conflicts.push(text);
    if (keepMine) resolve();
  };
  // Removed here: gone from theirs unless it was changed there meanwhile.
  const kept = new Set(origin.filter((i) => i >= 0));
  for (const [i, old] of base.entries()) {
    if (kept.has(i)) continue;
    const index = at(old);
    if (index < 0) continue;
    if (sameJson(result[index], old)) result.splice(index, 1);
    else conflict(`${kind.name(old)}: removed here, changed elsewhere to ${kind.show(result[index]!)}`, () => result.splice(at(old), 1));
  }
  for (const [j, row] of mine.entries()) {
    const from = origin[j] ?? -1;
    const old = from >= 0 ? base[from] : undefined;
    if (old !== undefined && sameJson(old, row)) continue; // unchanged here: theirs stands
    const index = at(row);
    // Already as edited here (the same edit made elsewhere, or a save that was retried): nothing to do.
    if (index >= 0 && sameJson(result[index], row)) {
      if (old !== undefined && kind.key(old) !== kind.key(row)) removeUnchanged(result, old, kind);
      continue;
    }
    if (old === undefined) {
      if (index < 0) result.push(row);
      else conflict(`${kind.name(row)}: added here as ${kind.show(row)}, elsewhere as ${kind.show(result[index]!)}`, () => put(row, at(row)));
      continue;
    }
    // Changed here from `old`: replace theirs if theirs still is `old`.
    const oldIndex = at(old);
    if (oldIndex >= 0 && sameJson(result[oldIndex], old) && (index < 0 || index === oldIndex)) {
      result[oldIndex] = row;
      continue;
    }
    const there = oldIndex >= 0 ? `changed elsewhere to ${kind.show(result[oldIndex]!)}` : index >= 0 ? `elsewhere ${kind.show(result[index]!)} was added` : 'removed elsewhere';
    conflict(`${kind.name(old)}: changed here to ${kind.show(row)}, ${there}`, () => {
      const replaced = at(old);
      if (replaced >= 0 && kind.key(old) !== kind.key(row)) result.splice(replaced, 1);
      put(row, at(row));
    });
  }
  return result;
}

/** Drops `old` from `rows` when it is still there as it was. */
function removeUnchanged<T>(rows: T[], old: T, kind: RowKind<T>): void {
  const index = rows.findIndex((r) => kind.key(r) === kind.key(old));
  if (index >= 0 && sameJson(rows[index], old)) rows.splice(index, 1);
}

/**
 * A save refused because edits made here meet changes made elsewhere to the same rules: nothing was
 * written. `where`: the file (or server) whose rules changed; `conflicts`: one sentence each.
 */
export class RulesConflict extends UserError {
  constructor(
    readonly where: string,
    readonly conflicts: readonly string[],
  ) {
    super(`${where} changed elsewhere since it was loaded: ${conflicts.join('; ')}; not saved`);
  }
}

/** The rules to write for `edits` onto `theirs`: throws RulesConflict (writing nothing) unless `keepMine` or none conflict. */
export function mergedOrThrow(edits: RuleEdits, theirs: ModelRules, where: string, keepMine: boolean): ModelRules {
  const merged = mergeRuleEdits(edits, theirs, keepMine);
  if (merged.conflicts.length > 0 && !keepMine) throw new RulesConflict(where, merged.conflicts);
  return merged.rules;
}
