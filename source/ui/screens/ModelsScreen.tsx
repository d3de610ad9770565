// Model rules: exclusion patterns and aliases on the left, the model list they produce on the right,
// recomputed on every keystroke. Editing state lives in core/rules-editor.ts; this component only
// renders it and turns keys into reducer actions.
import {countOf} from '../../core/wording.js';
import {cellWidth} from '../../core/cells.js';
import {Box, useApp} from 'ink';
import {Text} from '../components/Text.js';
import {useEffect, useMemo, useReducer, useRef, type ReactNode} from 'react';
import {accountLabel} from '../../core/accounts.js';
import {filterOf, matchesFilter} from '../../core/app-state.js';
import {actionKey, type KeyAction} from '../../core/keymap.js';
import {describeWarning, shortWarning, shownModelName, warningFor, type ModelResolution} from '../../core/model-rules.js';
import {initialRulesEditor, isDirty, ruleRows, rulesEditorReducer, type RuleRow, type RulesEditorState} from '../../core/rules-editor.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {hasModelsList} from '../../providers/models-list.js';
import {PROVIDERS} from '../../providers/table.js';
import {resolveContext, type RulesContext} from '../../store/model-rules.js';
import {withAdvice} from '../../store/errors.js';
import {RulesConflict} from '../../core/rules-merge.js';
import {saveRules, type RulesSave} from '../actions/rules.js';
import {DraftText} from '../components/TextField.js';
import {FilterLine, useFilterShown} from '../components/FilterLine.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {useKeysWait, useScreenKeys, useTextCapture} from '../keys.js';
import {useScreenHints} from '../hints.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {credentialRedactor} from '../../services/credential-redactor.js';
import {SHOWN_TEXT} from '../../core/redact.js';
import {useShell} from '../shell.js';
import {agentsLosingProxy, quitStopsAgentsQuestion} from '../actions/proxy.js';
import {useTheme} from '../theme.js';
import {previewRows} from './models/preview.js';
import {SERVER_LIST_LINES, ServerList} from './models/ServerList.js';
import {useRulesContext} from './models/useRulesContext.js';

const MAX_WARNING_LINES = 3;
/** The filter key of this screen (core/app-state.ts filterKeyOf). */
const FILTER = 'models';

/** Providers that have a model list to preview: a static one, or a live one asked with an account (`L`). */
const RULE_PROVIDERS = PROVIDERS.filter((row) => row.models.default.length > 0 || hasModelsList(row)).map((row) => row.id);

export function ModelsScreen({width, height, params, navigate, back, setStatus}: ScreenProps) {
  const services = useServices();
  const mask = useOwnCredentialMask();
  const {run, state, dispatch: shellDispatch, ask, confirm} = useShell();
  const {exit} = useApp();
  const filter = filterOf(state, FILTER);
  const theme = useTheme();
  const {snapshot, error: accountsError} = useAccounts();
  const [choice, setChoice] = useReducer(
    (_: {provider: string; accountId?: string}, next: {provider: string; accountId?: string}) => next,
    {provider: params.provider && RULE_PROVIDERS.includes(params.provider) ? params.provider : RULE_PROVIDERS[0]!, accountId: params.accountId},
  );
  const [live, toggleLive] = useReducer((on: boolean) => !on, false);
  const {context: loaded, error, reread} = useRulesContext(choice.provider, choice.accountId, live);
  const [editor, dispatch] = useReducer(rulesEditorReducer, undefined, () => initialRulesEditor());
  // Set when the person chose to reload after a refused save: the next read replaces the edits.
  const discardEdits = useRef(false);
  useEffect(() => {
    if (!loaded) return;
    // The same choice read again (live ↔ static, or the files changed elsewhere): the edits stay;
    // with none, the rules as they are now are shown.
    const previous = editor.source as RulesContext | undefined;
    if (!discardEdits.current && previous && previous.provider === loaded.provider && previous.account?.id === loaded.account?.id) {
      dispatch({type: 'rebase', source: loaded, global: loaded.global, account: loaded.accountRules});
    } else dispatch({type: 'load', global: loaded.global, account: loaded.accountRules, source: loaded});
    discardEdits.current = false;
  }, [loaded]);
  // Until the editor holds the rules of what was loaded, show it as loading (keys would edit stale rules).
  const context = loaded && editor.source === loaded ? loaded : undefined;
  // The live list asked for (L) but not shown: the header, the list and the warnings say why alike.
  const missing = liveMissing(live, context);

  const resolution = useMemo(
    () => context && resolveContext(context, {global: editor.rules.global, account: context.account ? editor.rules.account : undefined}),
    [context, editor.rules],
  );
  const accounts = (snapshot?.accounts ?? []).filter((a) => a.provider === choice.provider);
  const dirty = context !== undefined && isDirty(editor);
  // The files changed elsewhere while edits are unsaved: a save merges the edits into them.
  const changedElsewhere =
    dirty && (JSON.stringify(context.global) !== JSON.stringify(editor.saved.global) || (context.accountRules !== undefined && JSON.stringify(context.accountRules) !== JSON.stringify(editor.saved.account)));

  /** `s` at a prompt about unsaved changes: save them, then go on (only when they were saved). */
  const saveFirst = (then: string) => [{action: 'rules.save' as const, scope: 'models' as const, label: `save, then ${then}`}];

  /** Runs `go` now, or after a yes (discard) or `s` (save first) when there are unsaved changes. */
  const leave = async (go: () => void) => {
    if (dirty) {
      const answer = await ask('Discard unsaved rule changes?', saveFirst('go on'));
      if (answer === 'rules.save' ? !(await save()) : answer !== 'yes') return;
      if (answer === 'yes') {
        // The rules as they are in the files, as when the screen opens: Esc on the first screen
        // leaves nothing, and the edits said discarded must not stay on it.
        dispatch({type: 'load', global: context.global, account: context.accountRules, source: context});
        // The "unsaved rule changes" warning on the status line is no longer true.
        setStatus('unsaved rule changes discarded', 'info');
      }
    }
    go();
  };
  const switchTo = (next: {provider: string; accountId?: string}) => void leave(() => setChoice(next));
  const stepProvider = (by: number) => {
    const index = RULE_PROVIDERS.indexOf(choice.provider);
    switchTo({provider: RULE_PROVIDERS[(index + by + RULE_PROVIDERS.length) % RULE_PROVIDERS.length]!});
  };
  const nextAccount = () => {
    const index = accounts.findIndex((a) => a.id === choice.accountId);
    const next = accounts[index + 1];
    switchTo({provider: choice.provider, accountId: next?.id});
  };

  const blockWhileDirty = () => {
    if (!dirty) return false;
    setStatus(`unsaved rule changes: ${actionKey('rules.save', 'models')} saves them, ${actionKey('back')} asks before discarding`, 'error');
    return true;
  };

  /**
   * Resolves true when the rules were written. An edit that meets a change made elsewhere to the same
   * rule writes nothing and asks: reload (the edits are dropped) or keep mine (written over theirs).
   */
  const save = async (keepMine = false): Promise<boolean> => {
    let conflict: RulesConflict | undefined;
    let written: RulesSave['written'];
    const saved = await run(async () => {
      try {
        const result = await saveRules(services, context, editor, keepMine);
        written = result.written;
        return result;
      } catch (error) {
        if (!(error instanceof RulesConflict)) throw error;
        conflict = error;
        return {text: error.message, kind: 'error', done: false};
      }
    });
    if (saved) dispatch({type: 'saved', ...written});
    if (!conflict) return saved;
    // The whole message (the file, every conflict) is on the status line and in the messages (M); the prompt is one line.
    const more = conflict.conflicts.length > 1 ? ` (and ${conflict.conflicts.length - 1} more)` : '';
    const answer = await ask(`${conflict.conflicts[0]}${more}. Reload, dropping your edits?`, [{action: 'rules.save', scope: 'models', label: 'keep mine'}]);
    if (answer === 'rules.save') return save(true);
    if (answer === 'yes') {
      discardEdits.current = true;
      reread();
      setStatus(`reloaded the ${choice.provider} rules; your edits were dropped`, 'info');
    } else setStatus(`not saved; your edits are kept: ${actionKey('rules.save', 'models')} asks again`, 'info');
    return false;
  };

  const ready = context !== undefined && !editor.editing;
  // Keys typed while the rules load (right after opening the screen) act once they are there; Tab
  // also needs the accounts (a Tab before they are read would find none and do nothing).
  useKeysWait((context === undefined && error === undefined) || (snapshot === undefined && accountsError === undefined));
  // The way out first: unsaved edits are saved with s; a broken file is read again with p.
  // Keys that would do nothing now are left out: edit, delete and move without a rule, save without
  // an edit, the next account's rules on a provider without accounts.
  const ruleCount = ruleRows(editor.rules[editor.scope]).length;
  const noRules = ruleCount === 0;
  // j/k move over the rules: nowhere to go with fewer than two.
  const idle: KeyAction[] = [
    ...(noRules ? (['rules.edit', 'rules.delete', 'rules.moveUp', 'rules.moveDown', 'rules.fork'] as const) : []),
    ...(dirty ? [] : (['rules.save'] as const)),
    ...(accounts.length === 0 ? (['rules.account'] as const) : []),
    ...(ruleCount < 2 ? (['cursor.down', 'cursor.up'] as const) : []),
  ];
  // Typing an alias entry: Tab goes to its other field, and the bar says so.
  const fieldKeys: KeyAction[] = editor.editing?.row.list === 'aliases' ? ['field.next', 'field.prev'] : [];
  // Asked for the live list with no account: picking one (Tab) is what asks it.
  const firstKeys: KeyAction[] = dirty ? ['rules.save'] : missing === 'needs-account' && accounts.length > 0 ? ['rules.account'] : [];
  useScreenHints(error ? {first: ['rules.provider'], labels: {'rules.provider': 'reload'}} : {first: firstKeys, hide: idle, fieldKeys});
  /** An editing key before the rules are loaded (past the wait above) says so, never silently nothing. */
  const whenReady = (go: () => void) => () => {
    if (ready) return go();
    if (!editor.editing) setStatus(error ? `the rules could not be read; ${actionKey('rules.provider', 'models')} reads them again` : 'the rules are still loading…', 'info');
  };
  useTextCapture(editor.editing ? (input, key) => dispatch({type: 'text', input, key}) : undefined);
  useScreenKeys({
    'cursor.up': whenReady(() => dispatch({type: 'cursor', by: -1})),
    'cursor.down': whenReady(() => dispatch({type: 'cursor', by: 1})),
    'cursor.top': whenReady(() => dispatch({type: 'cursor', by: -1_000_000})),
    'cursor.bottom': whenReady(() => dispatch({type: 'cursor', by: 1_000_000})),
    'rules.add': whenReady(() => dispatch({type: 'addExclusion'})),
    'rules.addAlias': whenReady(() => dispatch({type: 'addAlias'})),
    'rules.edit': whenReady(() => dispatch({type: 'edit'})),
    'rules.delete': whenReady(() => dispatch({type: 'delete'})),
    'rules.moveUp': whenReady(() => dispatch({type: 'move', by: -1})),
    'rules.moveDown': whenReady(() => dispatch({type: 'move', by: 1})),
    'rules.fork': whenReady(() => dispatch({type: 'toggleFork'})),
    'rules.save': () => void save(),
    'rules.account': nextAccount,
    'rules.provider': () => stepProvider(1),
    'rules.providerPrev': () => stepProvider(-1),
    'rules.live': whenReady(toggleLive),
    // Esc first clears a kept filter (as on every list), then leaves.
    back: () => (filter ? shellDispatch({type: 'escape'}) : void leave(back)),
    // q and Ctrl-C ask before unsaved edits are lost; switching screens keeps them and says how to proceed.
    quit: () => {
      if (!dirty) return false;
      void ask('Quit and discard unsaved rule changes?', saveFirst('quit')).then(async (answer) => {
        if (!(answer === 'yes' || (answer === 'rules.save' && (await save())))) return;
        // Then, as every quit: agents that would lose the proxy this TUI started (dispatcher.ts).
        if (agentsLosingProxy(services).length === 0 || (await confirm(() => quitStopsAgentsQuestion(agentsLosingProxy(services))))) exit();
      });
    },
    'screen.accounts': () => blockWhileDirty(),
    'screen.quota': () => blockWhileDirty(),
    'screen.proxy': () => blockWhileDirty(),
  });

  const account = context?.account;
  const scopeLabel = account ? `${sanitizeLine(accountLabel(account))} (token file)` : `global (${context?.globalLabel ?? 'config.yaml'})`;
  const listLabel = !live ? 'static list' : missing === 'needs-account' ? 'live list: needs an account' : missing ? 'live list: not had, static shown' : 'live list';
  const header = `${dirty ? (changedElsewhere ? '* unsaved, changed elsewhere too (save merges) · ' : '* unsaved · ') : ''}Provider ${choice.provider} [${actionKey('rules.provider', 'models')}] · Rules: ${scopeLabel} [${actionKey('rules.account', 'models')}] · ${listLabel} [${actionKey('rules.live', 'models')}]`;
  const leftWidth = Math.max(30, Math.floor(width * 0.45));
  const rightWidth = width - leftWidth - 1;
  // config.yaml's own problems (a misnamed channel key) come first: they silently disable rules.
  const warnings = useMemo(
    () => [...(missing ? [liveMissingWarning(missing, choice.provider, accounts.length)] : []), ...(context?.configWarnings ?? []).map(sanitizeLine), ...ruleWarnings(editor, resolution).map((w) => mask(describeWarning(w)))],
    [context, resolution, editor.editing?.row, missing, accounts.length, mask],
  );
  const warningLines = Math.max(1, Math.min(MAX_WARNING_LINES, warnings.length));
  const bodyHeight = height - 1 - warningLines;

  if (error) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text wrap="truncate">{header}</Text>
        <Text color={theme.error}>! {sanitizeLine(error)}</Text>
        <Text dimColor>{`Nothing is written while the file is broken. Fix it, then press ${actionKey('rules.provider', 'models')} to reload.`}</Text>
      </Box>
    );
  }
  if (!context || !resolution) {
    return (
      <Box width={width} height={height}>
        <Text>{header}   loading…</Text>
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" bold>{header}</Text>
      <Box height={bodyHeight}>
        <Box flexDirection="column" width={leftWidth} height={bodyHeight} overflow="hidden">
          <RulesPane editor={editor} resolution={resolution} height={bodyHeight} />
        </Box>
        <Box width={1} />
        <Box flexDirection="column" width={rightWidth} height={bodyHeight} overflow="hidden">
          <PreviewPane resolution={resolution} live={live} liveError={context.liveError && withAdvice(context.liveError, accounts.length > 0 ? context.liveAdvice : undefined, 'tui', 'models')} livePartial={context.livePartial} width={rightWidth} height={bodyHeight - (context.server ? SERVER_LIST_LINES : 0)} filter={filter} />
          {context.server ? <ServerList server={context.server} resolution={resolution} /> : null}
        </Box>
      </Box>
      <WarningsLine warnings={warnings} />
    </Box>
  );
}

function RulesPane({editor, resolution, height}: {editor: RulesEditorState; resolution: ModelResolution; height: number}) {
  const mask = useOwnCredentialMask();
  const shown = (name: string) => mask(shownModelName(name));
  const draft = (editing: NonNullable<RulesEditorState['editing']>) => <DraftText draft={editing.draft} focus mask={mask(editing.draft.text) !== editing.draft.text} />;
  const theme = useTheme();
  const scope = editor.scope;
  const rules = editor.rules[scope];
  const rows = ruleRows(rules);
  const lines: ReactNode[] = [];
  const section = (title: string) => lines.push(<Text key={`t:${title}`} bold wrap="truncate">{title}</Text>);
  const rowLine = (row: RuleRow, position: number) => {
    const selected = position === editor.cursor;
    const editing = editor.editing && editor.editing.row.list === row.list && editor.editing.row.index === row.index ? editor.editing : undefined;
    const warning = ruleWarnings(editor, resolution).find((w) => warningFor(w, scope, row.list, row.index));
    const marker = selected ? '›' : ' ';
    const warn = warning ? <Text color={theme.warn}>  ! {mask(shortWarning(warning))}</Text> : null;
    if (row.list === 'excluded') {
      // Named while typed, as an alias entry's fields are.
      const body = editing ? <Text>pattern: {draft(editing)}</Text> : <Text>{shown(rules.excluded[row.index]!)}</Text>;
      lines.push(
        <Text key={`e:${row.index}`} wrap="truncate" inverse={selected && !editing}>
          {marker} ✕ {body}
          {warn}
        </Text>,
      );
      return;
    }
    const alias = rules.aliases[row.index]!;
    // While an entry is typed each field is named (as the line under it says which one is typed):
    // `alias: … ← model name: gran▏`, not a bare `… ← gran`.
    const field = (which: 'alias' | 'name') =>
      editing?.field === which ? draft(editing) : <Text dimColor={editing !== undefined && !alias[which]}>{alias[which] ? shown(alias[which]) : '…'}</Text>;
    lines.push(
      <Text key={`a:${row.index}`} wrap="truncate" inverse={selected && !editing}>
        {marker} {editing ? 'alias: ' : ''}{field('alias')} ← {editing ? 'model name: ' : ''}{field('name')}
        {alias.fork ? ' [fork]' : ''}
        {warn}
      </Text>,
    );
  };
  section(`Exclusions (${rules.excluded.length})  ${actionKey('rules.add', 'models')}: add`);
  rows.forEach((row, position) => row.list === 'excluded' && rowLine(row, position));
  if (rules.excluded.length === 0) lines.push(<Text key="e:none" dimColor>  none</Text>);
  section(`Aliases (${rules.aliases.length})  ${actionKey('rules.addAlias', 'models')}: add, ${actionKey('rules.fork', 'models')}: fork`);
  rows.forEach((row, position) => row.list === 'aliases' && rowLine(row, position));
  if (rules.aliases.length === 0) lines.push(<Text key="a:none" dimColor>  none</Text>);
  if (editor.editing) {
    const field = editor.editing.field;
    const what = field === 'pattern' ? 'pattern, * = any run' : field === 'name' ? 'model name' : 'alias';
    const other = field === 'pattern' ? '' : `; ${actionKey('field.next', 'field')}: the ${field === 'name' ? 'alias' : 'model name'}`;
    // A value the field refused (a key typed as a model name): why, until the next key.
    if (editor.editing.error) {
      lines.push(
        <Box key="error" paddingLeft={2}>
          <Text color={theme.error} wrap="wrap">! {editor.editing.error}</Text>
        </Box>,
      );
    }
    lines.push(<Text key="hint" dimColor wrap="truncate">  typing the {what}{other}; Enter/Esc</Text>);
  }
  if (scope === 'account') {
    const global = editor.rules.global;
    section('Global (config.yaml), also applied');
    for (const [i, p] of global.excluded.entries()) lines.push(<Text key={`ge:${i}`} dimColor wrap="truncate">  ✕ {shown(p)}</Text>);
    for (const [i, a] of global.aliases.entries()) {
      lines.push(<Text key={`ga:${i}`} dimColor wrap="truncate">  {shown(a.alias)} ← {shown(a.name)}{a.fork ? ' [fork]' : ''}</Text>);
    }
  }
  return <>{lines.slice(0, height)}</>;
}

/** Warnings that a rule still being typed has by being unfinished: said once its field is left. */
const UNFINISHED: ReadonlySet<string> = new Set(['alias-incomplete', 'alias-unknown-model']);

/**
 * The rules' warnings as shown. The rule whose field is open is not yet said to be incomplete (`A`
 * alone opens an entry with neither field, a model name half typed is no model yet); what it does
 * as typed (a pattern that hides every model, an alias used twice) is said at once.
 */
function ruleWarnings(editor: RulesEditorState, resolution: ModelResolution | undefined): ModelResolution['warnings'] {
  const open = editor.editing?.row;
  const all = resolution?.warnings ?? [];
  return open ? all.filter((w) => !(UNFINISHED.has(w.kind) && warningFor(w, editor.scope, open.list, open.index))) : all;
}

/** `/` filters the model list on the right (the rules on the left are few and edited in place). */
/** `livePartial`: why the live list is incomplete (its pages could not all be read); said beside the counts. */
function PreviewPane({resolution, live, liveError, livePartial, width, height, filter}: {resolution: ModelResolution; live: boolean; liveError?: string; livePartial?: string; width: number; height: number; filter: string}) {
  const theme = useTheme();
  const mask = useOwnCredentialMask();
  const rows = previewRows(resolution)
    .map((row) => ({...row, text: mask(row.text), ...(row.note === undefined ? {} : {note: mask(row.note)})}))
    .filter((row) => matchesFilter(filter, [row.text, row.note]));
  const {visible, all} = resolution.counts;
  const filterShown = useFilterShown(FILTER);
  // Why there is no live list, and why it is partial, are read whole (wrapped): they say what is
  // missing and what to do (a key at the end).
  const rowsOf = (text: string) => (text ? Math.ceil(cellWidth(text) / Math.max(1, width)) : 0);
  const liveText = liveError ? `! no live list: ${sanitizeLine(liveError)}` : '';
  const partialText = livePartial ? `! the live list is partial: ${sanitizeLine(livePartial)}` : '';
  // A provider with no static list (AI Studio: the key's project decides): only its live list has models.
  // With the live list asked for already, L would put it away: the line above says what to do.
  const onlyLive = resolution.source === 'static' && all === 0
    ? `No static list: ${resolution.provider}'s models are its live list.${live ? '' : ` ${actionKey('rules.live', 'models')} asks the provider for it with an account (${actionKey('rules.account', 'models')} picks one).`}`
    : '';
  const room = height - 1 - rowsOf(liveText) - rowsOf(partialText) - rowsOf(onlyLive) - (filterShown ? 1 : 0);
  const shown = rows.length > room ? rows.slice(0, room - 1) : rows;
  // The list's source is also on the screen's header line: it gives way first when the column is narrow.
  const matches = filter ? ` · ${countOf(rows.length, 'match', 'matches')}` : '';
  const source = ` (${resolution.source} list${livePartial ? ', partial' : ''})`;
  const title = `Models ${visible}/${all} visible${cellWidth(`Models ${visible}/${all} visible${source}${matches}`) <= width ? source : ''}${matches}`;
  return (
    <>
      <Text bold wrap="truncate">
        {title}
      </Text>
      <FilterLine list={FILTER} />
      {liveText ? <Text color={theme.warn} wrap="wrap">{liveText}</Text> : null}
      {partialText ? <Text color={theme.warn} wrap="wrap">{partialText}</Text> : null}
      {onlyLive ? <Text dimColor wrap="wrap">{onlyLive}</Text> : null}
      {shown.map((row) => (
        <Text key={row.key} wrap="truncate" dimColor={row.kind === 'excluded'} color={row.kind === 'alias' || row.kind === 'fork' ? theme.accent : undefined}>
          {row.text}
          {row.note ? `  ${row.note}` : ''}
        </Text>
      ))}
      {shown.length < rows.length ? <Text dimColor>  … {rows.length - shown.length} more</Text> : null}
    </>
  );
}

/**
 * Why the live list asked for (`L`) is not shown: no account to ask it with (`needs-account`), or
 * asking failed (`failed`: the reason is above the list); undefined when it is shown or not asked.
 */
function liveMissing(live: boolean, context: RulesContext | undefined): 'needs-account' | 'failed' | undefined {
  if (!live || context?.liveError === undefined) return undefined;
  return context.account ? 'failed' : 'needs-account';
}

/** The warnings line's words for liveMissing: what the header and the list say, and what to do. */
function liveMissingWarning(missing: 'needs-account' | 'failed', provider: string, accounts: number): string {
  if (missing === 'failed') return `no live list: ${provider} did not give it (why: above the list); the static list is shown`;
  return accounts > 0
    ? `no live list yet: it is asked with an account's credentials; ${actionKey('rules.account', 'models')} picks an account to ask ${provider} with`
    : `no live list yet: ${provider} has no account to ask it with; log one in: ${actionKey('screen.accounts')}, then ${actionKey('account.login', 'home')}`;
}

/** `warnings`: why the live list is missing, config.yaml's, then the rules', as sentences. */
function WarningsLine({warnings}: {warnings: readonly string[]}) {
  const theme = useTheme();
  if (warnings.length === 0) return <Text dimColor>no warnings</Text>;
  const shown = warnings.length > MAX_WARNING_LINES ? warnings.slice(0, MAX_WARNING_LINES - 1) : warnings;
  return (
    <>
      {shown.map((warning, i) => (
        <Text key={i} color={theme.warn} wrap="truncate">
          ! {warning}
        </Text>
      ))}
      {shown.length < warnings.length ? <Text color={theme.warn}>! … {warnings.length - shown.length} more warnings</Text> : null}
    </>
  );
}

/**
 * Every credential of the CCS dir masked in a rule's text as drawn (a cut one too): shownModelName
 * knows only the well-known key shapes, and a key of another (an IBM Bob key) saved or typed as a
 * name is the account's key all the same.
 */
function useOwnCredentialMask(): (text: string) => string {
  const {paths} = useServices();
  return useMemo(() => {
    const redactor = credentialRedactor(paths);
    return (text: string) => redactor.redact(text, SHOWN_TEXT);
  }, [paths]);
}
