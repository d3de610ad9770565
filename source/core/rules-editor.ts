// The model rules editor as a pure reducer: the rules being edited (global and, optionally, one
// account's), the cursor, and the text field open on a pattern or alias. Every keystroke in a field
// updates the rules themselves, so the preview (resolveModels) follows each character.
import type {ModelRules, RuleScope} from './model-rules.js';
import {draftOf, editText, type TextDraft} from './text-edit.js';
import type {ModelAlias} from './types.js';

export type RuleRow = {list: 'excluded'; index: number} | {list: 'aliases'; index: number};
export type RuleField = 'pattern' | 'name' | 'alias';

export interface RulesEditorState {
  rules: Record<RuleScope, ModelRules>;
  saved: Record<RuleScope, ModelRules>;
  /** `account` when an account is chosen: its token file's rules are edited, the global ones shown. */
  scope: RuleScope;
  cursor: number;
  editing?: {row: RuleRow; field: RuleField; draft: TextDraft; isNew: boolean; before: string};
  source?: unknown;
}

export type RulesEditorAction =
  /** `source` identifies what was loaded, so a view can tell stale state from current. */
  | {type: 'load'; global: ModelRules; account?: ModelRules; source?: unknown}
  /** The same rules over a new base list (live ↔ static): edits and cursor stay. */
  | {type: 'rebase'; source?: unknown}
  | {type: 'addExclusion'}
  | {type: 'addAlias'}
  | {type: 'edit'}
  | {type: 'text'; input: string; key: string}
  | {type: 'delete'}
  | {type: 'move'; by: -1 | 1}
  | {type: 'cursor'; by: number}
  | {type: 'toggleFork'}
  | {type: 'saved'};

const EMPTY: ModelRules = {excluded: [], aliases: []};

export function initialRulesEditor(global: ModelRules = EMPTY, account?: ModelRules): RulesEditorState {
  const rules = {global, account: account ?? EMPTY};
  return {rules, saved: rules, scope: account ? 'account' : 'global', cursor: 0};
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
  return scopes.some((s) => JSON.stringify(state.rules[s]) !== JSON.stringify(state.saved[s]));
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

const rowPosition = (rules: ModelRules, row: RuleRow) => (row.list === 'excluded' ? row.index : rules.excluded.length + row.index);

function withScopeRules(state: RulesEditorState, rules: ModelRules): RulesEditorState {
  return {...state, rules: {...state.rules, [state.scope]: rules}};
}

function clampCursor(state: RulesEditorState): RulesEditorState {
  const count = ruleRows(state.rules[state.scope]).length;
  return {...state, cursor: Math.max(0, Math.min(state.cursor, count - 1))};
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
    case 'rebase':
      return {...state, source: action.source};
    case 'addExclusion': {
      if (state.editing) return state;
      const next = withScopeRules(state, {...rules, excluded: [...rules.excluded, '']});
      return startEditing(next, {list: 'excluded', index: rules.excluded.length}, 'pattern', true);
    }
    case 'addAlias': {
      if (state.editing) return state;
      const next = withScopeRules(state, {...rules, aliases: [...rules.aliases, {name: '', alias: ''}]});
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
      const result = editText(editing.draft, action.input, action.key);
      if (result.done === 'cancel') {
        if (editing.isNew) return clampCursor({...withScopeRules(state, removeRow(rules, editing.row)), editing: undefined});
        return {...withScopeRules(state, setField(rules, editing.row, editing.field, editing.before)), editing: undefined};
      }
      if (result.done === 'submit') {
        // An alias entry is two fields: the model name, then the alias.
        if (editing.field === 'name') {
          const next = startEditing(state, editing.row, 'alias', editing.isNew);
          return next;
        }
        const trimmed = editing.draft.text.trim();
        if (editing.row.list === 'excluded' && trimmed === '') {
          return clampCursor({...withScopeRules(state, removeRow(rules, editing.row)), editing: undefined});
        }
        return {...withScopeRules(state, setField(rules, editing.row, editing.field, trimmed)), editing: undefined};
      }
      const next = withScopeRules(state, setField(rules, editing.row, editing.field, result.draft.text));
      return {...next, editing: {...editing, draft: result.draft}};
    }
    case 'delete': {
      const row = selectedRow(state);
      if (state.editing || !row) return state;
      return clampCursor(withScopeRules(state, removeRow(rules, row)));
    }
    case 'move': {
      const row = selectedRow(state);
      if (state.editing || !row) return state;
      const list = row.list === 'excluded' ? [...rules.excluded] : [...rules.aliases];
      const target = row.index + action.by;
      if (target < 0 || target >= list.length) return state;
      [list[row.index], list[target]] = [list[target]!, list[row.index]!];
      const moved = row.list === 'excluded' ? {...rules, excluded: list as string[]} : {...rules, aliases: list as ModelAlias[]};
      return {...withScopeRules(state, moved), cursor: state.cursor + action.by};
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
    case 'saved':
      return {...state, saved: state.rules};
  }
}
