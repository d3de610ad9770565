// One login as the TUI drives it: a small observable state machine over the login functions, so the
// screen only renders `view` and calls methods. Cancelling aborts the poll, closes the loopback
// server and leaves no timer behind.
import {Redactor} from '../../core/redact.js';
import {credentialRedactor} from '../credential-redactor.js';
import {readFile} from 'node:fs/promises';
import type {DeviceFlowState} from '../../core/device-flow.js';
import type {Account} from '../../core/types.js';
import {UserError} from '../../core/types.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {sessionKind, sshForwardHint} from '../environment.js';
import type {Browser} from '../browser.js';
import type {DeviceAuthorization} from './device.js';
import {DeviceFlowEnded} from './device.js';
import {addApiKeyAccount, beginAuthCodeLogin, deviceLogin, importServiceAccount, type AuthCodeLogin, type LoginDeps, type LoginMethod} from './login.js';
import {resolveProvider} from './provider-config.js';

export type LoginView =
  | {kind: 'choose'; methods: LoginMethod[]}
  | {kind: 'label'; method: LoginMethod}
  | {kind: 'starting'; method: LoginMethod}
  | {kind: 'device'; authorization: DeviceAuthorization; state: DeviceFlowState}
  | {kind: 'auth-code'; url: string; mode: 'loopback' | 'paste'; notice?: string; sshHint: string; redirectUri: string}
  | {kind: 'api-key'; needsBaseUrl: boolean}
  | {kind: 'service-account'}
  | {kind: 'storing'}
  | {kind: 'done'; account: Account}
  | {kind: 'ended'; reason: 'denied' | 'expired' | 'failed'; message: string};

export const METHOD_LABELS: Record<LoginMethod, string> = {
  'auth-code': 'Browser login (loopback callback or paste)',
  device: 'Device code (approve on any device, QR)',
  'api-key': 'API key',
  'service-account': 'Service-account key file',
};

export interface LoginSessionOptions {
  deps: LoginDeps;
  provider: string;
  env: NodeJS.ProcessEnv;
  browser: Browser;
  onChange(view: LoginView): void;
}

export class LoginSession {
  view: LoginView;
  readonly displayName: string;
  private controller = new AbortController();
  private authCode?: AuthCodeLogin;
  private method?: LoginMethod;
  private nickname?: string;
  private closed = false;
  readonly local: boolean;
  readonly methods: LoginMethod[];
  private readonly asksForLabel: boolean;

  constructor(private readonly options: LoginSessionOptions) {
    const {row} = resolveProvider(options.deps.settings, options.provider);
    this.displayName = row.displayName;
    this.methods = row.logins.map((f) => f.kind);
    this.asksForLabel = row.logins.some((f) => f.kind === 'device' && f.asksForLabel);
    this.local = sessionKind(options.env).local;
    this.view = this.methods.length > 1 ? {kind: 'choose', methods: this.methods} : {kind: 'starting', method: this.methods[0]!};
  }

  /** Starts the only method at once (after `start` the screen just renders). */
  start(): void {
    if (this.view.kind === 'starting') this.choose(this.view.method);
  }

  private set(view: LoginView): void {
    if (this.closed) return;
    this.view = view;
    this.options.onChange(view);
  }

  choose(method: LoginMethod): void {
    this.method = method;
    if (method === 'device' && this.asksForLabel && !this.nickname) return this.set({kind: 'label', method});
    if (method === 'api-key') {
      const flow = resolveProvider(this.options.deps.settings, this.options.provider).row.logins.find((f) => f.kind === 'api-key');
      return this.set({kind: 'api-key', needsBaseUrl: flow?.kind === 'api-key' && flow.needsBaseUrl});
    }
    if (method === 'service-account') return this.set({kind: 'service-account'});
    if (method === 'device') void this.runDevice();
    else void this.runAuthCode();
  }

  setLabel(label: string): void {
    if (!label.trim()) return;
    this.nickname = label.trim();
    this.choose(this.method ?? 'device');
  }

  /** A new code after expiry or an error (Enter on the ended view). */
  retry(): void {
    if (this.view.kind !== 'ended' || !this.method) return;
    this.controller = new AbortController();
    this.choose(this.method);
  }

  private async runDevice(): Promise<void> {
    this.set({kind: 'starting', method: 'device'});
    const signal = this.controller.signal;
    let authorization: DeviceAuthorization | undefined;
    try {
      const account = await deviceLogin(this.options.deps, this.options.provider, {
        nickname: this.nickname,
        signal,
        onAuthorization: (a, state) => {
          authorization = a;
          this.set({kind: 'device', authorization: a, state});
          if (this.local) void this.openBrowser();
        },
        onState: (state) => {
          if (authorization && state.phase === 'polling') this.set({kind: 'device', authorization, state});
          if (state.phase === 'approved') this.set({kind: 'storing'});
        },
      });
      this.set({kind: 'done', account});
    } catch (error) {
      this.fail(error);
    }
  }

  private async runAuthCode(): Promise<void> {
    this.set({kind: 'starting', method: 'auth-code'});
    try {
      const login = await beginAuthCodeLogin(this.options.deps, this.options.provider, {paste: !this.local});
      if (this.closed) return login.cancel();
      this.authCode = login;
      const s = login.session;
      this.set({kind: 'auth-code', url: s.authorizeUrl, mode: s.mode, notice: s.notice, sshHint: sshForwardHint(s.forwardPort, this.options.env), redirectUri: s.redirectUri});
      if (s.mode === 'loopback') {
        if (this.local) void this.openBrowser();
        const account = await login.viaCallback(this.controller.signal);
        this.set({kind: 'done', account});
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** The pasted redirect URL, code#state or code. A wrong paste keeps the login open; returns the problem. */
  async paste(text: string): Promise<string | undefined> {
    if (!this.authCode) return 'nothing to paste into';
    try {
      this.authCode.session.codeFromPaste(text);
    } catch (error) {
      return (error as Error).message;
    }
    this.set({kind: 'storing'});
    try {
      const account = await this.authCode.viaPaste(text, this.controller.signal);
      this.set({kind: 'done', account});
    } catch (error) {
      this.fail(error);
    }
    return undefined;
  }

  async submitApiKey(apiKey: string, baseUrl?: string): Promise<string | undefined> {
    try {
      this.set({kind: 'storing'});
      const account = await addApiKeyAccount(this.options.deps, this.options.provider, {apiKey, baseUrl, nickname: this.nickname});
      this.set({kind: 'done', account});
      return undefined;
    } catch (error) {
      this.choose('api-key');
      // A server refusing the key may quote it back; it is in no token file yet.
      return this.shown((error as Error).message, apiKey);
    }
  }

  async submitKeyFile(file: string): Promise<string | undefined> {
    try {
      const text = await readFile(file.trim(), 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UserError(`${file.trim()}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      this.set({kind: 'storing'});
      const account = await importServiceAccount(this.options.deps, this.options.provider, file.trim(), text, {nickname: this.nickname});
      this.set({kind: 'done', account});
      return undefined;
    } catch (error) {
      this.set({kind: 'service-account'});
      return this.shown((error as Error).message);
    }
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

  async openBrowser(): Promise<void> {
    const url = this.urlToOpen();
    if (url) await this.options.browser.open(url).catch(() => undefined);
  }

  private fail(error: unknown): void {
    // A paste finished the login while the loopback wait was still pending: that wait's end is no failure.
    if (this.closed || this.view.kind === 'storing' || this.view.kind === 'done') return;
    if (error instanceof DeviceFlowEnded) {
      if (error.state.phase === 'cancelled') return;
      const reason = error.state.phase === 'denied' ? 'denied' : error.state.phase === 'expired' ? 'expired' : 'failed';
      return this.set({kind: 'ended', reason, message: this.shown(error.message)});
    }
    this.set({kind: 'ended', reason: 'failed', message: this.shown((error as Error).message)});
  }

  /** A message for the screen: one line, no escapes, every stored credential (and `extra`) masked. */
  private shown(message: string, ...extra: string[]): string {
    return sanitizeLine(new Redactor(extra).redact(credentialRedactor(this.options.deps.store.paths).redact(message)));
  }

  /** Esc: stops polling, closes the callback server; nothing keeps running. */
  cancel(): void {
    if (this.closed) return;
    this.controller.abort(new UserError('login cancelled'));
    this.authCode?.cancel();
    this.closed = true;
  }
}
