// The single input dispatcher: Ink's one useInput for the whole TUI. WHICH layer gets a key is
// decided by the pure core/key-routing.ts; this hook only carries the answer out (answers the
// confirm prompt, edits the rename or filter field, feeds a focused text field, calls the screen's
// handler for the keymap action, else applies the shell's meaning of it).
import {useApp, useInput, useStdin} from 'ink';
import {useEffect, useRef} from 'react';
import {currentRoute, type AppState} from '../core/app-state.js';
import {keyName, type RawKey} from '../core/key-names.js';
import {actionKey, keysOf, type KeyAction} from '../core/keymap.js';
import {sanitizeText, withoutControls} from '../core/sanitize.js';
import {PASTE_END, PASTE_START, pastedText, routeKey, shellActionFor} from '../core/key-routing.js';
import {renameAccount} from './actions/accounts.js';
import {agentsLosingProxy, quitStopsAgentsQuestion} from './actions/proxy.js';
import {describeError} from './errors.js';
import {noteKey} from './input-priority.js';
import {routeOwner, topScreenHandlers, topTextHandler, useKeyRegistry} from './keys.js';
import {routeScopes} from './router.js';
import {useServices} from './services.js';
import type {Shell} from './shell.js';

/** A rename or jump field whose Enter was pressed and whose work (saving, resolving) has not finished. */
const submitting = (state: AppState): boolean => (state.modal?.kind === 'rename' || state.modal?.kind === 'jump') && state.modal.submitted === true;

/**
 * How long input must pause after a bracketed paste's end before what came behind it counts as keys
 * (ms): a second end marker before then means the first was pasted text (a terminal that does not
 * filter ESC out of pastes). A long paste comes in reads a few ms apart, over SSH maybe a round trip.
 */
const AFTER_PASTE_MS = 250;

/**
 * How long a key waits for what it waits for (the render of the key before it, the new screen's
 * mount, its data, a submitted field) before it is routed anyway (ms). A loaded machine can take
 * longer than the fallback timer's 250 ms to render a screen change; the key must still go to the new screen.
 */
const MAX_KEY_WAIT_MS = 5000;

/**
 * Ink's one useInput for the whole TUI: routes each key (core/key-routing.ts) to the confirm prompt,
 * the rename or filter field, a focused text field, the screen's handlers or the shell.
 *
 * `state` is the rendered app state; `live` the state as of the last action dispatched, ahead of
 * the render (App.tsx keeps it with the pure reducer): a key read right after one that navigated is
 * routed by the new route, and waits until that route's screen has mounted and registered its
 * handlers, so it is never lost and never goes to the screen before.
 */
export function useKeyDispatcher({state, live, shell, answerConfirm, tooSmall}: {state: AppState; live: {readonly current: AppState}; shell: Shell; answerConfirm(answer: 'yes' | 'no' | KeyAction): void; tooSmall: boolean}): void {
  const {exit} = useApp();
  const services = useServices();
  const registry = useKeyRegistry();
  const latest = useRef({state, shell, answerConfirm, tooSmall});
  latest.current = {state, shell, answerConfirm, tooSmall};
  // Keys wait in this queue (in order; anything read meanwhile queues behind them) until what the
  // key before them did has rendered, so each sees the state it left: an Enter submits the text
  // typed just before it, a key after a screen change goes to the new screen once it has mounted
  // (and loaded, useKeysWait). Every commit drains; a key that changes nothing renders nothing, so a
  // short timer drains then (a loading screen is waited for longer).
  // `intoField`: typed behind a key that opens a text field, in the same read (key-routing).
  // `pasted`: the text of a bracketed paste (KeyContext.pasted).
  // `burst`: read together with the keys before it (KeyContext.burst).
  const queued = useRef<Array<{input: string; key: RawKey; intoField?: boolean; pasted?: boolean; burst?: boolean}>>([]);
  /**
   * A key went to a screen's handler (or closed a field) and its render has not committed yet: the
   * number of that key (KeyCommitMark says when the commit holding its changes is done).
   */
  const pending = useRef<number | undefined>(undefined);
  const handledKeys = useRef(0);
  /** Call right after a handler ran: the keys behind it wait for the render of what it changed. */
  const awaitRender = () => {
    pending.current = ++handledKeys.current;
    registry.markKey?.(pending.current);
  };
  const waitedSince = useRef<number | undefined>(undefined);
  const cancelFallback = useRef<(() => void) | undefined>(undefined);
  const drain = (force = false) => {
    cancelFallback.current?.();
    cancelFallback.current = undefined;
    const next = queued.current.shift();
    if (next) handleKey(next.input, next.key, force, next.intoField, next.pasted, next.burst);
    if (queued.current.length > 0 && !cancelFallback.current) schedule();
  };
  /**
   * Whether a key read now must wait: an action not rendered yet (the screen's handlers still see the
   * state before it), a route whose screen has not mounted or is loading, a submitted rename or jump
   * still being carried out (`escape`: Esc still cancels it).
   */
  const mustWait = (name?: string): boolean => {
    const current = live.current;
    const owner = routeOwner(current);
    return pending.current !== undefined || current !== latest.current.state || !registry.mounted.has(owner) || registry.loading.has(owner) ||
      (submitting(current) && name !== 'escape');
  };
  // Commits drain the queue (committed, keyCommitted); this timer drains it when none comes, and
  // routes the keys anyway once they waited MAX_KEY_WAIT_MS.
  const schedule = () => {
    waitedSince.current ??= services.clock.now();
    cancelFallback.current = services.clock.setTimeout(() => {
      const waited = services.clock.now() - (waitedSince.current ?? services.clock.now());
      if (mustWait() && waited < MAX_KEY_WAIT_MS) {
        cancelFallback.current = undefined;
        schedule();
        return;
      }
      drain(true);
    }, 250);
  };
  const committed = () => {
    if (queued.current.length > 0 && cancelFallback.current) queueMicrotask(() => queued.current.length > 0 && drain());
  };
  registry.committed = committed;
  registry.keyCommitted = (seq) => {
    if (pending.current !== undefined && seq >= pending.current) pending.current = undefined;
    committed();
  };
  useEffect(committed);
  // Unmounted (the TUI quit): keys still queued go nowhere, and no timer keeps the process alive.
  useEffect(() => () => {
    cancelFallback.current?.();
    cancelFallback.current = undefined;
    queued.current = [];
  }, []);

  // A submitted rename is saved once, with the draft as the reducer holds it.
  const rename = state.modal?.kind === 'rename' && state.modal.submitted ? state.modal : undefined;
  useEffect(() => {
    if (!rename) return;
    const {dispatch, run} = latest.current.shell;
    void run(() => renameAccount(services, rename.provider, rename.tokenFile, rename.draft.text)).then((ok) =>
      dispatch(ok ? {type: 'closeModal'} : {type: 'renameFailed'}),
    );
  }, [rename]);

  /**
   * `force`: the fallback timer gave up waiting for the route's screen; route the key anyway.
   * `intoField`: the text read behind a field-opening key (KeyContext.typedIntoField).
   * `pasted`: `input` is the text of a bracketed paste (KeyContext.pasted), already pastedText().
   * `burst`: the rest of a read split into keys (KeyContext.burst).
   */
  const handleKey = (input: string, key: RawKey, force = false, intoField = false, pasted = false, burst = false): void => {
    const {shell: {dispatch, run, setStatus, confirm}, answerConfirm: answer, tooSmall: small} = latest.current;
    const current = live.current;
    const name = keyName(input, key);
    // An empty paste is done with here: a wait that comes after it starts anew (waitedSince).
    if (pasted && input === '') {
      waitedSince.current = undefined;
      return;
    }
    const owner = routeOwner(current);
    // Agents would lose the proxy that ends with this TUI: asked first (a second Ctrl-C quits).
    const quitAsking = () => {
      if (agentsLosingProxy(services).length === 0) return exit();
      // Said again as it holds while it is asked: an agent may end (or start) meanwhile.
      void confirm(() => quitStopsAgentsQuestion(agentsLosingProxy(services))).then((yes) => yes && exit());
    };
    // This key waits for the render, then goes where it leads (mustWait). Keys typed behind a
    // submitted rename's Enter are for what comes after it (`ali⏎j`: j moves the cursor once the
    // rename is saved).
    if (!force && name !== 'ctrl+c' && mustWait(name)) {
      queued.current.unshift({input, key, intoField, pasted, burst});
      waitedSince.current ??= services.clock.now();
      if (!cancelFallback.current) schedule();
      return;
    }
    waitedSince.current = undefined;
    const route = routeKey(name, input, {
      tooSmall: small,
      modal: current.modal?.kind,
      filterEditing: current.filterEditing !== undefined,
      textFocused: topTextHandler(registry, owner) !== undefined,
      confirmChoices: current.modal?.kind === 'confirm' ? current.modal.choices : undefined,
      scopes: routeScopes(currentRoute(current)),
      escaped: key.meta === true && !key.escape && input !== '',
      typedIntoField: intoField,
      pasted,
      burst,
    });
    switch (route.to) {
      case 'quit': {
        // The screen's quit handler may keep the app open to ask first (unsaved rules).
        const quitHandler = route.ask ? topScreenHandlers(registry, owner)?.quit : undefined;
        if (quitHandler && quitHandler() !== false) return;
        return route.ask ? quitAsking() : exit();
      }
      case 'none':
        return;
      case 'pasteIgnored': {
        // The filter key is named only where it filters (the proxy screen has none).
        const filters = routeScopes(currentRoute(current)).some((scope) => keysOf('filter', scope).length > 0);
        return setStatus(filters ? `paste ignored — press ${actionKey('filter')} to filter` : 'paste ignored: nothing here takes typed text', 'info');
      }
      case 'confirm':
        return answer(route.choice ?? (route.yes ? 'yes' : 'no'));
      case 'rename':
        // Enter marks the reducer's draft as submitted; the effect below saves it.
        return dispatch({type: 'renameKey', input, key: name});
      case 'filter':
        return dispatch({type: 'filterKey', input, key: name});
      case 'jump':
        return dispatch({type: 'jumpKey', input, key: name});
      case 'text':
        // Enter and Esc may close the field: the next key waits to see whether it is still there.
        topTextHandler(registry, owner)!(input, name);
        if (name === 'enter' || name === 'escape') awaitRender();
        return;
      case 'split':
        handleKey(route.first, {}, false, false, false, burst);
        if (route.rest) {
          queued.current.unshift({input: route.rest, key: {}, intoField: route.intoField, burst: true});
          if (!cancelFallback.current) schedule();
        }
        return;
      case 'closeHelp':
        return dispatch({type: 'closeModal'});
      case 'scrollOverlay':
        return dispatch({type: 'scrollOverlay', by: route.by});
      case 'action': {
        // The message on the status line said what the last key did: this one clears it (app-state.ts
        // leaveScreen); `?` and `M` only show things. Nothing to clear, nothing dispatched.
        if (current.status && route.action !== 'help' && route.action !== 'messages') dispatch({type: 'keyActed'});
        const handler = topScreenHandlers(registry, owner)?.[route.action];
        if (handler) {
          const result = handler();
          awaitRender();
          if (result instanceof Promise) result.catch((error) => setStatus(describeError(error), 'error'));
          if (result !== false) return;
        }
        const shellAction = shellActionFor(route.action);
        if (shellAction?.type === 'quit') return quitAsking();
        if (shellAction) dispatch(shellAction);
        return;
      }
    }
  };
  // Bracketed paste (xterm mode 2004, turned on by terminal.ts): the terminal wraps pasted text in
  // ESC[200~ … ESC[201~, so a pasted line break is told apart from an Enter typed fast. Ink's
  // useInput reports the markers with their Esc cut off, as the text `[200~`, and drops pasted
  // escape sequences: the raw reads are watched (ahead of useInput's listener) and the paste is
  // gathered from them. The end marker is looked for in the gathered text, not in one read: over a
  // slow link it can come split in two reads (Ink then hands `ESC[20` and `1~` apart), and a paste
  // that never ends would swallow every key after it, Ctrl-C too.
  // A pasted text may itself hold an end marker (a terminal that does not filter ESC out of pastes,
  // as tmux 3.3 does not): `abc ESC[201~ d y ESC[201~` would end the paste early and run `d`, `y` as
  // keys. What comes after an end marker is held until no input came for AFTER_PASTE_MS (a long
  // paste arrives in several reads, its real end maybe in a later one): a second end marker meanwhile
  // means the first was pasted text, and what it held is pasted too; else the held keys are keys,
  // a moment later.
  const {internal_eventEmitter: inputEvents} = useStdin();
  /** What the dispatcher makes of the raw read useInput reports next (undefined: an ordinary key). */
  const marker = useRef<{swallow: true} | {hold: true} | {pasted: string} | undefined>(undefined);
  /** The raw text pasted so far while inside a bracketed paste, else undefined. */
  const paste = useRef<string | undefined>(undefined);
  /** After an end marker, until input pauses: the raw text and the keys read since, and the pause's timer. */
  const afterPaste = useRef<{raw: string; keys: Array<{input: string; key: RawKey}>; timer?: ReturnType<typeof setTimeout>} | undefined>(undefined);
  /** Ends the hold after a paste; `run`: its keys are keys (else they are dropped: pasted, or before a Ctrl-C). */
  const endHold = (run: boolean) => {
    const held = afterPaste.current;
    afterPaste.current = undefined;
    if (held?.timer !== undefined) clearTimeout(held.timer);
    if (run) for (const {input, key} of held?.keys ?? []) receive(input, key);
  };
  /** Input came while holding: the hold lasts until AFTER_PASTE_MS without any. */
  const holdOn = () => {
    const held = afterPaste.current!;
    if (held.timer !== undefined) clearTimeout(held.timer);
    held.timer = setTimeout(() => endHold(true), AFTER_PASTE_MS);
  };
  /**
   * A paste ended (`text`: its raw text; `rest`: raw text read with its end marker's last part, as
   * Ink hands a split marker's `1~j`): what follows is held (afterPaste); returns the field's text.
   */
  const ended = (text: string, rest = ''): string => {
    afterPaste.current = {raw: rest, keys: rest === '' ? [] : [{input: rest, key: {}}]};
    holdOn();
    // Escape sequences go whole, what is around them joined (withoutControls: it would drop a bare
    // CR, so line ends are LF first); invisible characters are shown (sanitizeText).
    return pastedText(sanitizeText(withoutControls(text.replace(/\r\n?/g, '\n'))));
  };
  useEffect(() => {
    const onRead = (raw: string) => {
      marker.current = undefined;
      if (paste.current === undefined) {
        const held = afterPaste.current;
        // Ctrl-C is the person's (a terminal writes a paste in one go): it goes through, and the
        // held keys go with the app (they were pasted text, or typed just before quitting).
        if (held && raw === '\u0003') return endHold(false);
        if (held) {
          const gathered = held.raw + raw;
          const end = gathered.indexOf(PASTE_END);
          if (end !== -1) {
            // The end marker before was pasted text: what followed it is pasted too, up to this one.
            endHold(false);
            marker.current = {pasted: ended(`${PASTE_END}${gathered.slice(0, end)}`, gathered.slice(end + PASTE_END.length))};
            return;
          }
          // A start marker right behind a paste's end: nothing typed between them, a new paste; with
          // text between, one paste that holds both markers (nobody types and pastes again that fast).
          if (raw === PASTE_START) {
            const between = held.raw;
            endHold(between === '');
            paste.current = between;
            marker.current = {swallow: true};
            return;
          }
          held.raw = gathered;
          holdOn();
          marker.current = {hold: true};
          return;
        }
        if (raw === PASTE_START) paste.current = '';
        // A stray end marker (its start was lost or typed) is no key either.
        if (raw === PASTE_START || raw === PASTE_END) marker.current = {swallow: true};
        return;
      }
      // Ctrl-C in a read of its own is the user's, never pasted text (a terminal writes a paste in
      // one go): the paste is dropped and Ctrl-C quits as anywhere.
      if (raw === '\u0003') return void (paste.current = undefined);
      const gathered = paste.current + raw;
      const end = gathered.indexOf(PASTE_END);
      if (end === -1) {
        paste.current = gathered;
        marker.current = {swallow: true};
        return;
      }
      paste.current = undefined;
      marker.current = {pasted: ended(gathered.slice(0, end), gathered.slice(end + PASTE_END.length))};
    };
    inputEvents.prependListener('input', onRead);
    return () => {
      inputEvents.off('input', onRead);
      if (afterPaste.current?.timer !== undefined) clearTimeout(afterPaste.current.timer);
    };
  }, [inputEvents]);
  const receive = (input: string, key: RawKey, pasted?: boolean) => {
    if (queued.current.length > 0 && keyName(input, key) !== 'ctrl+c') queued.current.push({input, key, pasted});
    else handleKey(input, key, false, false, pasted);
  };
  useInput((input, key) => {
    noteKey();
    const read = marker.current;
    marker.current = undefined;
    if (read === undefined) return receive(input, key);
    if ('swallow' in read) return;
    if ('hold' in read) return void afterPaste.current?.keys.push({input, key});
    receive(read.pasted, {}, true);
  });
}
