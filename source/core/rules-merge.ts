// Saving the model rules editor onto rules that may have changed elsewhere since they were loaded
// (`ccs-tui exclude add` in another shell, CCS, a second TUI, another admin of a remote server): a
// three-way merge. Only the editor's own edits (rows added, changed, removed) are applied onto the
// rules as they are now, so changes made elsewhere survive. An edit that meets a change made
// elsewhere to the same rule is a conflict: nothing is written unless the person chose to keep
// theirs (`keepMine`), and each conflict is said in a sentence.
import {shownModelName, type ModelRules} from './model-rules.js';
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

// Rows compared as data: the same fields with the same values, whatever order a parser gave them in
// (a field set to undefined is no field, as in JSON).
const canonical = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)])
    : Array.isArray(value)
      ? value.map(canonical)
      : value;
const sameRows = <T>(a: readonly T[], b: readonly T[]) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * Applies `edits` onto `theirs` (the rules as they are now). A list nobody else changed is written
 * as edited (its order too); otherwise the list is merged rule by rule (mergeList). With `keepMine`, a
 * conflicting edit wins (the rule is written as edited here); without it the result still holds
 * theirs for each conflicting rule (the other edits applied), and the caller must not write it.
 */
export function mergeRuleEdits(edits: RuleEdits, theirs: ModelRules, keepMine = false): RulesMerge {
  const conflicts: string[] = [];
  const excluded = sameRows(theirs.excluded, edits.base.excluded)
    ? [...edits.mine.excluded]
    : mergeList(edits.base.excluded, edits.mine.excluded, edits.origin.excluded, theirs.excluded, EXCLUSION, keepMine, conflicts);
  const aliases = sameRows(theirs.aliases, edits.base.aliases)
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
// Names are shown as every rule is (shownModelName: a key found as a name masked).
const EXCLUSION: RowKind<string> = {key: (p) => p.trim().toLowerCase(), name: (p) => `exclusion "${shownModelName(p)}"`, show: (p) => `"${shownModelName(p)}"`};
// An alias entry is its alias: one channel has one entry per alias (`ccs-tui alias add` refuses a second).
const ALIAS: RowKind<ModelAlias> = {
  key: (a) => a.alias.trim().toLowerCase(),
  name: (a) => `alias "${shownModelName(a.alias)}"`,
  show: (a) => `${shownModelName(a.alias)} ← ${shownModelName(a.name)}${a.fork ? ' [fork]' : ''}`,
};

/** The rows of one rule (one key) in each version; more than one only where a list repeats a rule. */
interface RuleVersions<T> {
  base: T[];
  mine: T[];
  theirs: T[];
}

/**
 * The three-way merge of one list, rule by rule (a rule is a key: `kind.key`). For each rule the
 * editor's version is compared with the loaded one as a whole, never row by row in the order they
 * were edited, so a chain of renames (b→c, then a→b) is the edits it ends at (a removed, b changed,
 * c added) and not a replay that mistakes its own earlier step for a change made elsewhere.
 * Per rule: unchanged here → theirs; unchanged elsewhere → mine; the same both places → that
 * (a rule renamed here is changed, not removed: its removal elsewhere is a conflict unless the rule
 * it became is there too); otherwise a conflict (theirs, or mine with `keepMine`). Order: theirs,
 * each rule in place; a rule new to theirs goes after the loaded rule it was renamed from (`origin`)
 * when theirs has that, else at the end.
 */
function mergeList<T>(
  base: readonly T[],
  mine: readonly T[],
  origin: readonly number[],
  theirs: readonly T[],
  kind: RowKind<T>,
  keepMine: boolean,
  conflicts: string[],
): T[] {
  // A Map (not an object): keys are names from files, and may be "__proto__".
  const rules = new Map<string, RuleVersions<T>>();
  const versions = (row: T) => {
    const key = kind.key(row);
    let found = rules.get(key);
    if (!found) rules.set(key, (found = {base: [], mine: [], theirs: []}));
    return found;
  };
  for (const row of base) versions(row).base.push(row);
  for (const row of mine) versions(row).mine.push(row);
  for (const row of theirs) versions(row).theirs.push(row);

  // The rows a loaded rule was renamed to here (an exclusion's pattern edited, an alias renamed):
  // that is a change of the loaded rule, which conflicts with its removal or change elsewhere.
  const renamed = new Map<string, T[]>();
  for (const [j, row] of mine.entries()) {
    const old = base[origin[j] ?? -1];
    if (old !== undefined && kind.key(old) !== kind.key(row)) renamed.set(kind.key(old), [...(renamed.get(kind.key(old)) ?? []), row]);
  }
  const chosen = new Map<string, T[]>();
  const agreed = (row: T) => {
    const v = rules.get(kind.key(row))!;
    return sameRows(v.mine, v.theirs);
  };
  for (const [key, v] of rules) {
    const renamedTo = renamed.get(key) ?? [];
    if (sameRows(v.mine, v.base)) chosen.set(key, v.theirs);
    else if (sameRows(v.theirs, v.base)) chosen.set(key, v.mine);
    // The same edit made elsewhere: for a rename, the rows it became are there as here too.
    else if (sameRows(v.mine, v.theirs) && renamedTo.every(agreed)) chosen.set(key, v.theirs);
    else {
      conflicts.push(conflictSentence(v, renamedTo, kind));
      chosen.set(key, keepMine ? v.mine : v.theirs);
    }
  }

  // Rules theirs lacks, placed after the rule their loaded row was (a rename keeps its place).
  const inTheirs = new Set(theirs.map(kind.key));
  const after = new Map<string, string[]>();
  const atEnd: string[] = [];
  const placed = new Set<string>();
  for (const [j, row] of mine.entries()) {
    const key = kind.key(row);
    if (inTheirs.has(key) || placed.has(key)) continue;
    placed.add(key);
    const from = origin[j] ?? -1;
    const anchor = from >= 0 && base[from] !== undefined ? kind.key(base[from]) : undefined;
    if (anchor !== undefined && inTheirs.has(anchor)) after.set(anchor, [...(after.get(anchor) ?? []), key]);
    else atEnd.push(key);
  }
  const result: T[] = [];
  const emitted = new Set<string>();
  const emit = (key: string) => {
    if (emitted.has(key)) return;
    emitted.add(key);
    result.push(...(chosen.get(key) ?? []));
    for (const next of after.get(key) ?? []) emit(next);
  };
  for (const row of theirs) emit(kind.key(row));
  for (const key of atEnd) emit(key);
  return result;
}

/** One sentence for a rule edited here and changed elsewhere, differently; `renamedTo`: rows its loaded row became here. */
function conflictSentence<T>(v: RuleVersions<T>, renamedTo: readonly T[], kind: RowKind<T>): string {
  const show = (rows: readonly T[]) => rows.map(kind.show).join(', ');
  const name = kind.name(v.base[0] ?? v.mine[0] ?? v.theirs[0]!);
  if (v.base.length === 0) return `${name}: added here as ${show(v.mine)}, elsewhere as ${show(v.theirs)}`;
  const here = v.mine.length > 0 || renamedTo.length > 0 ? `changed here to ${show([...v.mine, ...renamedTo])}` : 'removed here';
  const there = v.theirs.length === 0 ? 'removed elsewhere' : `changed elsewhere to ${show(v.theirs)}`;
  return `${name}: ${here}, ${there}`;
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
