// After the token endpoint: who logged in, and the provider extras the token file needs. How each
// provider tells it is its adapter's identify(); this service hands it the HTTP it needs.
import {ACCOUNT_ID_FIELDS} from '../../core/accounts.js';
import {UserError} from '../../core/types.js';
import {asksForLabel} from '../../providers/adapters/base.js';
import type {IdentifyContext, Identity} from '../../providers/table.js';
import {systemClock, type Clock} from '../clock.js';
import {bodyExcerpt, jsonBody, UnexpectedResponseError, type HttpClient} from '../http.js';
import {userinfoEndpoint} from './endpoints.js';
import {endpoint, type ResolvedProvider} from './provider-config.js';
import type {TokenResponse} from './token-endpoint.js';

async function getJson(http: HttpClient, url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await http.send({url, headers: {Accept: 'application/json', ...headers}});
  if (response.status !== 200) throw new UnexpectedResponseError(url, response.status, bodyExcerpt(response));
  return jsonBody(response, url);
}

/** Whether the provider told who logged in: an email, or one of the account-id fields. */
const namesAnAccount = (identity: Identity) =>
  Boolean(identity.email) || ACCOUNT_ID_FIELDS.some((field) => typeof identity.extras[field] === 'string' && identity.extras[field] !== '');

/**
 * The identity of a fresh login. `label` names accounts whose provider says nothing about who they
 * are (qwen), and the shown email of one the provider names only by an id (a `sub`). A login that
 * names no account is refused (UserError), unless the provider's logins never do (adapter
 * loginsNameNoAccount).
 */
export async function identify(
  http: HttpClient,
  resolved: ResolvedProvider,
  response: TokenResponse,
  options: {label?: string; clock?: Clock; signal?: AbortSignal},
): Promise<Identity> {
  const {row} = resolved;
  const clock = options.clock ?? systemClock;
  const context: IdentifyContext = {
    row,
    response,
    clientId: resolved.clientId,
    http,
    signal: options.signal,
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms, options.signal),
    getJson: (url, headers) => getJson(http, url, headers),
    endpoint: (name) => endpoint(resolved, name),
    userinfoUrl: () => userinfoEndpoint(http, resolved, options.signal),
    unexpected: (url, status, detail) => new UnexpectedResponseError(url, status, detail),
    json: (answer, url) => jsonBody({...answer, headers: {}}, url),
  };
  const identity = await row.adapter.identify(context);
  const byLabel = asksForLabel(row);
  // A label names the account only where the provider says nothing of who logs in (qwen); elsewhere
  // it is the shown name of an account the provider named (a `sub`, an account id).
  if (!identity.email && options.label && (byLabel || namesAnAccount(identity))) identity.email = options.label;
  if (!identity.email && byLabel) {
    throw new UserError(`${row.displayName} does not say who logged in: give the account a name (--nickname N)`, 2);
  }
  // Stored without a name, every such login would be "the same nobody": one file name for all (codex's
  // `codex-e3b0c442-account.json`, the hash of an empty id), each login's grant over the last one's.
  if (!namesAnAccount(identity) && !row.adapter.loginsNameNoAccount) {
    throw new UserError(`${row.displayName}: the token answer named no account (no id_token, email or account id, and no userinfo); nothing stored`);
  }
  return identity;
}
