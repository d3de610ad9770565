// Auth-code logins (PKCE where the provider uses it), by loopback callback or by paste.
//
// Loopback: an HTTP server bound to 127.0.0.1 (the redirect says `localhost`, as the providers
// registered it) that waits for the one callback carrying this login's `state` and closes after it.
// The browser tab that brought the code is answered only when the login knows how it ended (the
// code exchanged and the account stored, or why not: report()), so the page never claims a success
// the terminal then contradicts; if that takes longer than CALLBACK_HOLD_MS it is told the code
// arrived and the terminal has the rest.
// Anything else that reaches the port (a callback with another state or no code, /favicon.ico, a
// port scanner) gets an error page and the login keeps waiting, until the callback timeout. A busy
// port tries the fallbacks, then falls back to paste mode saying which port.
// Paste: the person pastes the redirect URL, `code#state` (Claude's code page) or the bare code. A
// paste is accepted in loopback mode too: whichever comes first wins (as `gh auth login` does).
// An authorization code is spent once (RFC 6749 §4.1.2: a server that sees it twice SHOULD revoke
// every token it issued for it), so the first of the two *claims* the login, synchronously, and the
// other is refused at once: a paste closes the server; a callback makes later pastes fail.
// When the browser is elsewhere (SSH), providers with a page of their own that shows the code
// (`pasteRedirectUri`) redirect there and nothing listens; the others still listen on the loopback
// port, so forwarding it (`ssh -L`) works as well as pasting the address the browser ends on.
import type http from 'node:http';
import {makePkce, makeState, pastedCodeFor, providerRefusal, type Pkce} from '../../core/pkce.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {cutText, REASON_CHARS} from '../../core/redact.js';
import {UserError} from '../../core/types.js';
import type {TuiSettings} from '../../store/settings.js';
import type {HttpClient} from '../http.js';
import {authCodeFlowOf, callbackPorts, endpoint, type AuthCodeFlowSpec, type ResolvedProvider} from './provider-config.js';
import {postToken, type TokenResponse} from './token-endpoint.js';

export interface AuthCodeOptions {
  /**
   * The browser is elsewhere and the person will paste: the provider's own code page where it has
   * one (no server then); otherwise the loopback server still listens beside the paste.
   */
  paste?: boolean;
  /** Callback port (overrides the table and tui.json). */
  port?: number;
  /** How long the loopback server waits for the right callback (ms); default CALLBACK_TIMEOUT_MS. */
  callbackTimeoutMs?: number;
  /** How long the callback's tab waits for report() (ms); default CALLBACK_HOLD_MS. */
  callbackHoldMs?: number;
}

/** The loopback wait's bound: as long as a person plausibly takes to log in in a browser. */
export const CALLBACK_TIMEOUT_MS = 10 * 60_000;

/** Where the authorization code came from: the browser's loopback callback, or the person's paste. */
export type CodeSource = 'callback' | 'paste';

/** The words a paste is refused with once the browser's callback took the login. */
export const CALLBACK_ALREADY_RECEIVED = 'the login was already received from the browser; this paste was not used';

export interface AuthCodeSession {
  mode: 'loopback' | 'paste';
  authorizeUrl: string;
  redirectUri: string;
  /** The port this machine listens on for the callback: set exactly in loopback mode. */
  port?: number;
  /** Why paste mode was chosen when loopback was wanted (a busy port). */
  notice?: string;
  /**
   * Loopback mode: the code from the callback carrying this login's state, once that callback
   * claimed the login. Rejects on an error callback (with the right state), the callback timeout,
   * a paste that claimed the login first, or close().
   */
  callback(): Promise<string>;
  /** The code in what the person pasted (redirect URL, code#state or code), without claiming; throws UserError. */
  codeFromPaste(text: string): string;
  /**
   * The pasted code, claiming the login for it: the loopback server closes at once and the
   * callback() promise rejects. Throws UserError (nothing claimed) when the paste is no code, or the
   * login was already claimed (by the browser's callback, an earlier paste) or closed.
   */
  claimPaste(text: string): string;
  /** Which source took this login's one code, if any yet (an error callback counts: it ends the login). */
  claimedBy(): CodeSource | undefined;
  exchange(http: HttpClient, code: string, signal?: AbortSignal): Promise<TokenResponse>;
  /**
   * How the login ended, for the browser tab whose callback brought the code (if it is still
   * waiting): `message` is shown as text (HTML-escaped here; the caller masks secrets).
   */
  report(outcome: {ok: boolean; message: string}): void;
  /** Stops the loopback server, if any; a tab still waiting is told the login was cancelled. Safe to call twice. */
  close(): void;
}

/** How long the callback's tab waits for the login's outcome before it is told to look at the terminal (ms). */
export const CALLBACK_HOLD_MS = 20_000;

type PageKind = 'complete' | 'failed' | 'received';
const PAGE_TITLES: Record<PageKind, string> = {complete: 'Login complete', failed: 'Login failed', received: 'Code received'};

function page(kind: PageKind, message: string): string {
  const title = PAGE_TITLES[kind];
  const colour = kind === 'failed' ? '#cf222e' : kind === 'complete' ? '#1a7f37' : '#57606a';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title} · ccs-tui</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto"><h1 style="color:${colour}">${title}</h1>` +
    `<p>${message.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p><p>You can close this tab and return to the terminal.</p></body></html>`;
}

async function listen(port: number, handler: http.RequestListener): Promise<http.Server | undefined> {
  // Loaded when a login listens: the TUI bundles this module, and its first frame does without node:http.
  const {createServer} = await import('node:http');
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export function buildAuthorizeUrl(resolved: ResolvedProvider, flow: AuthCodeFlowSpec, redirectUri: string, state: string, pkce?: Pkce): string {
  const url = new URL(endpoint(resolved, 'authorize'));
  const params = url.searchParams;
  const custom = resolved.row.adapter.authorizeParams?.({clientId: resolved.clientId, redirectUri, state, extra: flow.extraAuthorizeParams ?? {}});
  if (custom) {
    for (const [k, v] of Object.entries(custom)) params.set(k, v);
    return url.toString();
  }
  for (const [k, v] of Object.entries(flow.extraAuthorizeParams ?? {})) params.set(k, v);
  params.set('client_id', resolved.clientId);
  params.set('response_type', 'code');
  params.set('redirect_uri', redirectUri);
  if (resolved.row.scopes.length) params.set('scope', resolved.row.scopes.join(' '));
  if (pkce) {
    params.set('code_challenge', pkce.challenge);
    params.set('code_challenge_method', pkce.method);
  }
  params.set('state', state);
  return url.toString();
}

export async function startAuthCode(resolved: ResolvedProvider, settings: TuiSettings, options: AuthCodeOptions = {}): Promise<AuthCodeSession> {
  const flow = authCodeFlowOf(resolved.row);
  if (!flow) throw new UserError(`${resolved.row.id} has no auth-code login`, 2);
  const pkce = flow.pkce ? makePkce() : undefined;
  const state = makeState();
  const ports = callbackPorts(settings, resolved.row.id, flow, options.port);

  let settle: {resolve: (code: string) => void; reject: (error: Error) => void} | undefined;
  /** The one source that took this login (set synchronously, before anything is awaited). */
  let claimed: CodeSource | undefined;
  const callbackResult = new Promise<string>((resolve, reject) => (settle = {resolve, reject}));
  callbackResult.catch(() => undefined);
  let server: http.Server | undefined;
  let closed = false;
  let port: number | undefined;
  let notice: string | undefined;

  const answer = (response: http.ServerResponse, status: number, kind: PageKind, message: string, after?: () => void) => {
    response.writeHead(status, {'content-type': 'text/html; charset=utf-8', connection: 'close'});
    response.end(page(kind, message), after);
  };
  /**
   * The login's own end by the provider's refusal: claimed and settled at once (a paste from now on
   * is refused), no new connection accepted; the browser is answered, then the server closes.
   */
  const finish = (response: http.ServerResponse, message: string, result: () => void) => {
    claimed = 'callback';
    clearTimeout(timer);
    result();
    server?.close();
    answer(response, 400, 'failed', message, close);
  };
  // The tab that brought the code, waiting for report() (or the hold timer, or close()).
  let held: {response: http.ServerResponse; timer: NodeJS.Timeout} | undefined;
  // Settles once the held tab's answer is written, so close() does not cut it off.
  let heldAnswered: Promise<void> = Promise.resolve();
  const answerHeld = (kind: PageKind, message: string) => {
    if (!held) return;
    const {response, timer} = held;
    held = undefined;
    clearTimeout(timer);
    heldAnswered = new Promise((resolve) => answer(response, kind === 'failed' ? 400 : 200, kind, message, () => resolve()));
  };
  const stillWaiting = 'The login in the terminal is still waiting for its own callback.';
  const handler: http.RequestListener = (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== flow.callbackPath) {
      response.writeHead(404, {'content-type': 'text/plain', connection: 'close'}).end('not found');
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    // Only the callback carrying this login's state may end it: anything else is a stale tab, another
    // login's redirect or a probe, answered and ignored.
    if (claimed) {
      // A request already on a kept-alive connection when the login was taken.
      answer(response, 409, 'failed', claimed === 'paste' ? 'The code was already pasted into the terminal; this callback was not used.' : 'This login already has its code; this callback was not used.');
    } else if (url.searchParams.get('state') !== state) {
      answer(response, 400, 'failed', `This callback is not for the login under way (its state does not match); nothing was stored. ${stillWaiting}`);
    } else if (error) {
      const reason = url.searchParams.get('error_description') || error;
      finish(response, `The provider said: ${cutText(sanitizeLine(reason), REASON_CHARS)}`, () => settle?.reject(new UserError(providerRefusal(reason))));
    } else if (!code) {
      answer(response, 400, 'failed', `The callback carried no code; nothing was stored. ${stillWaiting}`);
    } else if (!closed) {
      // The one callback takes the login (a paste from now on is refused): no other is listened
      // for; its tab waits for how the login ends.
      claimed = 'callback';
      clearTimeout(timer);
      const hold = setTimeout(() => answerHeld('received', 'Code received — finishing in the terminal, which says whether the login worked.'), options.callbackHoldMs ?? CALLBACK_HOLD_MS);
      hold.unref();
      held = {response, timer: hold};
      server?.close();
      settle?.resolve(code);
    } else {
      answer(response, 400, 'failed', 'This login already has its code; nothing more is needed here.');
    }
  };

  // A provider page that shows the code needs no server; a loopback redirect is listened for even
  // when the person will paste, so what the hint says (forward the port) is true.
  const pastePage = options.paste ? flow.pasteRedirectUri : undefined;
  if (!pastePage) {
    for (const candidate of ports) {
      server = await listen(candidate, handler);
      if (server) {
        port = candidate;
        break;
      }
    }
    if (!server) notice = `callback port ${ports.join(' and ')} ${ports.length > 1 ? 'are' : 'is'} busy: paste the redirect URL or code instead`;
  }
  const mode = server ? 'loopback' : 'paste';
  const loopbackRedirect = (p: number) => `http://localhost:${p}${flow.callbackPath}`;
  const redirectUri = mode === 'loopback' ? loopbackRedirect(port!) : (flow.pasteRedirectUri ?? loopbackRedirect(ports[0]!));
  const authorizeUrl = buildAuthorizeUrl(resolved, flow, redirectUri, state, pkce);
  if (mode === 'paste') settle?.reject(new UserError('no loopback server in paste mode'));
  const timeoutMs = options.callbackTimeoutMs ?? CALLBACK_TIMEOUT_MS;
  const timer =
    mode === 'loopback'
      ? setTimeout(() => {
          settle?.reject(new UserError(`no browser came back to ${redirectUri} within ${timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : `${Math.ceil(timeoutMs / 1000)} s`}; nothing was stored`));
          close();
        }, timeoutMs)
      : undefined;
  timer?.unref();

  const codeFromPaste = (text: string): string => pastedCodeFor(text, state);

  function close() {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    settle?.reject(new UserError('login cancelled'));
    answerHeld('failed', 'The login in the terminal ended before it finished; nothing was stored.');
    server?.close();
    // Every other connection (a scanner that says nothing) goes now; the held tab's once it has its answer.
    void heldAnswered.then(() => server?.closeAllConnections());
  }

  return {
    mode,
    authorizeUrl,
    redirectUri,
    port,
    notice,
    callback: () => callbackResult,
    codeFromPaste,
    claimPaste(text) {
      if (claimed === 'callback') throw new UserError(CALLBACK_ALREADY_RECEIVED);
      if (claimed === 'paste') throw new UserError('a code was already pasted for this login; it is the one being used');
      if (closed) throw new UserError('this login has ended; start a new one');
      const code = codeFromPaste(text);
      claimed = 'paste';
      settle?.reject(new UserError('the code was pasted: the loopback server is closed'));
      close();
      return code;
    },
    claimedBy: () => claimed,
    exchange(httpClient, code, signal) {
      const params: Record<string, string> = {grant_type: 'authorization_code', code, redirect_uri: redirectUri};
      if (pkce) params.code_verifier = pkce.verifier;
      Object.assign(params, resolved.row.adapter.exchangeParams?.({state}));
      return postToken(httpClient, resolved, {url: endpoint(resolved, 'token'), params, signal});
    },
    report({ok, message}) {
      answerHeld(ok ? 'complete' : 'failed', message);
    },
    close,
  };
}
