// Errors the proxy answers itself, in the shape of the client's protocol.
import {shellCommand, shellOption} from '../core/quote.js';
import {actionKey, type KeyAction} from '../core/keymap.js';
import type {ErrorAdvice} from '../core/types.js';
import {withAdvice} from '../store/errors.js';
import {poolSwitchCommand} from '../services/proxy/wording.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
    /** The refusal in a few words for proxy.log (the message when absent); never quotes a presented key. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * An HttpError whose way out each reader words itself: the client reads it in the command line's
 * words (the message); `text` and `advice` stay apart for the proxy's 'error' event and last error,
 * which the TUI words with its keys (services/proxy/ipc.ts, withAdvice).
 */
export class AdvisedHttpError extends HttpError {
  constructor(
    status: number,
    readonly text: string,
    readonly advice: ErrorAdvice,
    type?: string,
    headers?: Record<string, string>,
    reason?: string,
  ) {
    super(status, withAdvice(text, advice, 'cli'), type, headers, reason);
  }
}

/** What helps an account that cannot serve: resume it (paused), log in again (re-login), add it again (gone), a new key (its API key refused). */
export type PinnedFix = 'resume' | 'relogin' | 'login' | 'newkey' | 'addkey';

/**
 * The way out when the one account a proxy serves `provider` with (pinned) cannot serve: how it was
 * pinned, `fix` for the account (`label`: its name among its siblings; `nicknamed`: that name is its
 * nickname, given back to a key added again), else the provider's pool.
 * One wording for both surfaces: the command line's flags and commands (`--account`, `ccs-tui run`, `ccs-tui proxy switch`;
 * the TUI pins too, and a client reading the answer may not know which did it), the TUI's keys (`s` or
 * `e` on an account, `r` on the proxy screen moving the pin, `p`, `L`, `a`, `S` on the accounts
 * screen, core/keymap.ts).
 */
export function pinnedAdvice(provider: string, label: string, fix?: PinnedFix, nicknamed = false): ErrorAdvice {
  // A key login given the account's name replaces its key (core/accounts.ts keyRejectedWords); without it, it adds another account.
  // The label as a shell word: a nickname may hold anything a shell reads (`my work; rm -rf x`).
  const commands = {resume: `resume it: ${shellCommand('ccs-tui resume', [provider, label])}`, relogin: `log in again: ccs-tui login ${provider}`, login: `log in again: ccs-tui login ${provider}`, newkey: `a new key: ccs-tui login ${provider} ${shellOption('nickname', label)}`, addkey: `add its key again: ${nicknamed ? `ccs-tui login ${provider} ${shellOption('nickname', label)}` : `ccs-tui login ${provider}`}`};
  const key = (action: KeyAction) => actionKey(action, 'home');
  const keys = {resume: `${key('account.pause')} on the accounts screen: resume it`, relogin: `${key('account.relogin')} on the accounts screen: log in again`, login: `${key('account.login')} on the accounts screen: log in again`, newkey: `${key('account.relogin')} on the accounts screen: a new key`, addkey: `${key('account.login')} on the accounts screen: add its key again`};
  const pool = `serve the ${provider} pool`;
  return {
    command: [`pinned by --account, ccs-tui run or the TUI`, fix && commands[fix], `${fix ? 'or ' : ''}${pool} instead: ${poolSwitchCommand(provider)}`].filter(Boolean).join('; '),
    // The keys work on the accounts screen, said once: the proxy screen's line has little room.
    // Not who pinned it: a shell may have (`proxy start --account`, `proxy switch`), which the proxy cannot tell from s or e.
    tui: [`${actionKey('account.rotate', 'proxy')} on the proxy screen moves the pin`, fix && keys[fix], fix ? `or ${key('provider.serve')} there: ${pool}` : `${key('provider.serve')} on the accounts screen: ${pool}`].filter(Boolean).join('; '),
  };
}

/**
 * The error body a client's SDK reads: Anthropic's on /v1/messages (and count_tokens), OpenAI's on
 * /v1/chat/completions and /v1/responses. routes.ts errorShapeOf picks it for a request.
 */
export type ErrorShape = 'anthropic' | 'openai';

/**
 * An error the proxy words itself (not an upstream's body passed on): what errorJson renders.
 * `type` is the error's kind in the shared words of both APIs (`invalid_request_error`,
 * `rate_limit_error`, `api_error`...); `code` a provider's own code word or number, when there is one.
 */
export interface ProxyError {
  message: string;
  type: string;
  code?: string;
}

/**
 * An error body in the client's protocol: Anthropic's `{type: "error", error: {type, message}}`, or
 * OpenAI's `{error: {message, type, param, code}}` (`param` and `code` null when there is none).
 */
export function errorJson(shape: ErrorShape, {message, type, code}: ProxyError): string {
  if (shape === 'openai') return JSON.stringify({error: {message, type, param: null, code: code ?? null}});
  return JSON.stringify({type: 'error', error: {type, message, ...(code ? {code} : {})}});
}
