// The model rules editor as a pure reducer: the rules being edited (global and, optionally, one
// account's), the cursor, and the text field open on a pattern or alias. Every keystroke in a field
// updates the rules themselves, so the preview (resolveModels) follows each character.
import {typedModelNameProblem, type ModelRules, type RuleScope} from './model-rules.js';
import {loadedOrigins, type RuleEdits, type RuleOrigins} from './rules-merge.js';
import {actionForKey} from './keymap.js';
import {draftOf, editText, type TextDraft} from './text-edit.js';
import type {ModelAlias} from './types.js';

export type RuleRow = {list: 'excluded'; index: number} | {list: 'aliases'; index: number};
export type RuleField = 'pattern' | 'name' | 'alias';

export interface RulesEditorState {
  rules: Record<RuleScope, ModelRules>;
  saved: Record<RuleScope, ModelRules>;
  /** Which saved row each edited row is (-1: added here): a save applies only these edits (core/rules-merge.ts). */
  origin: Record<RuleScope, RuleOrigins>;
  /** `account` when an account is chosen: its token file's rules are edited, the global ones shown. */
  scope: RuleScope;
  cursor: number;
  /** `error`: why the field could not be left as typed (a key pasted as a model name): said under it until the next key. */
  editing?: {row: RuleRow; field: RuleField; draft: TextDraft; isNew: boolean; before: string; error?: string};
  source?: unknown;
}

export type RulesEditorAction =
  /** `source` identifies what was loaded, so a view can tell stale state from current. */
  | {type: 'load'; global: ModelRules; account?: ModelRules; source?: unknown}
  /**
   * The same choice read again: a new base list (live ↔ static), or the files changed elsewhere. Edits
   * and cursor stay; the rules given (as they are on disk now) replace the shown ones only when
   * nothing is being edited or unsaved (a save merges them: core/rules-merge.ts).
   */
  | {type: 'rebase'; source?: unknown; global?: ModelRules; account?: ModelRules}
  | {type: 'addExclusion'}
  | {type: 'addAlias'}
  | {type: 'edit'}
  | {type: 'text'; input: string; key: string}
  | {type: 'delete'}
  | {type: 'move'; by: -1 | 1}
  | {type: 'cursor'; by: number}
  | {type: 'toggleFork'}
  /** The rules of these scopes were written as given (merged with changes made elsewhere): they are the saved ones now. */
  | {type: 'saved'; global?: ModelRules; account?: ModelRules};

const EMPTY: ModelRules = {excluded: [], aliases: []};

export function initialRulesEditor(global: ModelRules = EMPTY, account?: ModelRules): RulesEditorState {
  const rules = {global, account: account ?? EMPTY};
  return {rules, saved: rules, origin: {global: loadedOrigins(global), account: loadedOrigins(rules.account)}, scope: account ? 'account' : 'global', cursor: 0};
}

/** The edits of one scope since it was loaded or saved, for a save (core/rules-merge.ts). */
export function scopeEdits(state: RulesEditorState, scope: RuleScope): RuleEdits {
  return {base: state.saved[scope], mine: state.rules[scope], origin: state.origin[scope]};
}

/** The rows of the left pane for a scope: exclusion patterns first, then alias entries. */
export function ruleRows(rules: ModelRules): RuleRow[] {
  return [
    ...rules.excluded.map((_, index) => ({list: 'excluded' as const, index})),
    ...rules.aliases.map((_, index) => ({list: 'aliases' as const, index})),
  ];
}

export function isDirty(state: RulesEditorState, scope?: RuleScope): boolean {
  const scopes: RuleScope[] = scope ? [scope] : ['global', 'account'];
  return scopes.some((s) => JSON.stringify(countedRules(state, s)) !== JSON.stringify(state.saved[s]));
}

/** Whether `row` is a rule just added (`a`, `A`) with nothing typed into it yet. */
function untouchedNew(state: RulesEditorState, scope: RuleScope): RuleRow | undefined {
  const editing = state.editing;
  if (!editing?.isNew || state.scope !== scope) return undefined;
  const rules = state.rules[scope];
  const alias = rules.aliases[editing.row.index];
  const empty = editing.row.list === 'excluded' ? rules.excluded[editing.row.index] === '' : alias !== undefined && alias.name === '' && alias.alias === '';
  return empty ? editing.row : undefined;
}

/** The rules as "unsaved" counts them: a rule just added changes nothing until something is typed into it. */
function countedRules(state: RulesEditorState, scope: RuleScope): ModelRules {
  const row = untouchedNew(state, scope);
  return row ? removeRow(state.rules[scope], row) : state.rules[scope];
}


export function selectedRow(state: RulesEditorState): RuleRow | undefined {
  return ruleRows(state.rules[state.scope])[state.cursor];
}

function fieldValue(rules: ModelRules, row: RuleRow, field: RuleField): string {
  if (row.list === 'excluded') return rules.excluded[row.index] ?? '';
  const alias = rules.aliases[row.index];
  return (field === 'name' ? alias?.name : alias?.alias) ?? '';
}

function setField(rules: ModelRules, row: RuleRow, field: RuleField, value: string): ModelRules {
  if (row.list === 'excluded') return {...rules, excluded: rules.excluded.map((p, i) => (i === row.index ? value : p))};
  const aliases = rules.aliases.map((a, i) => (i === row.index ? {...a, [field]: value} : a));
  return {...rules, aliases};
}

function removeRow(rules: ModelRules, row: RuleRow): ModelRules {
  if (row.list === 'excluded') return {...rules, excluded: rules.excluded.filter((_, i) => i !== row.index)};
  return {...rules, aliases: rules.aliases.filter((_, i) => i !== row.index)};
}

/** The scope's rules without `row`, and its origin with it. */
function withoutRow(state: RulesEditorState, row: RuleRow): RulesEditorState {
  const origin = state.origin[state.scope];
  const next = withScopeRules(state, removeRow(state.rules[state.scope], row));
  return withScopeOrigin(next, {...origin, [row.list]: origin[row.list].filter((_, i) => i !== row.index)});
}

function withScopeOrigin(state: RulesEditorState, origin: RuleOrigins): RulesEditorState {
  return {...state, origin: {...state.origin, [state.scope]: origin}};
}

const rowPosition = (rules: ModelRules, row: RuleRow) => (row.list === 'excluded' ? row.index : rules.excluded.length + row.index);

function withScopeRules(state: RulesEditorState, rules: ModelRules): RulesEditorState {
  return {...state, rules: {...state.rules, [state.scope]: rules}};
}

function clampCursor(state: RulesEditorState): RulesEditorState {
  const count = ruleRows(state.rules[state.scope]).length;
  return {...state, cursor: Math.max(0, Math.min(state.cursor, count - 1))};
}

/** A field as its error names it. */
const FIELD_WORDS: Record<RuleField, string> = {pattern: 'the pattern', name: 'the model name', alias: 'the alias'};

/**
 * Why `value` cannot be left in `field` (typedModelNameProblem, named by the field:
 * `the model name cannot be a key or token (…)`); undefined when it can, or is empty (the entry's
 * own rules say what an empty field does). A value as it was loaded stays (a file's rules are read
 * as they are): only text typed here is refused.
 */
function fieldProblem(field: RuleField, value: string, before: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === before.trim()) return undefined;
  const problem = typedModelNameProblem(trimmed);
  return problem && `${FIELD_WORDS[field]} ${problem}`;
}

/**
 * Why the edited rules cannot be saved: a value typed into a rule (new or changed since the rules
 * were loaded) that typedModelNameProblem refuses, as a field left would be (a save asked while a
 * field is still open, from the quit prompt). Undefined when they can.
 */
export function rulesEditProblem(state: RulesEditorState): string | undefined {
  for (const scope of ['global', 'account'] as const) {
    const rules = countedRules(state, scope);
    const saved = state.saved[scope];
    const was = new Set([...saved.excluded, ...saved.aliases.flatMap((a) => [a.name, a.alias])].map((v) => v.trim()));
    const typed: Array<[RuleField, string]> = [...rules.excluded.map((p): [RuleField, string] => ['pattern', p]), ...rules.aliases.flatMap((a): Array<[RuleField, string]> => [['name', a.name], ['alias', a.alias]])];
    for (const [field, value] of typed) {
      const problem = was.has(value.trim()) ? undefined : fieldProblem(field, value, '');
      if (problem) return problem;
    }
  }
  return undefined;
}

function startEditing(state: RulesEditorState, row: RuleRow, field: RuleField, isNew: boolean): RulesEditorState {
  const value = fieldValue(state.rules[state.scope], row, field);
  return {
    ...state,
    cursor: rowPosition(state.rules[state.scope], row),
    editing: {row, field, draft: draftOf(value), isNew, before: value},
  };
}

export function rulesEditorReducer(state: RulesEditorState, action: RulesEditorAction): RulesEditorState {
  const rules = state.rules[state.scope];
  switch (action.type) {
    case 'load':
      return {...initialRulesEditor(action.global, action.account), source: action.source};
    case 'rebase': {
      const clean = !state.editing && !isDirty(state);
      if (!clean || (action.global === undefined && action.account === undefined)) return {...state, source: action.source};
      return {...rulesEditorReducer(state, {type: 'saved', global: action.global, account: action.account}), source: action.source};
    }
    case 'addExclusion': {
      if (state.editing) return state;
      const origin = state.origin[state.scope];
      const next = withScopeOrigin(withScopeRules(state, {...rules, excluded: [...rules.excluded, '']}), {...origin, excluded: [...origin.excluded, -1]});
      return startEditing(next, {list: 'excluded', index: rules.excluded.length}, 'pattern', true);
    }
    case 'addAlias': {
      if (state.editing) return state;
      const origin = state.origin[state.scope];
      const next = withScopeOrigin(withScopeRules(state, {...rules, aliases: [...rules.aliases, {name: '', alias: ''}]}), {...origin, aliases: [...origin.aliases, -1]});
      return startEditing(next, {list: 'aliases', index: rules.aliases.length}, 'name', true);
    }
    case 'edit': {
      const row = selectedRow(state);
      if (state.editing || !row) return state;
      return startEditing(state, row, row.list === 'excluded' ? 'pattern' : 'name', false);
    }
    case 'text': {
      const editing = state.editing;
      if (!editing) return state;
      // An alias entry's two fields: Tab and Shift-Tab go to the other one (what was typed stays).
      const toField = editing.row.list === 'aliases' ? actionForKey(action.key, ['field']) : undefined;
      // Leaving a field (Tab, Enter) with a key typed into it is refused: it stays open, saying why.
      const result = editText(editing.draft, action.input, action.key);
      const leaving = toField === 'field.next' || toField === 'field.prev' || result.done === 'submit';
      const problem = leaving ? fieldProblem(editing.field, editing.draft.text, editing.before) : undefined;
      if (problem) return {...state, editing: {...editing, error: problem}};
      if (toField === 'field.next' || toField === 'field.prev') {
        const other = editing.field === 'name' ? 'alias' : 'name';
        return startEditing(withScopeRules(state, setField(rules, editing.row, editing.field, editing.draft.text.trim())), editing.row, other, editing.isNew);
      }
      if (result.done === 'cancel') {
        if (editing.isNew) return clampCursor({...withoutRow(state, editing.row), editing: undefined});
        return {...withScopeRules(state, setField(rules, editing.row, editing.field, editing.before)), editing: undefined};
      }
      if (result.done === 'submit') {
        const trimmed = editing.draft.text.trim();
        // An alias entry is two fields: the model name, then the alias.
        if (editing.field === 'name') return startEditing(withScopeRules(state, setField(rules, editing.row, 'name', trimmed)), editing.row, 'alias', editing.isNew);
        // Left empty: an exclusion without a pattern, or an alias entry without either field, is no rule.
        const emptyAlias = editing.row.list === 'aliases' && trimmed === '' && (rules.aliases[editing.row.index]?.name ?? '') === '';
        if ((editing.row.list === 'excluded' && trimmed === '') || emptyAlias) {
          return clampCursor({...withoutRow(state, editing.row), editing: undefined});
        }
        return {...withScopeRules(state, setField(rules, editing.row, editing.field, trimmed)), editing: undefined};
      }
      const next = withScopeRules(state, setField(rules, editing.row, editing.field, result.draft.text));
      const {error: _said, ...still} = editing;
      return {...next, editing: {...still, draft: result.draft}};
    }
    case 'delete': {
      const row = selectedRow(state);
      if (state.editing || !row) return state;
      return clampCursor(withoutRow(state, row));
    }
    case 'move': {
      const row = selectedRow(state);
      if (state.editing || !row) return state;
      const list = row.list === 'excluded' ? [...rules.excluded] : [...rules.aliases];
      const target = row.index + action.by;
      if (target < 0 || target >= list.length) return state;
      [list[row.index], list[target]] = [list[target]!, list[row.index]!];
      const moved = row.list === 'excluded' ? {...rules, excluded: list as string[]} : {...rules, aliases: list as ModelAlias[]};
      const origin = [...state.origin[state.scope][row.list]];
      [origin[row.index], origin[target]] = [origin[target]!, origin[row.index]!];
      return {...withScopeOrigin(withScopeRules(state, moved), {...state.origin[state.scope], [row.list]: origin}), cursor: state.cursor + action.by};
    }
    case 'cursor':
      if (state.editing) return state;
      return clampCursor({...state, cursor: state.cursor + action.by});
    case 'toggleFork': {
      const row = selectedRow(state);
      if (state.editing || row?.list !== 'aliases') return state;
      const aliases = rules.aliases.map((a, i) => {
        if (i !== row.index) return a;
        const {fork: _fork, ...rest} = a;
        return a.fork ? rest : {...rest, fork: true};
      });
      return withScopeRules(state, {...rules, aliases});
    }
    case 'saved': {
      // What was written may hold rules added elsewhere: it is what the editor shows and edits from now on.
      const written = {global: action.global ?? state.rules.global, account: action.account ?? state.rules.account};
      const next = {...state, rules: written, saved: written, origin: {global: loadedOrigins(written.global), account: loadedOrigins(written.account)}};
      return clampCursor(next);
    }
  }
}
