// Which layer gets a key press, as a pure function: the TUI's one input dispatcher (ui/App.tsx) asks
// routeKey() and carries out the answer. Order, first match wins:
//   Ctrl-C quits → a too-small terminal ignores every other key → a bracketed paste goes whole to
//   the focused field (elsewhere it runs nothing) → an open confirm prompt takes y/N →
//   several keys from one read in a text field are pressed one by one → the rename field → the
//   filter field → a focused text field (raw keys) → elsewhere, a held navigation key read at once
//   is pressed once per repeat, a key that opens a text field is pressed and the rest of its read
//   is typed into that field, a short burst (burstKeys: `lj⏎`, `2j`) is pressed key by key (each
//   key on the screen the one before it left), and any longer run of characters is a paste that
//   runs nothing → the help overlay (close or quit) → the screen's handler for the keymap action → the shell's own meaning
//   of that action (shellActionFor).
// The dispatcher routes by the route state as of the last action (not the last render) and holds a
// key until the route's screen has mounted, so a key read mid-navigation is the new screen's.
import type {AppAction, ConfirmChoice, Modal, Route} from './app-state.js';
import {keyName, KEY_SEQUENCES} from './key-names.js';
import {actionForKey, bindingForKey, type KeyAction, type KeyScope} from './keymap.js';

/** A held navigation key read all at once moves at most this many rows (a laggy link's backlog). */
export const MAX_REPEATED_KEYS = 50;

/** What the dispatcher knows at the moment a key arrives. */
export interface KeyContext {
  /** The terminal is below the minimum size (only the too-small notice shows). */
  tooSmall: boolean;
  modal?: Modal['kind'];
  /** A filter field has focus. */
  filterEditing: boolean;
  /** A screen's text field (TextField / useTextCapture) has focus. */
  textFocused: boolean;
  /** The open confirm prompt's answers besides y/N (their keys answer it). */
  confirmChoices?: readonly ConfirmChoice[];
  /** The active route's key scopes, most specific first, `global` last (router.routeScopes). */
  scopes: readonly KeyScope[];
  /** The key came with Esc in front of it in one read (the terminal library's `meta`). */
  escaped?: boolean;
  /** The key is what was read behind a key that opens a text field (`/work`'s `work`): it is text, never a command. */
  typedIntoField?: boolean;
  /** The key was read together with keys before it (the rest of a split read): it answers no prompt those keys opened. */
  burst?: boolean;
  /**
   * The "key" is the text of a bracketed paste (xterm's ESC[200~ … ESC[201~, as pastedText() left
   * it): text for a field, never a command or an answer, and never split at its line breaks.
   */
  pasted?: boolean;
}

export type KeyRoute =
  /** `ask`: the screen's quit handler may ask first (unsaved rules); without it, quit now. */
  | {to: 'quit'; ask?: boolean}
  /** The key means nothing here. */
  | {to: 'none'}
  /** Several characters outside a text field that are no held key: a paste, which runs no command. */
  | {to: 'pasteIgnored'}
  /** `choice`: one of the prompt's other answers (ConfirmChoice.action) instead of yes or no. */
  | {to: 'confirm'; yes: boolean; choice?: KeyAction}
  /** Enter submits the rename field; any other key edits it. */
  | {to: 'rename'; submit: boolean}
  | {to: 'filter'}
  /** The `:` jump field gets the key. */
  | {to: 'jump'}
  /** The focused text field gets the key raw. */
  | {to: 'text'}
  /**
   * Keys that arrived in one read (a held key, typing over a laggy SSH link): press `first` now,
   * `rest` after its frame. `intoField`: `first` opens a text field and `rest` is typed into it.
   */
  | {to: 'split'; first: string; rest: string; intoField?: boolean}
  | {to: 'closeHelp'}
  /** Scroll the open overlay (help, messages) by entries. */
  | {to: 'scrollOverlay'; by: number}
  /** Offer the keymap action to the screen's handlers first, then apply shellActionFor(action). */
  | {to: 'action'; action: KeyAction};

/**
 * Whether the quit key quits on the too-small screen: nothing hidden under it could take the key as
 * text or as an answer (a field, a filter, a prompt). The too-small screen names it only then.
 */
export function quitsWhenTooSmall(context: Pick<KeyContext, 'modal' | 'filterEditing' | 'textFocused' | 'pasted' | 'typedIntoField'>): boolean {
  return (context.modal === undefined || context.modal === 'help' || context.modal === 'messages') && !context.filterEditing && !context.textFocused && !context.pasted && !context.typedIntoField;
}

/** Routes one key press. `name` is the normalised key name (core/key-names.ts), `input` what was typed. */
export function routeKey(name: string, input: string, context: KeyContext): KeyRoute {
  // Ctrl-C asks like q where something unsaved would be lost; a second Ctrl-C at that prompt (or on
  // the too-small screen, where no prompt can show) quits at once.
  if (name === 'ctrl+c') return context.tooSmall || context.modal === 'confirm' ? {to: 'quit'} : {to: 'quit', ask: true};
  // Too small, the screen underneath cannot be seen: it keeps its state for when the terminal grows,
  // and no key acts on it but a quit. `q` quits as on a full screen (asking first where that would)
  // unless something hidden could take it as text or as an answer: a field, a filter, a prompt.
  if (context.tooSmall) return quitsWhenTooSmall(context) && actionForKey(name, context.scopes) === 'quit' ? {to: 'quit', ask: true} : {to: 'none'};
  if (context.pasted) return pasteRoute(context);
  if (context.modal === 'confirm') {
    // The prompt showed after this key was read (`dy` in one read): only a key typed after seeing it answers.
    if (context.burst) return {to: 'none'};
    const choice = context.confirmChoices?.find((c) => c.key === name);
    if (choice) return {to: 'confirm', yes: false, choice: choice.action};
    const action = actionForKey(name, ['confirm']);
    if (action === 'confirm.yes') return {to: 'confirm', yes: true};
    if (action === 'confirm.no') return {to: 'confirm', yes: false};
    return {to: 'none'};
  }
  // Several keys in one read (two Backspaces, text then Enter) each count: one press at a time.
  const field = fieldRoute(context, name === 'enter');
  const burst = field && name === 'paste' ? splitTextBurst(input) : undefined;
  if (burst) return {to: 'split', ...burst};
  if (field) return field;
  // Typed behind a field-opening key but no field opened (nothing to rename): text, not commands.
  if (context.typedIntoField) return {to: 'pasteIgnored'};
  // No binding uses Alt: outside a text field, Esc read together with the next key (Esc then H
  // typed fast, which is also what Alt+H sends) is both keys.
  if (context.escaped && [...input].length === 1) return {to: 'split', first: '\u001b', rest: input};
  if (name === 'paste') {
    // A held j/k/arrow/PgUp/PgDn over a laggy link: each repeat is a press (up to a cap).
    const repeat = navigationRepeat(input);
    if (repeat) {
      const presses = Math.min(repeat.count, MAX_REPEATED_KEYS);
      return {to: 'split', first: repeat.key, rest: repeat.key.repeat(presses - 1)};
    }
    // A key that opens a text field (`/work`, `:claude`, `nwork`): the key now, the rest typed into
    // the field.
    const first = [...input][0]!;
    const binding = bindingForKey(keyName(first, {}), context.scopes);
    if (binding?.opensField) return {to: 'split', first, rest: input.slice(first.length), intoField: true};
    // A few keys typed together (`lj⏎` over SSH, `tmux send-keys j Enter`, `2j`): the first now, the
    // rest after its frame (on the screen it opened). A longer run (`workq`, a URL) is a paste:
    // running its letters as commands would reorder, rotate and quit.
    const keys = burstKeys(input);
    return keys ? {to: 'split', first: keys[0]!, rest: keys.slice(1).join('')} : {to: 'pasteIgnored'};
  }
  const action = actionForKey(name, context.scopes);
  if (!action) return {to: 'none'};
  if (context.modal === 'help' || context.modal === 'messages') {
    if (action === 'help' || action === 'back' || action === 'messages') return {to: 'closeHelp'};
    const scroll = OVERLAY_SCROLL[actionForKey(name, ['list']) ?? 'quit'];
    if (scroll) return {to: 'scrollOverlay', by: scroll};
    // As on the screen: its quit handler may ask first (unsaved rules under the overlay).
    if (action === 'quit') return {to: 'quit', ask: true};
    return {to: 'none'};
  }
  return {to: 'action', action};
}

/** The text field that has focus (rename, jump, filter, a screen's field), as the route for its keys; undefined when none. */
function fieldRoute(context: KeyContext, enter: boolean): KeyRoute | undefined {
  // An overlay (help, messages) covers a still-mounted screen: its focused field gets nothing meanwhile.
  const overlay = context.modal === 'help' || context.modal === 'messages';
  if (context.modal === 'rename') return {to: 'rename', submit: enter};
  if (context.modal === 'jump') return {to: 'jump'};
  if (context.filterEditing) return {to: 'filter'};
  if (context.textFocused && !overlay) return {to: 'text'};
  return undefined;
}

/** A bracketed paste goes whole to the focused field; anywhere else (a prompt, a list) it runs nothing. */
function pasteRoute(context: KeyContext): KeyRoute {
  if (context.modal === 'confirm') return {to: 'none'};
  return fieldRoute(context, false) ?? {to: 'pasteIgnored'};
}

/** The keys whose repeats in one read each count: the list's movement keys. */
const NAVIGATION = new Set(['j', 'k', 'up', 'down', 'pageup', 'pagedown']);

/** `input` as N repeats of one navigation key (`jjjj`, four Down sequences), else undefined. */
export function navigationRepeat(input: string): {key: string; count: number} | undefined {
  for (const key of ['j', 'k', ...Object.keys(KEY_SEQUENCES)]) {
    if (!NAVIGATION.has(keyName(key, {})) || input.length % key.length !== 0) continue;
    if (input === key.repeat(input.length / key.length)) return {key, count: input.length / key.length};
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The most keys an unbracketed read outside a text field may hold and still count as keys (burstKeys). */
export const MAX_BURST_KEYS = 3;

/**
 * The keys of an unbracketed read outside a text field when it is keys typed together (fast typing
 * over SSH, `tmux send-keys l j Enter`) rather than pasted text: at most MAX_BURST_KEYS keys, each
 * a printable character, a line break (CR, LF or CR LF: Enter) or a movement key's escape sequence
 * (KEY_SEQUENCES). Undefined for anything else: a longer run (`workq`, a URL, a token, several
 * pasted lines) or other control bytes, which is a paste that runs nothing. A paste the terminal
 * marks (bracketed) never comes here; this rule is for terminals that send pasted text as keys.
 */
export function burstKeys(input: string): string[] | undefined {
  const keys: string[] = [];
  const sequences = ['\r\n', ...Object.keys(KEY_SEQUENCES)];
  for (let at = 0; at < input.length && keys.length <= MAX_BURST_KEYS; ) {
    const sequence = sequences.find((s) => input.startsWith(s, at));
    const key = sequence ?? String.fromCodePoint(input.codePointAt(at)!);
    // eslint-disable-next-line no-control-regex
    if (!sequence && /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(key)) return undefined;
    keys.push(key);
    at += key.length;
  }
  return keys.length <= MAX_BURST_KEYS ? keys : undefined;
}

/**
 * Splits what a text field got in one read into presses: each control byte (Backspace, Ctrl-U,
 * Enter, …) is a key of its own, a run of printable text stays one insert. Every line break is an
 * Enter (typed fast over SSH, or sent by tmux send-keys, `ali⏎j` is three keys: submit, then j for
 * what comes next); a paste the terminal marks (bracketed, pastedText) never comes here. Undefined
 * when there is nothing to split (plain text: one insert).
 */
export function splitTextBurst(input: string): {first: string; rest: string} | undefined {
  // CR LF (what some terminals send for Enter) is one Enter, never two (the second would reach the next screen).
  const text = input.replace(/\r\n/g, '\r');
  if (!CONTROL.test(text)) return undefined;
  const firstControl = text.search(CONTROL);
  const end = firstControl === 0 ? 1 : firstControl;
  return {first: text.slice(0, end), rest: text.slice(end)};
}

/** xterm's bracketed paste markers (mode 2004): a terminal wraps pasted text in them once asked to. */
export const PASTE_START = '\u001b[200~';
export const PASTE_END = '\u001b[201~';

/**
 * The text of a bracketed paste as a one-line field takes it: line breaks inside become one space
 * each run, those at either end are dropped (a copied line's own end is no Enter), other control
 * bytes (a pasted Esc, Backspace) are dropped.
 */
export function pastedText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Entries an overlay scrolls by for each list key. */
const OVERLAY_SCROLL: Partial<Record<KeyAction, number>> = {
  'cursor.down': 1,
  'cursor.up': -1,
  'cursor.pageDown': 10,
  'cursor.pageUp': -10,
  'cursor.top': -1_000_000,
  // Past the end: the overlay shows its last page and takes the offset back to it (onClamp).
  'cursor.bottom': 1_000_000,
};

const SCREEN_KEYS: Partial<Record<KeyAction, Route['screen']>> = {
  'screen.quota': 'quota',
  'screen.models': 'models',
  'screen.proxy': 'proxy',
};

/**
 * The shell's meaning of an action no screen handler took: `quit`, or the reducer action to
 * dispatch (help overlay, Esc, the 1-4 screen keys). Undefined when the shell has none.
 */
export function shellActionFor(action: KeyAction): {type: 'quit'} | AppAction | undefined {
  if (action === 'quit') return {type: 'quit'};
  if (action === 'help') return {type: 'toggleHelp'};
  if (action === 'messages') return {type: 'toggleMessages'};
  if (action === 'back') return {type: 'escape'};
  // Only screens whose scopes bind `/` get here: every one of them filters (app-state filterKeyOf).
  if (action === 'filter') return {type: 'filterStart'};
  if (action === 'screen.accounts') return {type: 'reset'};
  if (action === 'target.switch') return {type: 'navigate', screen: 'targets'};
  const screen = SCREEN_KEYS[action];
  return screen ? {type: 'reset', route: {screen, params: {}}} : undefined;
}
