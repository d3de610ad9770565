// An API key as the upstream judged it. One cheap authenticated call (the provider's models list,
// built by providers/models-list.ts as the proxy's live list and `models --live` build it) tells a
// key the upstream accepts from one it refuses: the API-key login asks it before storing a key
// (askWithKey). What a request with a stored key found (the proxy's requests, a live list read: `t`,
// `models --live`, the rules screen) is recorded on the account (noteKeyAnswer: store
// `key-rejected`), so every list says it.
import {refusesKey} from '../core/pool.js';
import {excerpt, Redactor} from '../core/redact.js';
import {parseJsonObject} from '../core/json-object.js';
import type {Account, TokenFile} from '../core/types.js';
import {modelIdsOf, modelsListTarget} from '../providers/models-list.js';
import type {ProviderRow} from '../providers/table.js';
import {heldApiKey, type AccountStore} from '../store/accounts.js';
import {endpointOverrides} from '../store/settings.js';
import {systemClock} from './clock.js';
import {errorTextMasker} from './credential-redactor.js';
import type {ServiceNeeds} from './deps.js';
import {bodyExcerpt, hostOf, undiciHttpClient} from './http.js';

/** How long the key check may take (ms): a models list answers in well under a second. */
const KEY_CHECK_TIMEOUT_MS = 15_000;

/**
 * What the upstream answered to the key: `accepted` (a models list, `models` its length; or a 429,
 * the key recognised and only rate-limited), `refused` (listRefusesKey), `other` (any other status,
 * or a 2xx that is no models list: a wrong base URL), `unreachable` (no answer), `unchecked` (the
 * provider's API has no models list). `host` is where it was asked; `said` an excerpt of the answer
 * and `message` the failure, every credential masked.
 */
export type KeyAnswer =
  | {kind: 'accepted'; host: string; status: number; models?: number}
  | {kind: 'refused' | 'other'; host: string; status: number; said: string; modelsList?: false}
  | {kind: 'unreachable'; host: string; message: string}
  | {kind: 'unchecked'};

/**
 * Whether a models list's answer refuses the key: refusesKey, and any 403 (the list asks for nothing
 * a key may be denied but the list itself). The login's check and every live list read (proxy/live-models.ts).
 */
export const listRefusesKey = (status: number, text: string): boolean => status === 403 || refusesKey(status, text);

/** Asks the provider's models list with `token`'s key (and base URL): the key check of an API-key login, before the key is stored. */
export async function askWithKey(deps: Pick<ServiceNeeds, 'settings'> & Partial<Pick<ServiceNeeds, 'http' | 'clock'>>, row: ProviderRow, token: TokenFile, signal?: AbortSignal): Promise<KeyAnswer> {
  const now = (deps.clock ?? systemClock).now();
  const target = modelsListTarget(row, endpointOverrides(deps.settings, row.id)?.api, token, now);
  if (!target) return {kind: 'unchecked'};
  const host = hostOf(target.url);
  const apiKey = String(token.api_key ?? '');
  let response;
  try {
    response = await (deps.http ?? undiciHttpClient).send({url: target.url, method: 'GET', headers: {accept: 'application/json', ...target.headers}, timeoutMs: KEY_CHECK_TIMEOUT_MS, signal});
  } catch (error) {
    return {kind: 'unreachable', host, message: excerpt((error as Error).message, 300, new Redactor([apiKey]))};
  }
  const said = bodyExcerpt(response, 160, apiKey);
  if (listRefusesKey(response.status, response.text)) return {kind: 'refused', host, status: response.status, said};
  if (response.status === 429) return {kind: 'accepted', host, status: 429};
  if (response.status >= 200 && response.status < 300) {
    const models = modelIdsOf(parseJsonObject(response.text));
    return models ? {kind: 'accepted', host, status: response.status, models: models.length} : {kind: 'other', host, status: response.status, said, modelsList: false};
  }
  return {kind: 'other', host, status: response.status, said};
}

/** The reason a refusal is recorded with (and shown after "key rejected"): the status, where, and what the upstream said. */
export const keyRefusalReason = (status: number, host: string, said: string) => `HTTP ${status} from ${host}${said ? `: ${said}` : ''}`;

/**
 * Records what a request with an API-key account's key found: `refusal` (keyRefusalReason) marks it
 * `key-rejected`, none (the request succeeded) ends such a mark (writing nothing when there is none).
 * Only while the token file still holds `key` (a key replaced meanwhile was not judged). The reason
 * is stored with every credential of the CCS dir masked. The proxy's requests and `t`.
 */
export async function noteKeyAnswer(store: AccountStore, provider: string, account: Pick<Account, 'tokenFile' | 'paused'>, key: string, refusal: string | undefined): Promise<void> {
  const token = await store.readToken(account).catch(() => undefined);
  if (heldApiKey(token) !== key) return;
  const ref = {tokenFile: account.tokenFile};
  if (refusal === undefined) await store.clearKeyRejected(provider, ref);
  else await store.setKeyRejected(provider, ref, errorTextMasker(store.paths, token)(refusal), key);
}
