// Adding an account: device code (big user code, URL, QR, spinner with time left and poll state),
// auth code (URL, QR, paste field, ssh -L hint), API key, or a service-account key file. The login
// itself runs in services/oauth/login-session.ts; this screen renders its view and maps keys.
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useEffect, useMemo, useRef, useState} from 'react';
import {accountLabel, apiKeyFormProblem, corruptKeyFileText, keptGrantText, loginOutcomeText, nicknameFormProblem} from '../../core/accounts.js';
import {cellWidth} from '../../core/cells.js';
import {describePollState, formatCountdown, secondsLeft} from '../../core/device-flow.js';
import {actionKey} from '../../core/keymap.js';
import {looksLikeCredential, sanitizeLine, secretInPathField, secretInUrlField} from '../../core/sanitize.js';
import {findProvider} from '../../providers/table.js';
import {METHOD_LABELS, type AccountLogin, type LoginView} from '../../services/oauth/login-session.js';
import {TextField} from '../components/TextField.js';
import {showUrlAlone} from '../actions/login.js';
import {LinkText, urlRows} from '../components/LinkText.js';
import {supportsHyperlinks} from '../../services/environment.js';
import {useKeysWait, useScreenKeys} from '../keys.js';
import {useScreenHints, type ScreenHints} from '../hints.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useSettings} from '../hooks/useSettings.js';
import {baseUrlOverrideNote} from '../../services/oauth/login.js';
import {useShell} from '../shell.js';
import {accountsListKey} from '../../core/app-state.js';
import {useAccounts} from '../hooks/useAccounts.js';
import {useTheme} from '../theme.js';
import {QrCode, useQrLines} from './login/QrCode.js';
import {qrTerminalNeeds, qrTooBig} from '../../services/qr.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useLoginSession} from './login/useLoginSession.js';
import {ProviderPicker} from './login/ProviderPicker.js';
import {useAccountActions} from '../actions/useActions.js';
import {unknownTypeRefusal} from '../actions/unknown-type.js';
import type {Account} from '../../core/types.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Narrowest text column beside a QR. */
const TEXT_MIN_WIDTH = 30;

/**
 * `pick` (the `a` key): the provider is asked first (ProviderPicker, starting on `provider`); once
 * chosen, that provider's login runs as when it is named, and Esc leaving it (before it is done)
 * goes back to the picker, its cursor on the provider chosen: back one step, as everywhere.
 */
export function LoginScreen(props: ScreenProps) {
  const [chosen, setChosen] = useState<string | undefined>();
  const [lastChosen, setLastChosen] = useState(props.params.provider);
  if (props.params.pick !== undefined && chosen === undefined) {
    return <ProviderPicker width={props.width} height={props.height} preselected={lastChosen} onChoose={(p) => (setLastChosen(p), setChosen(p))} />;
  }
  const toPicker = props.params.pick !== undefined ? () => setChosen(undefined) : undefined;
  return <ProviderLogin {...props} params={chosen === undefined ? props.params : {provider: chosen}} toPicker={toPicker} />;
}

/** How long the accounts list waits for a login's new account to be listed before its cursor stays where it is (ms). */
const NEW_ACCOUNT_WAIT_MS = 10_000;

function ProviderLogin({width, height, params, back, setStatus, toPicker}: ScreenProps & {toPicker?: () => void}) {
  const provider = params.provider ?? '';
  const row = findProvider(provider);
  const services = useServices();
  const {clipboard} = services;
  const theme = useTheme();
  const {snapshot} = useAccounts();
  // L on an account: log in again as it (its nickname is kept; same identity → same account). The
  // account is remembered once seen: removing it here (`d` after another identity logged in) must
  // not turn this into another login.
  const seen = useRef<Account | undefined>(undefined);
  seen.current = (params.accountId ? snapshot?.accounts.find((a) => a.provider === provider && a.id === params.accountId) : undefined) ?? seen.current;
  const again = seen.current;
  const removed = Boolean(again && snapshot && !snapshot.accounts.some((a) => a.provider === provider && a.id === again.id));
  // An API-key account's login again is a new key for it: asked at once, stored over its own.
  const replacingKey = again?.apiKey === true;
  /**
   * Leaves a login whose code or approval is with the provider to finish without this screen
   * (session.leave): cancelling it would lose the grant issued for that one code. Its end is said on
   * the status line, and quitting waits for it (services.unfinished). True when it goes on, or when
   * it had just ended (said as its screen would have said it); false at any other step.
   */
  const leaveToFinish = (left: AccountLogin): boolean => {
    if (left.view.kind !== 'storing' && left.view.kind !== 'done' && left.view.kind !== 'ended') return false;
    if (!left.leave) return false;
    const name = row?.displayName ?? provider;
    let ended!: (line: string) => void;
    const outcome = new Promise<string>((resolve) => (ended = resolve));
    const report = (last: LoginView) => {
      const text = unseenOutcomeText(last, name);
      setStatus(text, last.kind === 'done' ? 'ok' : 'error');
      ended(text);
    };
    const shown = left.view;
    if (left.leave(report)) {
      services.unfinished.add(`waiting for the ${name} login that is storing its account (Ctrl-C ends it, and the login is lost)…`, outcome);
      setStatus(`${name} login: still storing the account; this line says how it ends`, 'info');
      return true;
    }
    // It ended as the key came (React has not drawn it yet): said as it would have been.
    if (shown.kind === 'done' || shown.kind === 'ended') {
      report(shown);
      return true;
    }
    return false;
  };
  // Quitting (q, Ctrl-C) or leaving this screen while the account is stored: the same as Esc there.
  // Left before anything was stored (Esc from any step, a field's own Esc, back to the provider
  // picker): said, as the screen it returns to shows no change.
  const onUnmount = useRef<(left: AccountLogin) => boolean>(() => false);
  const sayCancelled = (left: LoginView) => {
    if (left.kind !== 'storing' && left.kind !== 'done' && left.kind !== 'ended') setStatus(`${row?.displayName ?? sanitizeLine(provider)} login cancelled: nothing was stored`, 'info');
  };
  onUnmount.current = (left) => {
    if (left.view.kind === 'storing') return leaveToFinish(left);
    sayCancelled(left.view);
    return false;
  };
  const {view, error, now, session, retry: restart, noBrowser} = useLoginSession(provider, again?.nickname, again?.id, replacingKey, onUnmount);
  const actions = useAccountActions(provider, again);
  const otherIdentity = view?.kind === 'done' && view.notRelogin !== undefined;
  // What the login did, as the screen says it; the status line says it too, so M keeps it.
  const doneText = view?.kind !== 'done' || otherIdentity ? undefined : doneTextOf(view, row?.displayName ?? provider);
  useEffect(() => {
    if (doneText) setStatus(doneText, 'ok');
  }, [doneText]);
  // The account just stored is where the accounts list's cursor is when this screen goes back (a
  // login of another identity too: that is the account it stored).
  const {state, dispatch} = useShell();
  useEffect(() => {
    if (view?.kind !== 'done' || !view.account) return;
    const {provider: stored, id} = view.account;
    const accounts = accountsListKey(stored);
    // Until the files read again list it: seconds, even with a thousand accounts.
    const whenShown = {until: Date.now() + NEW_ACCOUNT_WAIT_MS};
    dispatch({type: 'setCursor', list: 'providers', index: state.cursors.providers ?? 0, id: stored, whenShown});
    dispatch({type: 'setCursor', list: accounts, index: state.cursors[accounts] ?? 0, id, whenShown});
    dispatch({type: 'pane', pane: 'accounts'});
  }, [view]);
  // Why no browser opened: the address is on screen. An error when `o` failed; when the login's own
  // opening at its start did, a note (the login waits on, and the next key clears it).
  const sayNoBrowser = (why: string, kind: 'error' | 'info') => setStatus(`no browser opened: ${why}; ${actionKey('login.copy', 'login')} copies the URL, ${actionKey('login.showUrl', 'login')} shows it alone`, kind);
  useEffect(() => {
    if (noBrowser) sayNoBrowser(noBrowser.why, 'info');
  }, [noBrowser]);
  const [choice, setChoice] = useState<number | undefined>();
  // The picker's cursor starts where the session prefers (the device code over SSH).
  const cursor = view?.kind === 'choose' ? (choice ?? view.preferred) : 0;
  // Keys typed while the login starts (right after opening the screen) act on what it shows.
  useKeysWait(view === undefined && error === undefined);
  const [pasting, setPasting] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>();
  // Bumped when a paste is refused: the field starts empty again, so the next paste is not appended to the refused one.
  const [refusedPastes, setRefusedPastes] = useState(0);
  // The API key typed at step 1 and the base URL last tried: a retry after a failure at the base URL
  // asks only for the URL again (prefilled), with the key kept; after any other, the key again, then
  // the URL prefilled.
  const [apiKey, setApiKey] = useState<string | undefined>();
  // What a step back finds typed in the step it goes back to, as a wizard keeps it: the name typed
  // (from the key's step), the key typed (from the base URL's; a key refused is typed again).
  const [labelTyped, setLabelTyped] = useState<string | undefined>();
  const [keyTyped, setKeyTyped] = useState<string | undefined>();
  // The base URL's field as typed (not a key typed into the wrong step: that goes with the step back).
  const urlDraft = useRef<string | undefined>(undefined);
  const [urlTyped, setUrlTyped] = useState<string | undefined>();
  const [baseUrl, setBaseUrl] = useState<string | undefined>();
  // A key given as the base URL is hidden in that field: at once when it is the key typed at step 1
  // or has a key's shape (`sk-…`), else once Enter finds it is one (secretInUrlField), until emptied.
  const [urlHoldsKey, setUrlHoldsKey] = useState(false);
  // tui.json's endpoints.<provider>.api replaces the URL asked for: said at its step.
  const settings = useSettings()?.settings;
  const urlOverride = useMemo(() => (settings && row ? baseUrlOverrideNote(settings, row) : undefined), [settings, row]);
  // What the base URL's field starts with: the URL last tried, else the one typed before a step back, else a key's own (L).
  const urlInitial = baseUrl ?? urlTyped ?? (replacingKey && again?.baseUrl ? sanitizeLine(again.baseUrl) : undefined);
  const urlMasked = (text: string) => text === apiKey || looksLikeCredential(text) || (urlHoldsKey && secretInUrlField(text));

  const qrText = view?.kind === 'device' ? (view.authorization.verificationUriComplete ?? view.authorization.verificationUri) : view?.kind === 'auth-code' ? view.url : undefined;
  const qr = useQrLines(qrText);
  const links = supportsHyperlinks(services.env);
  // The address to open takes whole rows above the QR (see urlBlock below).
  const address = view?.kind === 'device' ? view.authorization.verificationUri : view?.kind === 'auth-code' ? view.url : undefined;
  const heading =
    view?.kind === 'device'
      ? 'Open this address on any device:'
      : `${view?.kind === 'auth-code' && view.mode === 'loopback' && session?.local && !noBrowser ? 'Log in in the browser (opened if this machine has one)' : 'Open this address in a browser and log in'} (${actionKey('login.copy', 'login')} copies it):`;
  // Heading (wrapped), URL rows, and the notice when there is one.
  const urlLinesAt = (columns: number) =>
    address === undefined ? 0 : Math.ceil(cellWidth(heading) / columns) + urlRows(address, columns).length + (view?.kind === 'auth-code' && view.notice ? 1 : 0);
  const urlLines = urlLinesAt(width);
  const qrFits = qr.length > 0 && qr[0]!.length + TEXT_MIN_WIDTH + 2 <= width && qr.length <= height - 1 - urlLines;
  // What the terminal must grow to for the QR, the same whatever size it has now: the least width
  // that holds the QR beside the narrowest text column, and at that width the rows for the address
  // (as it wraps there) above the QR, plus the shell's own rows and columns. Any larger terminal fits.
  const terminal = useTerminalSize();
  const qrNote = (() => {
    if (qrFits || qr.length === 0) return undefined;
    const needs = qrTerminalNeeds(qr, (columns) => 1 + urlLinesAt(columns), TEXT_MIN_WIDTH + 2, {columns: terminal.columns - width, rows: terminal.rows - height});
    // Not the size `ccs-tui login` names (it prints the QR alone, its address wrapped below): said which.
    return qrTooBig(needs.columns, needs.rows, `${actionKey('login.showUrl', 'login')} shows the address alone, to copy`, 'beside this text');
  })();
  const textWidth = qrFits ? width - qr[0]!.length - 2 : width;
  const pasteFocused = view?.kind === 'auth-code' && pasting;
  // When the code went to the provider: the storing step shows how long it has waited.
  // Taken when the view changes only (not at each tick of `now`).
  const storingSince = useMemo(() => (view?.kind === 'storing' ? now : undefined), [view]);
  const spinner = SPINNER[Math.floor(now / 1000) % SPINNER.length];

  // Esc in a step asking for something goes back one step: the step before it in this login, else the
  // provider picker when the login came from it, else the screen it was opened from.
  const stepsBack = Boolean(session?.previousStep() || toPicker);
  const leave = () => (toPicker ? (session?.cancel(), toPicker()) : back());
  const stepBack = () => session?.stepBack() || leave();
  const escLabel = stepsBack ? 'back' : 'cancel';
  useScreenHints(error ? {hide: ['login.copy', 'login.open', 'login.paste', 'login.showUrl', 'account.remove', 'cursor.down', 'cursor.up'], labels: {'login.retry': 'try again'}} : loginHints(view, removed, stepsBack, Boolean(session?.leave)));
  /** A login key pressed in a step where it means nothing says so, and what the step waits for. */
  const notNow = (key: string) => setStatus(`${key} does nothing now: ${STEP_WORDS[view?.kind ?? 'starting']}`, 'info');
  useScreenKeys({
    'cursor.down': () => view?.kind === 'choose' && setChoice(Math.min(cursor + 1, view.methods.length - 1)),
    'cursor.up': () => view?.kind === 'choose' && setChoice(Math.max(cursor - 1, 0)),
    'login.retry': () => {
      // The login could not start (tui.json broken, a target that refused): from the start, the file read again.
      if (error) return restart();
      if (view?.kind === 'choose') return session?.choose(view.methods[cursor]!);
      if (view?.kind === 'ended' || (otherIdentity && !removed)) {
        setPasting(false);
        setFieldError(undefined);
        // The base URL last tried stays, prefilled at its step: a refused key is typed again, not the URL.
        if (!(view?.kind === 'ended' && view.field === 'base-url')) setApiKey(undefined);
        setKeyTyped(undefined);
        setUrlTyped(undefined);
        return session?.retry();
      }
      if (view?.kind === 'done') return back();
      notNow(actionKey('login.retry', 'login'));
    },
    'login.copy': () => {
      const text = session?.copyText();
      if (!text) return notNow(actionKey('login.copy', 'login'));
      clipboard.copy(text);
      setStatus(`${view?.kind === 'device' ? `copied the code ${text}` : 'copied the login URL'}${clipboard.caveat ?? ''}`, 'ok');
    },
    'login.open': () => {
      if (!session?.urlToOpen()) return notNow(actionKey('login.open', 'login'));
      setStatus(session.local ? 'opening the browser…' : 'asked to open a browser (over SSH it opens on this machine, if at all)', 'info');
      void session.openBrowser().then((why) => why && sayNoBrowser(why, 'error'));
    },
    'login.showUrl': () => {
      const url = session?.urlToOpen();
      if (!url || !row) return false;
      return showUrlAlone(services, `${row.displayName} login`, url);
    },
    'login.paste': () => {
      if (view?.kind !== 'auth-code') return notNow(actionKey('login.paste', 'login'));
      setPasting(true);
    },
    // Logged in as another identity: the account asked for can be removed from here (asks first).
    'account.remove': () => (otherIdentity && !removed ? actions.keys['account.remove']?.() : false),
    back: () => {
      // The provider has the code (or approval) already: cancelling now would lose the grant it
      // issues, so the login finishes without the screen and the status line says how it ended.
      // It goes back to the accounts, where the account will show, not to the provider picker.
      if (view?.kind === 'storing' && session && leaveToFinish(session)) {
        back();
        return true;
      }
      // A finished login goes back to the accounts; any other leaves to the picker it came from.
      if (toPicker && view?.kind !== 'done') return leave();
      // Said before the cancel ends its step (onUnmount says it for the other ways out).
      if (session) sayCancelled(session.view);
      session?.cancel();
      return false;
    },
  });

  // Reached only by a route naming it (the keys that open this screen refuse such a provider first).
  if (!row) return <Text color={theme.error} wrap="wrap">{`${unknownTypeRefusal(provider, 'account.login')}. ${actionKey('back')}: back`}</Text>;
  if (error) {
    return (
      <Box flexDirection="column" width={width}>
        <Text color={theme.error} wrap="wrap">{`✗ Login failed: ${error}`}</Text>
        <Text color={theme.muted}>{`${actionKey('login.retry', 'login')}: try again · ${actionKey('back')}: back`}</Text>
      </Box>
    );
  }
  const title = (
    <Text bold>
      {again ? `${row.displayName} — ${replacingKey ? 'replace the key of' : 'log in again as'} ${sanitizeLine(accountLabel(again))}` : `${row.displayName} — add an account`}
    </Text>
  );
  if (!view) return title;

  // An error is about what was submitted: editing the field (or leaving it) takes it away.
  const clearFieldError = () => setFieldError(undefined);
  const submitPaste = async (text: string) => {
    const problem = await session?.paste(text);
    setFieldError(problem);
    if (problem) setRefusedPastes((n) => n + 1);
  };

  const body = (() => {
    switch (view.kind) {
      case 'choose':
        return (
          <Box flexDirection="column">
            <Text>{`How do you want to log in? (${actionKey('cursor.down')}/${actionKey('cursor.up')}, ${actionKey('login.retry', 'login')})`}</Text>
            {view.methods.map((m, i) => (
              <Box key={m} flexDirection="column">
                <Text inverse={i === cursor}>
                  {i === cursor ? '› ' : '  '}
                  {METHOD_LABELS[m]}
                </Text>
                {/* Indented as a box, so wrapped rows stay under the note rather than at column 0. */}
                {view.notes[m] ? (
                  <Box paddingLeft={4}>
                    <Text color={theme.muted} wrap="wrap">
                      {view.notes[m]}
                    </Text>
                  </Box>
                ) : null}
              </Box>
            ))}
          </Box>
        );
      case 'label':
        return (
          <Box flexDirection="column">
            <Text>{view.optional ? `Name this ${row.displayName} account (optional: Enter skips):` : `${row.displayName} does not say who logs in. Name this account:`}</Text>
            <Box>
              <Text>Name: </Text>
              <TextField
                focus
                onChange={clearFieldError}
                // A name is shown everywhere: a key pasted here (the step before an API key's) is hidden and refused.
                maskIf={looksLikeCredential}
                initialValue={labelTyped}
                onSubmit={(t) => {
                  const problem = t.trim() ? nicknameFormProblem(t) : undefined;
                  if (problem) return setFieldError(problem);
                  setLabelTyped(t);
                  session?.setLabel(t);
                }}
                onCancel={stepBack}
                escLabel={escLabel}
                placeholder="e.g. work"
              />
            </Box>
            {fieldError ? <Text color={theme.error}>{fieldError}</Text> : null}
          </Box>
        );
      case 'starting':
        return <Text>{spinner} asking {row.displayName} for a login…</Text>;
      case 'storing': {
        const seconds = Math.floor((now - (storingSince ?? now)) / 1000);
        return (
          <Text wrap="wrap">
            {spinner} {view.method === 'device' ? 'approved, storing the account…' : 'checking with the provider and storing the account…'}
            {seconds > 0 ? ` ${seconds} s` : ''}
            {session?.leave ? <Text color={theme.muted}>{`  (${actionKey('back')} leaves it to finish; the status line says how it ends)`}</Text> : null}
          </Text>
        );
      }
      case 'device': {
        const left = secondsLeft(view.state, now);
        const code = view.authorization.userCode.split('').join(' ');
        return (
          <Box flexDirection="column" width={textWidth}>
            <Text>and enter the code:</Text>
            <Box borderStyle="round" paddingX={1} alignSelf="flex-start">
              <Text bold>{sanitizeLine(code)}</Text>
            </Box>
            <Text> </Text>
            <Text>
              {spinner} {describePollState(view.state)}
            </Text>
            <Text color={left < 60 ? theme.warn : undefined}>code expires in {formatCountdown(left)}</Text>
            {qrNote ? <Text color={theme.muted}>{qrNote}</Text> : null}
            <Text color={theme.muted}>{`${actionKey('login.copy', 'login')} copy code · ${actionKey('login.open', 'login')} open browser · ${actionKey('back')} cancel`}</Text>
          </Box>
        );
      }
      case 'auth-code':
        return (
          <Box flexDirection="column" width={textWidth}>
            {view.mode === 'loopback' ? <Text>{spinner} waiting for the browser to return to {view.redirectUri}</Text> : null}
            <Text>Then paste the address it ends on, or the code it shows:</Text>
            {pasteFocused ? (
              <Box>
                <Text>› </Text>
                <TextField
                  key={refusedPastes}
                  focus
                  onChange={clearFieldError}
                  maskIf={looksLikeCredential}
                  onSubmit={(t) => void submitPaste(t)}
                  onCancel={() => (setPasting(false), clearFieldError())}
                  escLabel="close"
                  placeholder="redirect URL, code#state or code"
                />
              </Box>
            ) : (
              <Text color={theme.muted}>{`${actionKey('login.paste', 'login')}: paste it here`}</Text>
            )}
            {fieldError ? <Text color={theme.error}>{fieldError}</Text> : null}
            {view.sshHint ? <Text color={theme.muted}>{`the browser returns to ${view.redirectUri} on this machine: forward it with ${view.sshHint}`}</Text> : null}
            {qrNote ? <Text color={theme.muted}>{qrNote}</Text> : null}
          </Box>
        );
      case 'api-key':
        return (
          <Box flexDirection="column" width={textWidth}>
            {/* Each step's heading names that step only, with an example of what it expects. */}
            {/* Keyed: the same shape of tree for both steps would hand the key's draft to the URL field, unmasked. */}
            {apiKey === undefined ? (
              <Box key="api-key" flexDirection="column">
                <Text wrap="wrap">{`${view.login.needsBaseUrl ? 'Step 1 of 2: paste' : 'Paste'} the ${replacingKey ? `new ${row.displayName} API key for ${sanitizeLine(accountLabel(again!))}` : `${row.displayName} API key`} (shown masked)`}</Text>
                {view.login.keyExample ? <Text color={theme.muted} wrap="wrap">{`e.g. ${view.login.keyExample}`}</Text> : null}
                {/* Labelled as the name's field is: an empty masked field is otherwise only a cursor. */}
                <Box>
                  <Text>Key: </Text>
                  <TextField
                    focus
                    mask
                    initialValue={keyTyped}
                    onChange={clearFieldError}
                    onSubmit={(key) => {
                      // A key that cannot be one is said here, not after the base URL's step.
                      const problem = apiKeyFormProblem(key);
                      if (problem) return setFieldError(problem);
                      if (view.login.needsBaseUrl) return (urlDraft.current = undefined), setApiKey(key);
                      void session?.submitApiKey(key).then(setFieldError);
                    }}
                    onCancel={stepBack}
                    escLabel={escLabel}
                  />
                </Box>
              </Box>
            ) : (
              <Box key="base-url" flexDirection="column">
                <Text wrap="wrap">{`Step 2 of 2: the ${row.displayName} base URL${urlOverride ? ', none needed (Enter with it empty)' : ''} (${actionKey('back')}: back to the key)`}</Text>
                {view.login.baseUrlExample ? <Text color={theme.muted} wrap="wrap">{`e.g. ${view.login.baseUrlExample}`}</Text> : null}
                {urlOverride ? <Text color={theme.warn} wrap="wrap">{`! ${urlOverride}`}</Text> : null}
                <TextField
                  focus
                  // A new key for an account keeps its base URL: offered as stored, Enter keeps it.
                  initialValue={urlInitial}
                  onChange={(text) => ((urlDraft.current = text), clearFieldError(), text.trim() === '' && setUrlHoldsKey(false))}
                  maskIf={urlMasked}
                  onSubmit={(url) => (setBaseUrl(url), setUrlHoldsKey(secretInUrlField(url)), void session?.submitApiKey(apiKey, url).then(setFieldError))}
                  // Back to the key, as typed: the URL typed here is kept for the way on, unless it is
                  // the key typed into the wrong step (hidden in the field), which goes.
                  onCancel={() => {
                    const typed = urlDraft.current ?? urlInitial ?? '';
                    setUrlTyped(typed.trim() && !urlMasked(typed) ? typed : undefined);
                    setKeyTyped(apiKey);
                    setApiKey(undefined);
                    setBaseUrl(undefined);
                    setUrlHoldsKey(false);
                    clearFieldError();
                  }}
                  escLabel="back to the key"
                  placeholder="https://…"
                />
              </Box>
            )}
            {fieldError ? <Text color={theme.error}>{fieldError}</Text> : null}
          </Box>
        );
      case 'service-account':
        return (
          <Box flexDirection="column">
            <Text>Path of the service-account key file (JSON from IAM → Service accounts → Keys):</Text>
            {/* The key file's JSON pasted here instead of its path is hidden (and refused without being quoted: readKeyFile). */}
            <TextField focus onChange={clearFieldError} maskIf={secretInPathField} onSubmit={(file) => void session?.submitKeyFile(file).then(setFieldError)} onCancel={stepBack} escLabel={escLabel} placeholder="/path/to/key.json" />
            {fieldError ? <Text color={theme.error}>{fieldError}</Text> : null}
          </Box>
        );
      case 'done':
        if (view.notRelogin !== undefined && again) {
          const asked = sanitizeLine(accountLabel(again));
          const got = sanitizeLine(accountLabel(view.account));
          return (
            <Box flexDirection="column" width={width}>
              <Text color={theme.warn} wrap="wrap">{`! Logged in as ${got}, not ${asked}: ${view.account.outcome === 'added' ? `${got} is kept as a new account` : `${got}, an account already, is logged in again`}.`}</Text>
              <Text wrap="wrap">{removed ? `${asked} was removed.` : `${asked} still needs a login.`}</Text>
              <Text color={theme.muted} wrap="wrap">
                {removed
                  ? `${actionKey('back')}: back to the accounts`
                  : `${actionKey('login.retry', 'login')}: log in again as ${asked} (log out of ${got} in the browser first) · ${actionKey('account.remove', 'login')}: remove ${asked} · ${actionKey('back')}: back`}
              </Text>
            </Box>
          );
        }
        // A remote server's login of an account it had: which one, it does not say (as `login --target` says it).
        if (!view.account) {
          return (
            <Box flexDirection="column">
              <Text color={theme.ok} wrap="wrap">{doneText}</Text>
              <Text color={theme.muted}>{`${actionKey('login.retry', 'login')} or ${actionKey('back')}: back to the accounts`}</Text>
            </Box>
          );
        }
        return (
          <Box flexDirection="column">
            <Text color={theme.ok} wrap="wrap">{doneText}</Text>
            {/* The name typed is another account's (the store kept the login, not the name): as `login` warns. */}
            {view.account.nicknameNotGiven ? <Text color={theme.warn} wrap="wrap">{`! The name typed was not given: ${sanitizeLine(view.account.nicknameNotGiven)}`}</Text> : null}
            {view.account.corrupt ? <Text color={theme.warn} wrap="wrap">{`! ${corruptKeyFileText(view.account.corrupt)}`}</Text> : null}
            {view.account.keptGrant ? <Text color={theme.warn} wrap="wrap">{`! ${keptGrantText(view.account.keptGrant)}`}</Text> : null}
            <Text color={theme.muted}>{`${actionKey('login.retry', 'login')} or ${actionKey('back')}: back to the accounts`}</Text>
          </Box>
        );
      case 'ended':
        return (
          <Box flexDirection="column">
            <Text color={theme.error} wrap="wrap">
              ✗ {view.message}
            </Text>
            <Text>{`${actionKey('login.retry', 'login')}: ${view.reason === 'expired' ? 'get a new code' : view.field === 'base-url' ? 'change the base URL (the key is kept)' : 'try again'} · ${actionKey('back')}: back`}</Text>
          </Box>
        );
    }
  })();

  // The address takes whole rows above everything else: never beside the QR, one link where the
  // terminal supports OSC 8, so a click or (with OSC 8) a selection gets the whole URL; `c` copies it
  // (OSC 52) and `U` (hint bar, `?`) shows it as one line on a page of its own for a selection
  // without OSC 8.
  const urlBlock =
    view.kind === 'auth-code' || view.kind === 'device' ? (
      <Box flexDirection="column" width={width}>
        {view.kind === 'auth-code' && view.notice ? <Text color={theme.warn}>{view.notice}</Text> : null}
        <Text>{heading}</Text>
        <LinkText url={address!} width={width} links={links} color={theme.accent} />
      </Box>
    ) : null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {title}
      {urlBlock}
      <Box flexDirection="row">
        {body}
        {qrFits && (view.kind === 'device' || view.kind === 'auth-code') ? (
          <Box marginLeft={2}>
            <QrCode lines={qr} />
          </Box>
        ) : null}
      </Box>
    </Box>
  );
}

/** What a stored login did, as its screen and the status line say it (`view`: done, not as another identity). */
function doneTextOf(view: Extract<LoginView, {kind: 'done'}>, displayName: string): string {
  if (!view.account) return `✓ ${sanitizeLine(view.renewed)}`;
  const {account} = view;
  return `✓ ${loginOutcomeText(account.outcome, `${displayName} account ${sanitizeLine(accountLabel(account))}`, account.nicknameChanged)}${account.projectId ? ` (project ${sanitizeLine(account.projectId)})` : ''}${account.madeDefault ? ' (default)' : ''}`;
}

/** How a login left while it was being stored ended (session.leave), for the status line: with what its screen would have warned of. */
function unseenOutcomeText(last: LoginView, displayName: string): string {
  if (last.kind === 'ended') return `${displayName}: ${last.message}`;
  if (last.kind !== 'done') return `${displayName} login: cancelled`;
  const {account} = last;
  const notes = [
    last.notRelogin !== undefined && account ? `it logged in as ${sanitizeLine(accountLabel(account))}, not as the account asked for, which still needs a login` : undefined,
    account?.nicknameNotGiven ? `the name typed was not given: ${sanitizeLine(account.nicknameNotGiven)}` : undefined,
    account?.corrupt ? corruptKeyFileText(account.corrupt) : undefined,
    account?.keptGrant ? keptGrantText(account.keptGrant) : undefined,
  ].filter((note) => note !== undefined);
  return [doneTextOf(last, displayName), ...notes].join('; ');
}

/** What each login step is doing or waits for, for a key pressed there that means nothing. */
const STEP_WORDS: Record<LoginView['kind'], string> = {
  choose: 'choose how to log in first',
  label: 'type the name, Enter to go on',
  starting: 'asking the provider for a login…',
  device: 'waiting for the code to be approved',
  'auth-code': 'waiting for the browser to come back',
  'api-key': 'type the key, Enter to go on',
  'service-account': 'type the key file path, Enter to go on',
  storing: 'storing the account…',
  ended: `the login ended (${actionKey('login.retry', 'login')} tries again)`,
  done: 'the account is stored',
};

/**
 * The hint bar per login state: only keys that do something now, Enter named for what it does, and
 * Esc as the step says it: while a login waits, Esc cancels it (the `back` handler above); once it
 * ended or is stored, Esc only goes back; in a step asking for something it says "back" where it
 * goes back one step (`stepsBack`: an earlier step, or the provider picker). While the account is
 * stored, Esc leaves the login to finish where the session can (`leaves`, LoginSession.leave).
 */
function loginHints(view: LoginView | undefined, removed: boolean, stepsBack: boolean, leaves: boolean): ScreenHints {
  const codeKeys = ['login.copy', 'login.open', 'login.paste', 'login.showUrl', 'account.remove'] as const;
  const moves = ['cursor.down', 'cursor.up'] as const;
  const cancel = {back: 'cancel'} as const;
  switch (view?.kind) {
    case 'choose':
      return {hide: [...codeKeys], labels: {'login.retry': 'choose', back: stepsBack ? 'back' : 'cancel'}};
    case 'device':
      return {hide: ['login.paste', 'account.remove', ...moves], labels: cancel};
    case 'auth-code':
      return {hide: ['account.remove', ...moves], labels: cancel};
    case 'ended':
      return {hide: [...codeKeys, ...moves], labels: {'login.retry': view.reason === 'expired' ? 'new code' : 'try again'}};
    case 'storing':
      return {hide: [...codeKeys, ...moves], labels: leaves ? {back: 'leave'} : cancel};
    case 'done':
      if (view.notRelogin !== undefined && !removed) return {hide: ['login.copy', 'login.open', 'login.paste', 'login.showUrl', ...moves], labels: {'login.retry': 'log in again'}};
      return {hide: [...codeKeys, ...moves], labels: {'login.retry': 'back'}};
    default:
      return {hide: [...codeKeys, ...moves], labels: cancel};
  }
}

export type {LoginView};
