// The TUI's state as a pure reducer: screen stack, pane focus, a cursor per list, filters, the open
// modal (help, confirm, rename) and the status line. Tested without rendering; the UI only dispatches.
import {editText, draftOf, type TextDraft} from './text-edit.js';
import {nextOrder, type AccountOrder} from './account-order.js';
import type {KeyAction} from './keymap.js';

export type ScreenId = 'home' | 'detail' | 'login' | 'models' | 'quota' | 'proxy' | 'targets';

/** Route parameters. Known ones are typed; screens may add their own string parameters. */
export interface ScreenParams {
  provider?: string;
  accountId?: string;
  [name: string]: string | undefined;
}

export interface Route {
  screen: ScreenId;
  params: ScreenParams;
}

export type Pane = 'providers' | 'accounts';
export type StatusKind = 'info' | 'ok' | 'error';

export type Modal =
  /** `offset`: the first entry shown when the overlay scrolls (j/k, PgUp/PgDn). */
  | {kind: 'help'; offset?: number}
  /** Every status message of this session, newest first, wrapped (a cut status line in full). */
  | {kind: 'messages'; offset?: number}
  /** `id` lets the UI resolve the promise of whoever asked; `choices`: answers besides y/N. */
  | {kind: 'confirm'; id: number; prompt: string; choices?: readonly ConfirmChoice[]}
  /** `submitted`: Enter was pressed; the UI saves this draft (the reducer's, never a stale render's). */
  | {kind: 'rename'; provider: string; accountId: string; tokenFile: string; draft: TextDraft; submitted?: boolean}
  /** `:` jump to a provider or account by name; `submitted` when Enter was pressed (home resolves it). */
  | {kind: 'jump'; draft: TextDraft; submitted?: boolean};

/**
 * An answer to a confirm prompt besides yes and no, e.g. `s` "save, then quit" at the unsaved-rules
 * prompt: `key` is the keymap's key for `action` where the prompt was asked (a prompt that names a
 * key makes that key work there).
 */
export interface ConfirmChoice {
  action: KeyAction;
  key: string;
  label: string;
}

export interface AppState {
  stack: Route[];
  pane: Pane;
  /** List key → cursor index. Accounts lists are keyed per provider (`accounts:claude`). */
  cursors: Record<string, number>;
  /**
   * List key → the last move a person made of its cursor (a new record per move): a key's (the
   * `cursor` action), or a jump to an item (`setCursor` with its id). A list that changed in the same
   * render as a move makes that move again where the list is now (ui/hooks/useCursorOnId.ts); other
   * cursor changes follow the item.
   */
  cursorMoves?: Record<string, CursorMoveMade>;
  /** Filter text per filter key (filterKeyOf): `providers` / `accounts` on home, else the screen id. */
  filters: Record<string, string>;
  /** The filter field of this key has focus (typing edits it). */
  filterEditing?: {list: string; draft: TextDraft};
  modal?: Modal;
  /**
   * `id` counts messages, so a timer clears only the message it was started for; `key`: the value of
   * `keysActed` when it was set (a message set before the key that changed the screen is that
   * screen's, and goes with it).
   */
  status?: {text: string; kind: StatusKind; id: number; key: number};
  /** Keys that did something so far (`keyActed`): status messages are flash messages (leaveScreen). */
  keysActed: number;
  /** Home: providers without accounts left out (`e`). */
  hideEmpty: boolean;
  /** Home: how the accounts list is ordered (`o` cycles). */
  order: AccountOrder;
  /**
   * Operations under way (a token test, a stop), oldest first: the status line shows the newest
   * when no message is up, so a message expiring never hides that something still runs.
   */
  busy: Array<{id: number; text: string}>;
  /** Past status messages, oldest first, at most MESSAGE_LOG_SIZE. */
  messages: Array<{text: string; kind: StatusKind}>;
  nextModalId: number;
}

export const MESSAGE_LOG_SIZE = 100;

export type CursorMove = 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown';

/**
 * A person's move of a list's cursor (AppState.cursorMoves): a key's move and its page size (rows),
 * or a jump to the item of id `to`.
 */
export type CursorMoveMade = {move: CursorMove; page: number} | {to: string; whenShown?: {until: number}};

export type AppAction =
  | {type: 'navigate'; screen: ScreenId; params?: ScreenParams}
  | {type: 'pop'}
  /** Back to the root screen, then optionally push `route` (the 1-4 screen keys). */
  | {type: 'reset'; route?: Route}
  /** Esc: closes the modal, else the filter, else clears the filter, else pops the screen. */
  | {type: 'escape'}
  | {type: 'cursor'; list: string; move: CursorMove; total: number; page: number}
  /** `id`: the item at `index`, when the person chose it (a jump): the cursor goes to it even if the list changes in the same render. */
  /**
   * `whenShown`: a jump made while another screen shows (a login's new account), made once, the next
   * time the list shows; it waits for its item to be listed (the files read again) until `until` (ms
   * since the epoch), then is dropped.
   */
  | {type: 'setCursor'; list: string; index: number; id?: string; whenShown?: {until: number}}
  | {type: 'pane'; pane: Pane | 'next'}
  | {type: 'filterStart'}
  | {type: 'filterKey'; input: string; key: string}
  | {type: 'renameStart'; provider: string; accountId: string; tokenFile: string; current: string}
  | {type: 'renameKey'; input: string; key: string}
  /** The save of a submitted rename failed: keep editing. */
  | {type: 'renameFailed'}
  | {type: 'confirmOpen'; prompt: string; choices?: readonly ConfirmChoice[]}
  /** The open question said again as it now holds (its choices and its answer unchanged). */
  | {type: 'confirmReword'; prompt: string}
  | {type: 'closeModal'}
  | {type: 'toggleHelp'}
  | {type: 'toggleMessages'}
  | {type: 'scrollOverlay'; by: number}
  | {type: 'toggleHideEmpty'}
  | {type: 'cycleOrder'}
  | {type: 'jumpStart'}
  | {type: 'jumpKey'; input: string; key: string}
  | {type: 'status'; text: string; kind?: StatusKind}
  /** Operation `id` is under way, saying `text` (started, or a new progress text). */
  | {type: 'busy'; id: number; text: string}
  | {type: 'busyEnd'; id: number}
  /** Clears the status line (only message `id` when given: a newer one stays). */
  | {type: 'clearStatus'; id?: number}
  /** A key that does something (not `?`/`M`, not typing into a field) was pressed: see leaveScreen. */
  | {type: 'keyActed'};

export function initialAppState(route: Route = {screen: 'home', params: {}}): AppState {
  return {stack: [route], pane: 'providers', cursors: {}, filters: {}, hideEmpty: false, order: 'registered', busy: [], messages: [], nextModalId: 1, keysActed: 0};
}

/**
 * Which filter `/` edits and Esc clears here: the focused pane on the home screen, else the
 * screen's own (`quota`, `models`). Screens read theirs with filterOf.
 */
export function filterKeyOf(state: AppState): string {
  const route = currentRoute(state);
  return route.screen === 'home' ? state.pane : route.screen;
}

/** The filter text under `key` ('' when none). */
export const filterOf = (state: AppState, key: string): string => state.filters[key] ?? '';

export const currentRoute = (state: AppState): Route => state.stack[state.stack.length - 1]!;

export const accountsListKey = (provider: string) => `accounts:${provider}`;

/** The cursor clamped to a list of `total` items (-1 for an empty list). */
export function cursorIn(state: AppState, list: string, total: number): number {
  return fitCursor(state.cursors[list], total);
}

/** A stored cursor (AppState.cursors) as a row of a list of `total`: -1 when the list is empty. */
export function fitCursor(stored: number | undefined, total: number): number {
  if (total <= 0) return -1;
  return Math.max(0, Math.min(stored ?? 0, total - 1));
}

export function moveCursor(current: number, move: CursorMove, total: number, page: number): number {
  if (total <= 0) return 0;
  const last = total - 1;
  const from = Math.max(0, Math.min(current, last));
  const step = Math.max(1, page);
  switch (move) {
    case 'up':
      return Math.max(0, from - 1);
    case 'down':
      return Math.min(last, from + 1);
    case 'top':
      return 0;
    case 'bottom':
      return last;
    case 'pageUp':
      return Math.max(0, from - step);
    case 'pageDown':
      return Math.min(last, from + step);
  }
}

/** The name filter: every word must appear (case-insensitively) in one of the fields. */
export function matchesFilter(filter: string, fields: readonly (string | undefined)[]): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fields.filter(Boolean).join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** Whether Esc changes anything as the shell reads it (`escape` below): a modal or filter to close or clear, a screen to go back from. */
export function escapeActs(state: AppState): boolean {
  return state.modal !== undefined || state.filterEditing !== undefined || filterOf(state, filterKeyOf(state)) !== '' || state.stack.length > 1;
}

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'navigate':
      return leaveScreen({...state, modal: undefined, filterEditing: undefined, stack: [...state.stack, {screen: action.screen, params: action.params ?? {}}]});
    case 'pop':
      return state.stack.length > 1 ? leaveScreen({...state, modal: undefined, stack: state.stack.slice(0, -1)}) : state;
    case 'reset':
      return leaveScreen({...state, modal: undefined, filterEditing: undefined, stack: action.route ? [state.stack[0]!, action.route] : [state.stack[0]!]});
    case 'escape': {
      if (state.modal) return {...state, modal: undefined};
      if (state.filterEditing) return applyFilterKey(state, '', 'escape');
      const key = filterKeyOf(state);
      if (filterOf(state, key)) return {...state, filters: {...state.filters, [key]: ''}};
      return appReducer(state, {type: 'pop'});
    }
    case 'cursor': {
      const index = moveCursor(state.cursors[action.list] ?? 0, action.move, action.total, action.page);
      const moved = setCursor(state, action.list, index);
      return moved === state ? state : {...moved, cursorMoves: {...state.cursorMoves, [action.list]: {move: action.move, page: action.page}}};
    }
    case 'setCursor': {
      const moved = setCursor(state, action.list, action.index);
      return action.id === undefined ? moved : {...moved, cursorMoves: {...state.cursorMoves, [action.list]: action.whenShown ? {to: action.id, whenShown: action.whenShown} : {to: action.id}}};
    }
    case 'pane': {
      const pane = action.pane === 'next' ? (state.pane === 'providers' ? 'accounts' : 'providers') : action.pane;
      return pane === state.pane ? state : {...state, pane, filterEditing: undefined};
    }
    case 'filterStart': {
      const list = filterKeyOf(state);
      return {...state, filterEditing: {list, draft: draftOf(filterOf(state, list))}};
    }
    case 'filterKey':
      return applyFilterKey(state, action.input, action.key);
    case 'renameStart':
      return {...state, modal: {kind: 'rename', provider: action.provider, accountId: action.accountId, tokenFile: action.tokenFile, draft: draftOf(action.current)}};
    case 'renameKey': {
      if (state.modal?.kind !== 'rename') return state;
      // A submitted draft is being saved: keys wait (Esc still cancels).
      if (state.modal.submitted && action.key !== 'escape') return state;
      const {draft, done} = editText(state.modal.draft, action.input, action.key);
      if (done === 'cancel') return {...state, modal: undefined};
      // Saving is the UI's job (it calls the store); the reducer marks the draft to save.
      return {...state, modal: {...state.modal, draft, submitted: done === 'submit'}};
    }
    case 'toggleHideEmpty':
      return {...state, hideEmpty: !state.hideEmpty};
    case 'cycleOrder':
      return {...state, order: nextOrder(state.order)};
    case 'jumpStart':
      return {...state, modal: {kind: 'jump', draft: draftOf('')}};
    case 'jumpKey': {
      if (state.modal?.kind !== 'jump') return state;
      const {draft, done} = editText(state.modal.draft, action.input, action.key);
      if (done === 'cancel') return {...state, modal: undefined};
      return {...state, modal: {kind: 'jump', draft, submitted: done === 'submit'}};
    }
    case 'renameFailed':
      return state.modal?.kind === 'rename' ? {...state, modal: {...state.modal, submitted: false}} : state;
    case 'confirmOpen':
      return {...state, modal: {kind: 'confirm', id: state.nextModalId, prompt: action.prompt, ...(action.choices?.length ? {choices: action.choices} : {})}, nextModalId: state.nextModalId + 1};
    case 'confirmReword':
      return state.modal?.kind === 'confirm' && state.modal.prompt !== action.prompt ? {...state, modal: {...state.modal, prompt: action.prompt}} : state;
    case 'closeModal':
      return state.modal ? {...state, modal: undefined} : state;
    case 'toggleHelp':
      return {...state, modal: state.modal?.kind === 'help' ? undefined : {kind: 'help'}};
    case 'toggleMessages':
      return {...state, modal: state.modal?.kind === 'messages' ? undefined : {kind: 'messages'}};
    case 'scrollOverlay': {
      const modal = state.modal;
      if (modal?.kind !== 'help' && modal?.kind !== 'messages') return state;
      // The overlay clamps the end (it knows how many entries fit).
      return {...state, modal: {...modal, offset: Math.max(0, (modal.offset ?? 0) + action.by)}};
    }
    case 'status': {
      const kind = action.kind ?? 'info';
      const messages = [...state.messages, {text: action.text, kind}].slice(-MESSAGE_LOG_SIZE);
      return {...state, status: {text: action.text, kind, id: (state.status?.id ?? 0) + 1, key: state.keysActed}, messages};
    }
    case 'busy':
      return {...state, busy: [...state.busy.filter((b) => b.id !== action.id), {id: action.id, text: action.text}]};
    case 'busyEnd':
      return state.busy.some((b) => b.id === action.id) ? {...state, busy: state.busy.filter((b) => b.id !== action.id)} : state;
    case 'clearStatus':
      if (!state.status || (action.id !== undefined && action.id !== state.status.id)) return state;
      return {...state, status: undefined};
    case 'keyActed':
      return {...state, keysActed: state.keysActed + 1, status: state.status?.kind === 'error' ? state.status : undefined};
  }
}

/**
 * Status messages are flash messages (lazygit, k9s): one says what the last thing done did, so the
 * next key that does something clears it (`keyActed`), and so does a screen change that key makes.
 * An error stays through keys on its screen (its timer, 30 s, or a newer message ends it), but not
 * past a change of screen. A message set after the key (the outcome of the action that navigated:
 * "logged in as …", then home) stays. The `M` log keeps every one. Expiry: App.tsx STATUS_SECONDS.
 */
function leaveScreen(state: AppState): AppState {
  return state.status && state.status.key < state.keysActed ? {...state, status: undefined} : state;
}

function setCursor(state: AppState, list: string, index: number): AppState {
  return state.cursors[list] === index ? state : {...state, cursors: {...state.cursors, [list]: index}};
}

/**
 * Typing filters live (k9s style); Enter keeps the filter and leaves the field, Esc clears it. The
 * list of the same name (providers, quota, models) goes back to its top when the filter changes; a
 * screen whose cursor follows its item (ui/hooks/useCursorOnId.ts) keeps it there while the filter
 * still shows it.
 */
function applyFilterKey(state: AppState, input: string, key: string): AppState {
  if (!state.filterEditing) return state;
  const {list} = state.filterEditing;
  const {draft, done} = editText(state.filterEditing.draft, input, key);
  const text = done === 'cancel' ? '' : draft.text;
  const cursors = text !== filterOf(state, list) && list in state.cursors ? {...state.cursors, [list]: 0} : state.cursors;
  return {
    ...state,
    cursors,
    filters: {...state.filters, [list]: text},
    filterEditing: done ? undefined : {list, draft},
  };
}
