// One login through a remote CLIProxyAPI server, as the TUI's login screen drives it: the same
// observable views as the local LoginSession (services/oauth/login-session.ts), so the screen renders
// either without knowing which. The server runs the OAuth flow and keeps the token; this side shows
// the URL (and device code), posts a pasted callback, and asks the status every 2 s (./login.ts).
import {startDeviceFlow} from '../../core/device-flow.js';
import {sanitizeLine} from '../../core/sanitize.js';
import type {Account} from '../../core/types.js';
import {UserError} from '../../core/types.js';
import {findProvider} from '../../providers/table.js';
import {openAtLoginStart, openOrWhyNot, type Browser} from '../browser.js';
import {systemClock, type Clock} from '../clock.js';
import {sessionKind} from '../environment.js';
import type {AccountLogin, LoginView} from '../oauth/login-session.js';
import type {RemoteAccountStore} from './accounts.js';
import {cancelRemoteLogin, remoteLoginOutcome, renewedLoginText, stampedAccounts, startRemoteLogin, submitRemoteCallback, waitForRemoteLogin, type RemoteLogin, type StampedAccount} from './login.js';

export interface RemoteLoginSessionOptions {
  store: RemoteAccountStore;
  provider: string;
  env: NodeJS.ProcessEnv;
  browser: Browser;
  clock?: Clock;
  /** Logging in again as a known account: its id (as the local LoginSession's `relogin`). */
  relogin?: string;
  onChange(view: LoginView): void;
  /** As the local LoginSession's: why no browser opened as the login started. */
  onNoBrowser?(why: string): void;
}

export class RemoteLoginSession implements AccountLogin {
  view: LoginView;
  readonly local: boolean;
  private controller = new AbortController();
  private login?: RemoteLogin;
  /** The provider's accounts before the login, and when the server last wrote each one's file. */
  private before: StampedAccount[] = [];
  private closed = false;
  private readonly clock: Clock;

  constructor(private readonly options: RemoteLoginSessionOptions) {
    this.local = sessionKind(options.env).local;
    this.clock = options.clock ?? systemClock;
    // The server decides device or auth code; until it answers, this is "asking for a login".
    this.view = {kind: 'starting', method: 'auth-code'};
  }

  private get target(): string {
    return this.options.store.client.target.name;
  }

  private set(view: LoginView): void {
    if (this.closed) return;
    this.view = view;
    this.options.onChange(view);
  }

  start(): void {
    void this.run();
  }

  /** The server offers one flow per provider: any choice starts it. */
  choose(): void {
    this.start();
  }

  setLabel(): void {}

  /** One flow, no steps asking for anything before it: Esc leaves the login. */
  previousStep(): undefined {
    return undefined;
  }

  stepBack(): boolean {
    return false;
  }

  retry(): void {
    if (this.view.kind !== 'ended' && !(this.view.kind === 'done' && this.view.notRelogin !== undefined)) return;
    this.controller.abort(new UserError('login restarted'));
    this.controller = new AbortController();
    this.start();
  }

  private async run(): Promise<void> {
    this.set({kind: 'starting', method: 'auth-code'});
    try {
      const {store, provider} = this.options;
      this.before = this.stamped((await store.load()).accounts);
      const login = await startRemoteLogin(store.client, provider);
      if (this.closed) return void cancelRemoteLogin(store.client, login).catch(() => undefined);
      this.login = login;
      if (login.device) {
        const now = this.clock.now();
        const state = startDeviceFlow({intervalSeconds: 2, expiresInSeconds: login.expiresInSeconds}, now, 2);
        this.set({
          kind: 'device',
          authorization: {userCode: login.userCode ?? '(shown at the address)', verificationUri: login.url, verificationUriComplete: login.url, expiresAt: state.expiresAt},
          state,
        });
        this.openAtStart();
        await this.finish();
      } else {
        this.set({
          kind: 'auth-code',
          url: login.url,
          mode: 'paste',
          notice: `The server of target ${this.target} runs this login and keeps the account; the token never comes here.`,
          redirectUri: login.url,
        });
        this.openAtStart();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private stamped(accounts: Account[]): StampedAccount[] {
    return stampedAccounts(this.options.store, this.options.provider, accounts);
  }

  /**
   * Waits for the server's "ok", then shows what it stored (remoteLoginOutcome, as `login --target`
   * says it): a new account, the account asked for (`relogin`) logged in again, another identity
   * than the one asked for (`notRelogin`: the asked account still needs a login), or an account the
   * server already had, renewed (which one, it does not say).
   */
  private async finish(): Promise<void> {
    const {store, provider, relogin} = this.options;
    await waitForRemoteLogin(store.client, this.login!, {
      signal: this.controller.signal,
      clock: this.clock,
      onProgress: (p) => {
        if (this.view.kind === 'device') this.set({...this.view, state: {...this.view.state, pollState: p.kind === 'retrying' ? 'retrying' : 'waiting', message: p.kind === 'retrying' ? p.message : undefined}});
      },
    });
    this.set({kind: 'storing'});
    const outcome = remoteLoginOutcome(this.target, provider, this.before, this.stamped((await store.load()).accounts), relogin);
    if (outcome.kind === 'renewed') return this.set({kind: 'done', renewed: renewedLoginText(provider, this.target)});
    // A new account may be the default at once; an account logged in again was what it was.
    const account = {...outcome.account, outcome: outcome.kind, madeDefault: outcome.kind === 'added' && outcome.account.default};
    this.set(outcome.kind === 'added' && outcome.notRelogin !== undefined ? {kind: 'done', account, notRelogin: outcome.notRelogin} : {kind: 'done', account});
  }

  /**
   * The pasted redirect URL or code goes to the server (`POST /oauth-callback`), at most once per
   * login: the paste takes the login synchronously (`storing`; a second paste is refused) before
   * anything is sent. A paste with no code for this login, or the server's refusal (4xx: it took
   * nothing), reopens the field with its words; a post whose fate is unknown (no answer, 5xx) may
   * have reached the server, so the server's status decides the outcome (submitRemoteCallback).
   */
  async paste(text: string): Promise<string | undefined> {
    const view = this.view;
    if (!this.login || view.kind !== 'auth-code') return this.view.kind === 'storing' ? 'the login is already being checked; this paste was not used' : 'nothing to paste into';
    if (!text.trim()) return 'nothing was pasted';
    this.set({kind: 'storing'});
    try {
      await submitRemoteCallback(this.options.store.client, this.login, text);
    } catch (error) {
      if (this.view.kind === 'storing') this.set(view);
      return sanitizeLine((error as Error).message);
    }
    try {
      await this.finish();
    } catch (error) {
      this.fail(error);
    }
    return undefined;
  }

  async submitApiKey(): Promise<string | undefined> {
    return `API-key accounts are not added through target ${this.target}'s logins`;
  }

  async submitKeyFile(): Promise<string | undefined> {
    return `key files are not added through target ${this.target}'s logins`;
  }

  copyText(): string | undefined {
    if (this.view.kind === 'device') return this.view.authorization.userCode;
    if (this.view.kind === 'auth-code') return this.view.url;
    return undefined;
  }

  urlToOpen(): string | undefined {
    return this.view.kind === 'device' || this.view.kind === 'auth-code' ? this.login?.url : undefined;
  }

  /** On this machine, the login's address opened as it starts; why none opened goes to `onNoBrowser` while this run is on. */
  private openAtStart(): void {
    const url = this.urlToOpen();
    if (!this.local || !url) return;
    // This run's only: a retry starts another (a new controller).
    const run = this.controller;
    openAtLoginStart(this.options.browser, url, (why) => !this.closed && run === this.controller && this.options.onNoBrowser?.(why));
  }

  /** Opens the login's URL in a browser; resolves with why none opened, else undefined. */
  openBrowser(): Promise<string | undefined> {
    return openOrWhyNot(this.options.browser, this.urlToOpen());
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    const name = findProvider(this.options.provider)?.displayName ?? this.options.provider;
    this.set({kind: 'ended', reason: 'failed', message: sanitizeLine(`${name} on target ${this.target}: ${(error as Error).message}`)});
  }

  /** Esc: stops asking, and tells the server to drop the pending login (it then stores nothing). */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort(new UserError('login cancelled'));
    if (this.login && this.view.kind !== 'done') void cancelRemoteLogin(this.options.store.client, this.login).catch(() => undefined);
  }
}
