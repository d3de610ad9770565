// Auth-code logins (PKCE where the provider uses it), by loopback callback or by paste.
//
// Loopback: a one-shot HTTP server bound to 127.0.0.1 (the redirect says `localhost`, as the
// providers registered it), checks `state`, shows a plain success or failure page, and closes after
// the one callback. A busy port tries the fallbacks, then falls back to paste mode saying which port.
// Paste: the person pastes the redirect URL, `code#state` (Claude's code page) or the bare code.
import http from 'node:http';
import {makePkce, makeState, parsePastedCode, type Pkce} from '../../core/pkce.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {UserError} from '../../core/types.js';
import type {TuiSettings} from '../../store/settings.js';
import type {HttpClient} from '../http.js';
import {authCodeFlowOf, callbackPorts, endpoint, type AuthCodeFlowSpec, type ResolvedProvider} from './provider-config.js';
import {postToken, type TokenResponse} from './token-endpoint.js';

export interface AuthCodeOptions {
  /** Paste mode even when a loopback server could be used. */
  paste?: boolean;
  /** Callback port (overrides the table and tui.json). */
  port?: number;
}

export interface AuthCodeSession {
  mode: 'loopback' | 'paste';
  authorizeUrl: string;
  redirectUri: string;
  /** Set in loopback mode. */
  port?: number;
  /** Why paste mode was chosen when loopback was wanted (a busy port). */
  notice?: string;
  /** The ports a person would forward with `ssh -L` to use loopback from afar. */
  forwardPort: number;
  /** Loopback mode: the code from the one callback. Rejects on a bad state, an error callback or close(). */
  callback(): Promise<string>;
  /** Paste mode (and loopback, as a fallback): the code from what the person pasted; throws UserError. */
  codeFromPaste(text: string): string;
  exchange(http: HttpClient, code: string, signal?: AbortSignal): Promise<TokenResponse>;
  /** Stops the loopback server, if any. Safe to call twice. */
  close(): void;
}

function page(ok: boolean, message: string): string {
  const title = ok ? 'Login complete' : 'Login failed';
  const colour = ok ? '#1a7f37' : '#cf222e';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title} · ccs-tui</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:36em;margin:4em auto"><h1 style="color:${colour}">${title}</h1>` +
    `<p>${message.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p><p>You can close this tab and return to the terminal.</p></body></html>`;
}

function listen(port: number, handler: http.RequestListener): Promise<http.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
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
  const callbackResult = new Promise<string>((resolve, reject) => (settle = {resolve, reject}));
  callbackResult.catch(() => undefined);
  let server: http.Server | undefined;
  let port: number | undefined;
  let notice: string | undefined;

  const finish = (response: http.ServerResponse, ok: boolean, message: string, result: () => void) => {
    response.writeHead(ok ? 200 : 400, {'content-type': 'text/html; charset=utf-8', connection: 'close'});
    response.end(page(ok, message), () => {
      result();
      close();
    });
  };
  const handler: http.RequestListener = (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== flow.callbackPath) {
      response.writeHead(404, {'content-type': 'text/plain'}).end('not found');
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (url.searchParams.get('state') !== state) {
      finish(response, false, 'The state parameter does not match this login; nothing was stored.', () => settle?.reject(new UserError('login callback carried the wrong state; nothing was stored')));
    } else if (error) {
      const description = sanitizeLine(url.searchParams.get('error_description') ?? error);
      finish(response, false, `The provider said: ${description}`, () => settle?.reject(new UserError(`login refused: ${description}`)));
    } else if (!code) {
      finish(response, false, 'The callback carried no code.', () => settle?.reject(new UserError('login callback carried no code')));
    } else {
      finish(response, true, `${resolved.row.displayName} login received. ccs-tui is storing the account.`, () => settle?.resolve(code));
    }
  };

  if (!options.paste) {
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

  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    settle?.reject(new UserError('login cancelled'));
    server?.close();
    server?.closeAllConnections();
  }

  return {
    mode,
    authorizeUrl,
    redirectUri,
    port,
    notice,
    forwardPort: port ?? ports[0]!,
    callback: () => callbackResult,
    codeFromPaste(text) {
      const parsed = parsePastedCode(text);
      if (!parsed) throw new UserError('that is not a redirect URL or a code: paste the whole URL from the browser, or the code');
      if (parsed.error) throw new UserError(`the provider refused the login: ${sanitizeLine(parsed.error)}`);
      if (parsed.state !== undefined && parsed.state !== state) throw new UserError('the pasted state does not match this login (an old or foreign link?); nothing was stored');
      return parsed.code;
    },
    exchange(httpClient, code, signal) {
      const params: Record<string, string> = {grant_type: 'authorization_code', code, redirect_uri: redirectUri};
      if (pkce) params.code_verifier = pkce.verifier;
      Object.assign(params, resolved.row.adapter.exchangeParams?.({state}));
      return postToken(httpClient, resolved, {url: endpoint(resolved, 'token'), params, signal});
    },
    close,
  };
}
