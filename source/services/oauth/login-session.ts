// One login as the TUI drives it: a small observable state machine over the login functions, so the
// screen only renders `view` and calls methods. Cancelling aborts the poll, closes the loopback
// server and leaves no timer behind.
import {withCause} from '../../core/wording.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {DeviceFlowState} from '../../core/device-flow.js';
import type {Account} from '../../core/types.js';
import type {StoredLogin} from '../../store/accounts.js';
import type {ApiKeyLogin} from '../../providers/types.js';
import {UserError} from '../../core/types.js';
import {callbackForwardHint, sessionKind} from '../environment.js';
import {openAtLoginStart, openOrWhyNot, type Browser} from '../browser.js';
import type {DeviceAuthorization} from './device.js';
import {DeviceFlowEnded} from './device.js';
import {apiKeyFormProblem} from '../../core/accounts.js';
import {addApiKeyAccount, ApiKeyCheckError, baseUrlProblem, beginAuthCodeLogin, maskedLine, deviceLogin, importServiceAccount, readKeyFile, type AuthCodeLogin, type LoginDeps, type LoginMethod} from './login.js';
import {authCodeFlowOf, callbackPorts, resolveProvider} from './provider-config.js';

export type LoginView =
  /**
   * "How would you like to log in?" (as `gh auth login` asks). `notes` say what a method needs here
   * (over SSH: which one works as is); `preferred` is where the cursor starts.
   */
  | {kind: 'choose'; methods: LoginMethod[]; notes: Partial<Record<LoginMethod, string>>; preferred: number}
  /** A name for the account first: required where the provider does not say who logs in, optional for API keys. */
  | {kind: 'label'; method: LoginMethod; optional: boolean}
  | {kind: 'starting'; method: LoginMethod}
  | {kind: 'device'; authorization: DeviceAuthorization; state: DeviceFlowState}
  /** `sshHint` only when forwarding really helps (environment.ts callbackForwardHint). */
  | {kind: 'auth-code'; url: string; mode: 'loopback' | 'paste'; notice?: string; sshHint?: string; redirectUri: string}
  /** The provider's API-key login (its examples for the prompts); none configured: no base URL, no example. */
  | {kind: 'api-key'; login: ApiKeyLogin}
  | {kind: 'service-account'}
  /** `method` says what is being checked (a device approval, a pasted code, a key); absent from a remote login. */
  | {kind: 'storing'; method?: LoginMethod}
  /**
   * `notRelogin`: logging in again as that account id, the browser or device logged in as another
   * identity, stored as its own account (no grant is lost); that account still needs a login.
   */
  | {kind: 'done'; account: StoredLogin; notRelogin?: string; renewed?: undefined}
  /**
   * A remote server's login of an account it already had, which one it does not say (services/remote
   * login.ts remoteLoginOutcome `renewed`): `renewed` is the sentence that says so.
   */
  | {kind: 'done'; renewed: string; account?: undefined; notRelogin?: undefined}
  /**
   * `message` is the whole sentence with its cause ("Login failed: cannot reach …"). `field`: the
   * API-key login failed at its base URL (nothing there took the key, or nothing answered), not at
   * the key: a retry asks only for the base URL, the key typed is kept.
   */
  | {kind: 'ended'; reason: 'denied' | 'expired' | 'failed'; message: string; field?: 'base-url'};

export const METHOD_LABELS: Record<LoginMethod, string> = {
  'auth-code': 'Browser login (loopback callback or paste)',
  device: 'Device code (approve on any device, QR)',
  'api-key': 'API key',
  'service-account': 'Service-account key file',
};

/**
 * What the login screen drives: a login on this machine (LoginSession) or one a remote server runs
 * (services/remote/login-session.ts). Both show the same views.
 */
export type AccountLogin = Pick<
  LoginSession,
  'view' | 'local' | 'start' | 'choose' | 'setLabel' | 'stepBack' | 'previousStep' | 'retry' | 'paste' | 'submitApiKey' | 'submitKeyFile' | 'copyText' | 'urlToOpen' | 'openBrowser' | 'cancel'
> &
  /** Absent from a remote server's login (the server stores the account; leaving cancels it there). */
  Partial<Pick<LoginSession, 'leave'>>;

export interface LoginSessionOptions {
  /** The settings in `deps` are those the first attempt uses; each retry uses `reloadSettings`'s. */
  deps: LoginDeps;
  /**
   * tui.json read again now. A retry is a next login: it must use the file as it is now (the person
   * fixed an endpoint after a failure); absent: the first settings are kept.
   */
  reloadSettings?: () => Promise<LoginDeps['settings']>;
  provider: string;
  env: NodeJS.ProcessEnv;
  browser: Browser;
  /** Logging in again as a known account: its nickname (no name is asked for). */
  nickname?: string;
  /** Logging in again as a known account: its id (the nickname goes to no other identity). */
  relogin?: string;
  /**
   * `relogin` is an API-key account: the login asks for a key at once (no method, no name) and the
   * key replaces that account's own, in place; it never adds an account.
   */
  replaceKey?: boolean;
  onChange(view: LoginView): void;
  /** On this machine the browser opens as the login starts; why none did, when none did. */
  onNoBrowser?(why: string): void;
}

export class LoginSession {
  view: LoginView;
  readonly displayName: string;
  private controller = new AbortController();
  /** options.deps, with the settings of the latest retry. */
  private deps: LoginDeps;
  private authCode?: AuthCodeLogin;
  private method?: LoginMethod;
  private nickname?: string;
  private closed = false;
  /** Set by leave(): the login goes on unseen, and this is told how it ends. */
  private unseen?: (last: LoginView) => void;
  private labelOffered = false;
  /** Counts starts of a method; a flow's late end is ignored once a newer one runs. */
  private attempt = 0;
  readonly local: boolean;
  readonly methods: LoginMethod[];
  private readonly asksForLabel: boolean;

  constructor(private readonly options: LoginSessionOptions) {
    this.deps = options.deps;
    const {row} = resolveProvider(options.deps.settings, options.provider);
    this.displayName = row.displayName;
    this.methods = row.logins.map((f) => f.kind);
    this.asksForLabel = row.logins.some((f) => f.kind === 'device' && f.asksForLabel);
    this.local = sessionKind(options.env).local;
    this.nickname = options.nickname;
    this.view = this.replacesKey ? {kind: 'starting', method: 'api-key'} : this.methods.length > 1 ? this.chooseView() : {kind: 'starting', method: this.methods[0]!};
  }

  /** Replacing an API-key account's key (options.replaceKey), where the provider takes keys. */
  private get replacesKey(): boolean {
    return this.options.replaceKey === true && this.options.relogin !== undefined && this.methods.includes('api-key');
  }

  /**
   * The method picker. On this machine the provider's first method is preferred. With the browser
   * elsewhere (SSH, no display) a device code works as is, while a browser login needs its loopback
   * port forwarded or the address it ends on pasted: the picker says so and starts on the device code.
   */
  private chooseView(): LoginView {
    const {settings} = this.deps;
    const resolved = resolveProvider(settings, this.options.provider);
    const notes: Partial<Record<LoginMethod, string>> = {};
    if (!this.local) {
      const flow = authCodeFlowOf(resolved.row);
      notes.device = 'works over SSH as is';
      if (flow && !flow.pasteRedirectUri) {
        const [port] = callbackPorts(settings, resolved.row.id, flow);
        notes['auth-code'] = `over SSH: forward port ${port} (ssh -L) or paste the address the browser ends on`;
      } else if (flow) notes['auth-code'] = 'over SSH: paste the code the provider shows';
    }
    const device = this.methods.indexOf('device');
    return {kind: 'choose', methods: this.methods, notes, preferred: !this.local && device >= 0 ? device : 0};
  }

  /** Starts the only method at once (after `start` the screen just renders). */
  start(): void {
    if (this.view.kind === 'starting') this.choose(this.view.method);
  }

  private set(view: LoginView): void {
    if (this.closed) return;
    this.view = view;
    if (this.unseen) {
      // Left while storing (leave()): only how it ends is told, then the session is over.
      if (view.kind === 'done' || view.kind === 'ended') {
        this.closed = true;
        this.unseen(view);
      }
      return;
    }
    this.options.onChange(view);
  }

  /**
   * The screen is left while the account is being stored: the provider has the code or approval,
   * and cancelling then would lose the grant it issues (a code is used once). The login finishes
   * without a screen, and `report` is given how it ended (a `done` or `ended` view); cancel() is a
   * no-op from then on. At any other step it cancels. Returns whether the login goes on.
   */
  leave(report: (last: LoginView) => void): boolean {
    if (this.closed || this.unseen || this.view.kind !== 'storing') {
      this.cancel();
      return false;
    }
    this.unseen = report;
    return true;
  }

  choose(method: LoginMethod): void {
    this.method = method;
    this.attempt++;
    if (method === 'device' && this.asksForLabel && !this.nickname) return this.set({kind: 'label', method, optional: false});
    // An API key says nothing about whose it is: offer a name (Enter skips), once.
    if (method === 'api-key' && this.nickname === undefined && !this.labelOffered && !this.replacesKey) {
      this.labelOffered = true;
      return this.set({kind: 'label', method, optional: true});
    }
    if (method === 'api-key') {
      const flow = resolveProvider(this.deps.settings, this.options.provider).row.logins.find((f) => f.kind === 'api-key');
      return this.set({kind: 'api-key', login: flow?.kind === 'api-key' ? flow : {kind: 'api-key', needsBaseUrl: false, keyExample: ''}});
    }
    if (method === 'service-account') return this.set({kind: 'service-account'});
    if (method === 'device') void this.runDevice();
    else void this.runAuthCode();
  }

  /**
   * The step before the one asking now (Esc goes back one step, as in k9s or gh): the name before the
   * key, the method picker before either; undefined at the login's first step (the screen goes back)
   * and once something was sent.
   */
  previousStep(): LoginView | undefined {
    const {kind} = this.view;
    if (kind === 'api-key' && this.labelOffered) return {kind: 'label', method: 'api-key', optional: true};
    if ((kind === 'label' || kind === 'api-key' || kind === 'service-account') && this.methods.length > 1 && !this.replacesKey) return this.chooseView();
    return undefined;
  }

  /** Goes back to `previousStep()`; false when there is none. What was typed there is asked again (the screen offers it typed). */
  stepBack(): boolean {
    const previous = this.previousStep();
    if (!previous) return false;
    if (previous.kind === 'choose') {
      this.labelOffered = false;
      this.method = undefined;
    }
    this.nickname = this.options.nickname;
    this.set(previous);
    return true;
  }

  setLabel(label: string): void {
    const optional = this.view.kind === 'label' && this.view.optional;
    if (!label.trim() && !optional) return;
    this.nickname = label.trim() || undefined;
    this.choose(this.method ?? 'device');
  }

  private done(account: StoredLogin, attempt: number): void {
    if (attempt !== this.attempt) return;
    const {relogin} = this.options;
    this.set(relogin !== undefined && account.id !== relogin ? {kind: 'done', account, notRelogin: relogin} : {kind: 'done', account});
  }

  /**
   * A new code after expiry or an error (Enter on the ended view), or after logging in as another
   * identity than the one asked for. tui.json is read again first (its endpoints may have been fixed
   * since); a file that cannot be read ends the attempt with its cause.
   */
  retry(): void {
    const again = this.view.kind === 'ended' || (this.view.kind === 'done' && this.view.notRelogin !== undefined);
    const method = this.method;
    if (!again || !method) return;
    // Nothing of the old attempt keeps running: its server closes, its requests are aborted.
    this.controller.abort(new UserError('login restarted'));
    this.authCode?.cancel();
    this.authCode = undefined;
    this.controller = new AbortController();
    const reload = this.options.reloadSettings;
    if (!reload) return this.choose(method);
    // A second Enter while the file is read starts nothing more: the view is no longer `ended`.
    const attempt = ++this.attempt;
    this.set({kind: 'starting', method});
    reload().then(
      (settings) => {
        if (this.closed || attempt !== this.attempt) return;
        this.deps = {...this.deps, settings};
        this.choose(method);
      },
      (error: unknown) => this.fail(error, attempt),
    );
  }

  private async runDevice(): Promise<void> {
    this.set({kind: 'starting', method: 'device'});
    const attempt = this.attempt;
    const signal = this.controller.signal;
    let authorization: DeviceAuthorization | undefined;
    try {
      const account = await deviceLogin(this.deps, this.options.provider, {
        nickname: this.nickname,
        relogin: this.options.relogin,
        signal,
        onAuthorization: (a, state) => {
          authorization = a;
          this.set({kind: 'device', authorization: a, state});
          this.openAtStart(attempt);
        },
        onState: (state) => {
          if (authorization && state.phase === 'polling') this.set({kind: 'device', authorization, state});
          if (state.phase === 'approved') this.set({kind: 'storing', method: 'device'});
        },
      });
      this.done(account, attempt);
    } catch (error) {
      this.fail(error, attempt);
    }
  }

  /**
   * An auth-code login: the browser's callback (loopback) and a paste (paste()) race for the one
   * code; the session's claim lets exactly one through to the token endpoint, and whichever took it
   * shows `storing`, then that one exchange's outcome.
   */
  private async runAuthCode(): Promise<void> {
    this.set({kind: 'starting', method: 'auth-code'});
    const attempt = this.attempt;
    let login: AuthCodeLogin | undefined;
    try {
      login = await beginAuthCodeLogin(this.deps, this.options.provider, {paste: !this.local, nickname: this.nickname, relogin: this.options.relogin});
      if (this.closed || attempt !== this.attempt) return login.cancel();
      this.authCode = login;
      const s = login.session;
      this.set({kind: 'auth-code', url: s.authorizeUrl, mode: s.mode, notice: s.notice, sshHint: callbackForwardHint(s.redirectUri, s.port, this.options.env), redirectUri: s.redirectUri});
      if (s.mode === 'loopback') {
        this.openAtStart(attempt);
        const account = await login.viaCallback(this.controller.signal, () => attempt === this.attempt && this.set({kind: 'storing', method: 'auth-code'}));
        this.done(account, attempt);
      }
    } catch (error) {
      // A paste took this attempt's code: the loopback wait it closed is no failure (paste() shows the outcome).
      if (login?.session.claimedBy() === 'paste') return;
      this.fail(error, attempt);
    }
  }

  /**
   * The pasted redirect URL, code#state or code. Refused (the problem returned; the TUI's field stays open, emptied)
   * when it is no code, or when the browser's callback already took the login; otherwise it takes
   * the login (the loopback server closes), shows `storing`, then the exchange's outcome.
   */
  async paste(text: string): Promise<string | undefined> {
    const login = this.authCode;
    if (!login) return 'nothing to paste into';
    const attempt = this.attempt;
    let code: string;
    try {
      // Refused (nothing sent) once the callback, an earlier paste or the end took the login.
      code = login.session.claimPaste(text);
    } catch (error) {
      return (error as Error).message;
    }
    this.set({kind: 'storing', method: 'auth-code'});
    try {
      const account = await login.exchangeClaimed(code, this.controller.signal);
      this.done(account, attempt);
    } catch (error) {
      this.fail(error, attempt);
    }
    return undefined;
  }

  /**
   * Stores an API key. A base URL that cannot be one is returned for its field (nothing sent, the
   * key kept); any other failure (empty key, a refusal, a file that cannot be written) ends on the
   * error view, which says when only the base URL was wrong (`field`).
   */
  async submitApiKey(apiKey: string, baseUrl?: string): Promise<string | undefined> {
    // One submission per attempt: a second Enter while the key is being checked sends nothing.
    if (this.view.kind !== 'api-key') return 'nothing to submit now';
    // Said at the field, which stays: a key that cannot be one is not a failed login.
    const keyProblem = apiKeyFormProblem(apiKey);
    if (keyProblem) return keyProblem;
    const problem = baseUrlProblem(resolveProvider(this.deps.settings, this.options.provider).row, baseUrl?.trim() || undefined, 'tui', false, this.deps.settings);
    if (problem) return sanitizeLine(problem);
    const attempt = this.attempt;
    try {
      this.set({kind: 'storing', method: 'api-key'});
      const account = await addApiKeyAccount(this.deps, this.options.provider, {apiKey, baseUrl, nickname: this.nickname, signal: this.controller.signal, surface: 'tui', ...(this.replacesKey ? {replacesKeyOf: this.options.relogin} : {})});
      this.done(account, attempt);
    } catch (error) {
      const atBaseUrl = baseUrl !== undefined && error instanceof ApiKeyCheckError && !error.keyRefused;
      // A server refusing the key may quote it back; it is in no token file yet.
      this.fail(error, attempt, {secrets: [apiKey], ...(atBaseUrl ? {field: 'base-url' as const} : {})});
    }
    // Every outcome is a view here; a remote login (services/remote) may answer with a field message.
    return undefined;
  }

  /** Imports a service-account key file; a missing or invalid file ends on the error view naming it. */
  async submitKeyFile(file: string): Promise<string | undefined> {
    if (this.view.kind !== 'service-account') return 'nothing to submit now';
    const attempt = this.attempt;
    try {
      this.set({kind: 'storing', method: 'service-account'});
      const key = await readKeyFile(file, this.options.env);
      const account = await importServiceAccount(this.deps, this.options.provider, key.file, key.text, {nickname: this.nickname});
      this.done(account, attempt);
    } catch (error) {
      this.fail(error, attempt);
    }
    return undefined;
  }

  /** What `c` copies: the user code on the device view, the URL on the auth-code view. */
  copyText(): string | undefined {
    if (this.view.kind === 'device') return this.view.authorization.userCode;
    if (this.view.kind === 'auth-code') return this.view.url;
    return undefined;
  }

  urlToOpen(): string | undefined {
    if (this.view.kind === 'device') return this.view.authorization.verificationUriComplete ?? this.view.authorization.verificationUri;
    if (this.view.kind === 'auth-code') return this.view.url;
    return undefined;
  }

  /** On this machine, the login's address opened as it starts; why none opened goes to `onNoBrowser` while this attempt is on. */
  private openAtStart(attempt: number): void {
    const url = this.urlToOpen();
    if (!this.local || !url) return;
    openAtLoginStart(this.options.browser, url, (why) => !this.closed && attempt === this.attempt && this.options.onNoBrowser?.(why));
  }

  /** Opens the login's URL in a browser; resolves with why none opened, else undefined. */
  openBrowser(): Promise<string | undefined> {
    return openOrWhyNot(this.options.browser, this.urlToOpen());
  }

  /**
   * Every failure of the current attempt ends on the `ended` view with its cause (Enter retries):
   * refused codes, unreachable hosts, timeouts, nonsense answers, denial, expiry, bad input.
   */
  private fail(error: unknown, attempt: number, {secrets = [], field}: {secrets?: string[]; field?: 'base-url'} = {}): void {
    if (this.closed || attempt !== this.attempt || this.view.kind === 'done') return;
    if (error instanceof DeviceFlowEnded) {
      if (error.state.phase === 'cancelled') return;
      const {phase, message} = error.state;
      if (phase === 'denied') return this.set({kind: 'ended', reason: 'denied', message: withCause('Access denied', message && this.shown(message))});
      if (phase === 'expired') return this.set({kind: 'ended', reason: 'expired', message: 'The code expired before it was approved'});
      return this.set({kind: 'ended', reason: 'failed', message: withCause('Login failed', this.shown(message ?? 'unexpected answer'))});
    }
    this.set({kind: 'ended', reason: 'failed', message: withCause('Login failed', this.shown(error instanceof Error ? error.message : String(error), ...secrets)), ...(field ? {field} : {})});
  }

  /** A message for the screen: one line, no escapes, every stored credential (and `extra`) masked. */
  private shown(message: string, ...extra: string[]): string {
    return maskedLine(this.deps.store.paths, message, ...extra);
  }

  /** Esc: stops polling, closes the callback server; nothing keeps running. */
  cancel(): void {
    if (this.closed || this.unseen) return;
    this.controller.abort(new UserError('login cancelled'));
    this.authCode?.cancel();
    this.closed = true;
  }
}
