// After the token endpoint: who logged in, and the provider extras the token file needs. How each
// provider tells it is its adapter's identify(); this service hands it the HTTP it needs.
import {UserError} from '../../core/types.js';
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

/**
 * The identity of a fresh login. `label` names accounts whose provider says nothing about who they
 * are (qwen), and is the fallback for any provider that gives no email.
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
  if (!identity.email && options.label) identity.email = options.label;
  if (!identity.email && row.logins.some((f) => f.kind === 'device' && f.asksForLabel)) {
    throw new UserError(`${row.displayName} does not say who logged in: give the account a name (--nickname N)`, 2);
  }
  return identity;
}
