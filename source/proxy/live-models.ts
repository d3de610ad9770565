// The live base list for the model rules preview: the provider's own models endpoint, asked with the
// chosen account's credentials and the same URL and headers the proxy uses for inference (so a
// gateway override in tui.json applies here too). Upstream ids, before any rule: the running proxy's
// `/v1/models` is not used because it already has the rules applied.
// Providers without a models endpoint (codex, the Google ones) have no live list: the caller falls
// back to the static catalogue and labels it so.
// The proxy's root routes ask it too (LiveListCache): a model no static list names may be on a
// provider's live list (AI Studio has no static list at all).
// It sits in proxy/ because the rules preview and the routing it serves do; the request itself comes from providers/models-list.ts.
import type {Account, TokenFile} from '../core/types.js';
import {ERROR_TEXT} from '../core/redact.js';
import {sanitizeLine} from '../core/sanitize.js';
import {findProvider, type Endpoints, type ProviderRow} from '../providers/table.js';
import {modelIdsOf, modelsListTarget} from '../providers/models-list.js';
import type {LiveModelList} from '../store/model-rules.js';
import type {CcsPaths} from '../store/paths.js';
import {endpointOverrides, loadSettings} from '../store/settings.js';
import {credentialRedactor, type CredentialRedactor} from '../services/credential-redactor.js';
import {bodyExcerpt, hostOf, jsonBody, undiciHttpClient, UnexpectedResponseError, type HttpClient} from '../services/http.js';
import {keyRefusalReason, listRefusesKey, noteKeyAnswer} from '../services/key-check.js';
import {AccountStore, heldApiKey} from '../store/accounts.js';
import {countOf} from '../core/wording.js';
import {LIVE_LIST_TRIES} from '../services/proxy/serving-order.js';

const MAX_MODELS = 1000;
const TIMEOUT_MS = 8000;
/** Pages followed at most: past this the list is given as partial, and says so. */
const MAX_PAGES = 50;
/** One page of a list at most (bytes): real lists are tens of KB (1,000 models with their fields well under 1 MB). */
const MAX_LIST_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * How a models list pages: Anthropic's `/v1/models` returns 20 by default with `has_more` and
 * `last_id`, and takes `limit` (up to 1000) and `after_id`; OpenAI-style lists that page say
 * `has_more` and take `after` (the last id of the page).
 */
interface Paging {
  limitParam?: string;
  afterParam: string;
}
const PAGING: Record<'anthropic' | 'openai', Paging> = {
  anthropic: {limitParam: 'limit', afterParam: 'after_id'},
  openai: {afterParam: 'after'},
};

/** The models URL and headers for a provider, derived from its inference target; undefined = none. */
export function modelsRequest(row: ProviderRow, overrides: Endpoints | undefined, token: TokenFile, now: number) {
  const target = modelsListTarget(row, overrides?.api, token, now);
  if (!target) return undefined;
  if (target.dialect === 'openai') return {url: target.url, headers: target.headers, paging: PAGING.openai};
  const url = new URL(target.url);
  url.searchParams.set(PAGING.anthropic.limitParam!, String(MAX_MODELS));
  return {url: url.toString(), headers: target.headers, paging: PAGING.anthropic};
}

/** Where the next page starts, when the answer says there is one: its `last_id`, else the page's last id. */
function nextCursor(body: Record<string, unknown>, ids: readonly string[]): {more: boolean; cursor?: string} {
  if (body.has_more !== true) return {more: false};
  const last = typeof body.last_id === 'string' && body.last_id !== '' ? body.last_id : ids.at(-1);
  return {more: true, cursor: last};
}

/** Model ids from an OpenAI (`{data: [{id}]}`) or Anthropic (`{data: [{id}]}`) list answer. */
export function parseModelList(body: Record<string, unknown>, url: string, status: number): string[] {
  const ids = modelIdsOf(body);
  if (!ids) throw new UnexpectedResponseError(url, status, 'expected {"data": [{"id": …}]}');
  return [...new Set(ids)].slice(0, MAX_MODELS);
}

/**
 * A LiveModelList over HTTP, following the list's pages to the end. Without an account (no
 * credentials) or for a provider with no models endpoint it answers undefined; a failed request
 * throws with the reason (status, host, excerpt). A list cut short (too many pages or models, or a
 * page that says there is more without saying where) comes back with `partial` saying why.
 */
export function providerModelList(options: {
  http: HttpClient;
  endpoints: (provider: string) => Endpoints | undefined;
  now?: () => number;
  /** Per request (ms): no headers, or no body byte, for this long fails it. */
  timeoutMs?: number;
  /** For the whole list, every page (ms): an answer that trickles in never idles past timeoutMs. */
  deadlineMs?: number;
  /**
   * Told what the list found of an API-key account's key (services/key-check.ts noteKeyAnswer):
   * `refusal` (keyRefusalReason) when the upstream refused it, undefined when a page came. Awaited.
   */
  onKeyAnswer?: (provider: string, account: Account, token: TokenFile, refusal: string | undefined) => Promise<void> | void;
}): LiveModelList {
  return async (provider: string, account: Account | undefined, token: TokenFile | undefined) => {
    const row = findProvider(provider);
    if (!row || !account || !token) return undefined;
    const request = modelsRequest(row, options.endpoints(row.id), token, (options.now ?? Date.now)());
    if (!request) return undefined;
    const listedModelId = row.adapter.listedModelId ?? ((id: string) => id);
    const models: string[] = [];
    let url = request.url;
    const seen = new Set<string>();
    const signal = options.deadlineMs === undefined ? undefined : AbortSignal.timeout(options.deadlineMs);
    const send = async (target: string) => {
      try {
        return await options.http.send({url: target, method: 'GET', headers: request.headers, timeoutMs: options.timeoutMs ?? TIMEOUT_MS, signal, maxBytes: MAX_LIST_PAGE_BYTES});
      } catch (error) {
        if (signal?.aborted) throw new Error(`${new URL(target).host}: no complete list within ${Math.round(options.deadlineMs! / 1000)} s`);
        throw error;
      }
    };
    for (let page = 1; ; page++) {
      const response = await send(url);
      if (response.status !== 200) {
        // A refused key is the account's news, wherever accounts are listed (as after a proxy request).
        if (page === 1 && listRefusesKey(response.status, response.text)) await options.onKeyAnswer?.(provider, account, token, keyRefusalReason(response.status, hostOf(url), bodyExcerpt(response, 160)));
        throw new UnexpectedResponseError(url, response.status, bodyExcerpt(response, 120));
      }
      if (page === 1) await options.onKeyAnswer?.(provider, account, token, undefined);
      const body = jsonBody(response, url);
      const listed = parseModelList(body, url, response.status);
      // The one place a listed id becomes a model id (ProviderAdapter.listedModelId); the cursor stays as listed.
      // An id that is only the prefix (`models/`) names no model: dropped, as an empty id is (modelIdsOf).
      for (const id of listed.map((listedId) => listedModelId(listedId).trim())) if (id !== '' && !models.includes(id)) models.push(id);
      const next = nextCursor(body, listed);
      if (!next.more) return {models};
      const partial = (why: string) => ({models: models.slice(0, MAX_MODELS), partial: `${why}; ${countOf(models.length, 'model')} so far`});
      if (!next.cursor || seen.has(next.cursor)) return partial('the provider says there are more models but not where they start');
      if (page >= MAX_PAGES || models.length >= MAX_MODELS) return partial(`stopped after ${page} pages`);
      seen.add(next.cursor);
      const nextUrl = new URL(request.url);
      nextUrl.searchParams.set(request.paging.afterParam, next.cursor);
      url = nextUrl.toString();
    }
  };
}

/**
 * The live list with the user's tui.json endpoint overrides, over undici unless told otherwise.
 * `limits`: providerModelList's timeoutMs and deadlineMs (default: TIMEOUT_MS per request, no deadline).
 */
export async function liveModelList(
  paths: CcsPaths,
  http: HttpClient = undiciHttpClient,
  {heard, ...limits}: {timeoutMs?: number; deadlineMs?: number; heard?: (refusal: string | undefined) => void} = {},
): Promise<LiveModelList> {
  const {settings} = await loadSettings(paths);
  const noted = keyAnswerNoter(new AccountStore(paths));
  // `heard`: told too (`t` says whether the key itself was refused, or the list failed otherwise).
  const redactor = credentialRedactor(paths);
  const onKeyAnswer = (provider: string, account: Account, token: TokenFile, refusal: string | undefined) => (
    heard?.(refusal === undefined ? undefined : redactor.redact(refusal, ERROR_TEXT)), noted(provider, account, token, refusal)
  );
  return maskedList(providerModelList({http, endpoints: (provider) => endpointOverrides(settings, provider), onKeyAnswer, ...limits}), redactor);
}

/**
 * providerModelList's onKeyAnswer over the files: an API-key account's refused key is marked, an
 * accepted one ends its mark (only when it has one: a list read writes nothing otherwise). A mark that
 * cannot be written loses the list nothing.
 */
export function keyAnswerNoter(store: AccountStore) {
  return async (provider: string, account: Account, token: TokenFile, refusal: string | undefined): Promise<void> => {
    const key = heldApiKey(token);
    if (key === undefined || (refusal === undefined && account.health !== 'key-rejected')) return;
    await noteKeyAnswer(store, provider, account, key, refusal).catch(() => undefined);
  };
}

/**
 * A live list whose ids, and whose failure's text (an excerpt of the upstream's body), have every
 * credential of the CCS dir masked: they are an upstream's answer, which may echo the account's
 * token, and the rules screen shows them as they are (the command line masks what it prints).
 */
function maskedList(list: LiveModelList, redactor: CredentialRedactor): LiveModelList {
  return async (provider, account, token) => {
    let answer: Awaited<ReturnType<LiveModelList>>;
    try {
      answer = await list(provider, account, token);
    } catch (error) {
      // The same error (its class says what failed, errorAdvice reads it), its text masked.
      if (error instanceof Error) error.message = redactor.redact(error.message, ERROR_TEXT);
      throw error;
    }
    if (!answer) return answer;
    const masked = answer.models.map((id) => redactor.redact(id));
    return {...answer, models: masked, ...(answer.partial === undefined ? {} : {partial: redactor.redact(answer.partial)})};
  };
}

/**
 * One provider's live list as the routing cache holds it: the ids (and why they are incomplete,
 * LiveModels.partial), or why they could not be had.
 */
export type CachedList = {models: readonly string[]; partial?: string; at: number} | {error: string; at: number};

/** How long (ms) a fetched list is trusted: a provider's catalogue changes in weeks, not minutes. */
export const LIVE_LIST_TTL_MS = 10 * 60_000;
/** How long (ms) a failed fetch is remembered: requests for unknown models meanwhile ask no upstream. */
export const LIVE_LIST_FAILURE_TTL_MS = 60_000;
/** The root routes wait at most this long (ms) per page for a list: a request is waiting on it. */
export const ROUTING_LIST_TIMEOUT_MS = 3000;
/** And at most this long (ms) for the whole list, all pages. */
export const ROUTING_LIST_DEADLINE_MS = 5000;

/**
 * The live list as a person's command waits for it (`ccs-tui env`, `ccs-tui run`, the TUI's agent
 * launch): within the proxy's routing limits, so a list slow to come holds nobody up for long.
 */
export function liveModelListForCommands(paths: CcsPaths): Promise<LiveModelList> {
  return liveModelList(paths, undefined, {timeoutMs: ROUTING_LIST_TIMEOUT_MS, deadlineMs: ROUTING_LIST_DEADLINE_MS});
}

/**
 * Waits for `work` at most `ms` (it goes on after that, filling the cache for later callers):
 * a list that is slow to come never holds an answer longer than its deadline.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The live model lists the proxy consults, per provider: its root routes (proxy/server.ts
 * providerFor) when a request names a model no static list has, and `/v1/models` (serveModels). At
 * most one fetch at a time per provider (concurrent callers share it); kept LIVE_LIST_TTL_MS (a
 * failure LIVE_LIST_FAILURE_TTL_MS).
 */
export class LiveListCache {
  private readonly entries = new Map<string, CachedList>();
  private readonly pending = new Map<string, Promise<CachedList>>();

  /** `onFailure`: told once per failed fetch, with the provider and the reason (sanitised; a URL's host and path, never its query or a header). */
  constructor(
    private readonly list: LiveModelList,
    private readonly now: () => number,
    private readonly onFailure: (provider: string, why: string) => void = () => {},
  ) {}

  /** Drops every list and failure held (the endpoints they were asked at changed). */
  forget(): void {
    this.entries.clear();
  }

  /** The provider's list or failure while still fresh; undefined when it must be (re)asked. */
  cached(provider: string): CachedList | undefined {
    const entry = this.entries.get(provider);
    if (!entry) return undefined;
    const ttl = 'error' in entry ? LIVE_LIST_FAILURE_TTL_MS : LIVE_LIST_TTL_MS;
    return this.now() - entry.at < ttl ? entry : undefined;
  }

  /**
   * The fresh entry, else one fetch (shared by concurrent callers) with the first of `tries` (accounts
   * in serving order, with their credentials), then the next when it fails, as the proxy itself goes
   * on to the next account: at most LIVE_LIST_TRIES, each within the list's own timeout. A failure is
   * cached only when every one tried failed. Undefined when the provider has no models endpoint
   * (nothing to cache: the static list is all).
   */
  async get(provider: string, tries: readonly {account: Account; token: TokenFile; label: string}[]): Promise<CachedList | undefined> {
    const fresh = this.cached(provider);
    if (fresh) return fresh;
    let fetching = this.pending.get(provider);
    if (!fetching) {
      fetching = this.fetch(provider, tries.slice(0, LIVE_LIST_TRIES));
      this.pending.set(provider, fetching);
      void fetching.finally(() => this.pending.delete(provider));
    }
    const entry = await fetching;
    if ('none' in entry) return undefined;
    this.entries.set(provider, entry);
    return entry;
  }

  private async fetch(provider: string, tries: readonly {account: Account; token: TokenFile; label: string}[]): Promise<CachedList | {models: []; at: number; none: true}> {
    const failures: {label: string; why: string}[] = [];
    for (const {account, token, label} of tries) {
      try {
        const answer = await this.list(provider, account, token);
        if (answer) return {models: answer.models, ...(answer.partial === undefined ? {} : {partial: answer.partial}), at: this.now()};
        // Undefined: no list to ask with this account (no models endpoint, no base URL); the next may have one.
      } catch (error) {
        failures.push({label: sanitizeLine(label), why: sanitizeLine((error as Error).message)});
      }
    }
    if (failures.length === 0) return {models: [], at: this.now(), none: true};
    // One account tried: its reason, as before; more: each one's, in the order tried.
    const why = failures.length === 1 ? failures[0]!.why : failures.map((f) => `${f.label}: ${f.why}`).join('; ');
    this.onFailure(provider, why);
    return {error: why, at: this.now()};
  }
}
