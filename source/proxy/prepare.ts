// "Prepare request": what goes upstream for one account. The account's model rules turn the
// requested id into the upstream id (or refuse an excluded one); when the client's protocol is not
// one the provider speaks, the pair's translator plans the upstream body, stream and method;
// the provider's adapter rewrites the body (iFlow's glm params) and names the URL and headers.
import {resolveRequestedModel, shownModelName, type ModelResolution} from '../core/model-rules.js';
import {accountProject} from '../core/accounts.js';
import type {TokenFile} from '../core/types.js';
import type {ApiProtocol, Endpoints, ProviderRow} from '../providers/table.js';
import {MAX_PARSED_BODY_BYTES, streamedBody, type OutgoingBody} from './body.js';
import type {ClientRequest} from './client-request.js';
import {streamCollectorFor, type StreamCollector} from './collect.js';
import {headerValue} from './client-request.js';
import {HttpError} from './errors.js';
import {protocolMismatchFor, protocolOf, type Endpoint} from './routes.js';
import {estimatedCountTokensResponse, estimateRequestInputTokens} from './translate/estimate-tokens.js';
import {FOREIGN_SIGNATURES, skipCallSignatures} from './translate/foreign-thinking.js';
import {notSkipValue, turnOffThinkingWhereRuleUnmet} from './translate/reasoning-refusal.js';
import {SIGNATURE_TAG} from './translate/signatures.js';
import {applyThinking, thinkingFromModel} from './translate/thinking-suffix.js';
import {TranslateError, type PairTranslator, type TranslateContext} from './translate/types.js';
import {forwardedRequestHeaders, passThroughCall, upstreamTargetFor, type UpstreamTarget} from './upstream.js';

export type ForwardEndpoint = Exclude<Endpoint, 'models'>;

/** Finds the translator of a (client, upstream) protocol pair (translate/index.ts translatorFor). */
export type TranslatorLookup = (client: ApiProtocol, upstream: ApiProtocol) => PairTranslator | undefined;

/** How the client's protocol reaches the provider: unchanged, or through a translator. */
export type ProtocolPlan = {kind: 'pass-through'} | {kind: 'translate'; translator: PairTranslator};

/**
 * Pass-through when the provider speaks the route's protocol; else the first of the provider's
 * protocols a translator exists for; else 400 saying where to send the request instead.
 */
export function protocolPlan(row: ProviderRow, endpoint: ForwardEndpoint, lookup: TranslatorLookup): ProtocolPlan {
  const plan = planFor(row, protocolOf(endpoint), lookup);
  if ('missing' in plan) throw new HttpError(400, plan.missing);
  return plan;
}

const PASS_THROUGH: ProtocolPlan = Object.freeze({kind: 'pass-through'});

/** A JSON string that starts with a signature tag: where tags stand (a signature's whole value), not a prompt's words about them. */
const TAGGED_STRING_BYTES = Buffer.from(`"${SIGNATURE_TAG}`, 'utf8');

/** How a client of `client` protocol reaches the provider, or what is missing for it to. */
function planFor(row: ProviderRow, client: ApiProtocol, lookup: TranslatorLookup): ProtocolPlan | {missing: string} {
  if (row.api.includes(client)) return PASS_THROUGH;
  for (const upstream of row.api) {
    const translator = lookup(client, upstream);
    if (translator) return {kind: 'translate', translator};
  }
  return {missing: protocolMismatchFor(row, client)!};
}

/**
 * Why a client of `client` protocol cannot be served by the provider (undefined: it can): no
 * translator to any protocol the provider speaks, or no inference URL (a provider whose base URL
 * comes from the account, like IBM Bob's, needs that account first). `token` is the account's, if any.
 */
export function whyCannotServe(row: ProviderRow, client: ApiProtocol, token: TokenFile | undefined, lookup: TranslatorLookup, apiOverride?: string): string | undefined {
  const plan = planFor(row, client, lookup);
  if ('missing' in plan) return plan.missing;
  const protocol = plan.kind === 'translate' ? plan.translator.upstream : client;
  const target = row.adapter.upstreamTarget({row, ...(apiOverride ? {apiOverride} : {}), token: token ?? {type: row.tokenType}, secret: '', protocol, method: 'generate', now: 0});
  return missingBaseUrl(row, target.url, token !== undefined);
}

/** What is missing when an upstream URL is not absolute (no `api` endpoint in the table, the account or tui.json). */
export function missingBaseUrl(row: ProviderRow, url: string, withAccount: boolean): string | undefined {
  // The usual lower-case scheme without an expression (asked on every request, issue 14).
  if (url.startsWith('https://') || url.startsWith('http://') || /^https?:\/\//i.test(url)) return undefined;
  return `${row.displayName} has no inference base URL: ${withAccount ? 'the account names none and ' : 'log in first (its account names the base URL), or '}set endpoints.${row.id}.api in tui.json`;
}

export interface Translation {
  translator: PairTranslator;
  context: TranslateContext;
  /** The request counts tokens (Anthropic `count_tokens`): the answer goes through countTokensResponse. */
  countTokens: boolean;
  /** The upstream streams (SSE) whatever the client asked. */
  upstreamStream: boolean;
}

export interface PreparedRequest {
  url: string;
  /** Header fields as a raw list (name, value, …: upstream.ts forwardedRequestHeaders), Host not yet among them. */
  headers: string[];
  /** The whole body, or a streamed one (body.ts) that can be sent only once. */
  body: OutgoingBody;
  /** The model id sent upstream (for the request log). */
  sentModel: string | undefined;
  /** Set when the request was translated: how the answer goes back to the client. */
  translation?: Translation;
  /** The request names a model the account's list does not (it goes upstream as asked): server.ts pinToOwners. */
  unknownModel: boolean;
  /**
   * Set on a pass-through to an upstream that answers only streams when the client asked for no
   * stream: the upstream is asked to stream, and this collects its answer into the client's JSON.
   */
  collect?: () => StreamCollector;
}

/** A count_tokens request no upstream can answer: the proxy's own estimate. */
export interface LocalAnswer {
  local: Record<string, unknown>;
  sentModel: string | undefined;
}

export interface PrepareInput {
  row: ProviderRow;
  /** tui.json endpoint overrides of the provider. */
  overrides: Endpoints | undefined;
  token: TokenFile;
  /**
   * The project the account's registry entry records (Account.projectId as loaded): sent as the
   * Cloud Code project when the token file names none (core accountProject), the one shown.
   */
  recordedProject?: string;
  /** The account's model list (aliases, exclusions). */
  resolution: ModelResolution;
  client: ClientRequest;
  endpoint: ForwardEndpoint;
  plan: ProtocolPlan;
  now: number;
  /**
   * The upstream refused the reasoning this request carried, and `client` is the request without it
   * (reasoning-refusal.ts withoutReasoning): a translated Chat body's calls get Google's skip value,
   * which no other protocol's history can carry.
   */
  reasoningRefused?: boolean;
}

/**
 * The request as it goes upstream, or the proxy's own answer. Throws HttpError 400 for a body nested
 * too deep to re-encode: JSON.parse reads any depth, but a rewrite or a translation recurses
 * (JSON.stringify overflows the stack near 10,000 levels), and that is the client's error, not a 502.
 */
export function prepareRequest(input: PrepareInput): PreparedRequest | LocalAnswer {
  try {
    return prepareChecked(input);
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new HttpError(400, 'request body is nested too deep for the proxy to re-encode (about 10,000 levels of arrays or objects); send it flatter');
    }
    throw error;
  }
}

/**
 * Whether a large pass-through body about to be streamed (body.ts: only its model may change then)
 * must be read whole instead: the bytes read so far (`head`, the first STREAM_ABOVE_BYTES or more)
 * hold a string that starts with one of this proxy's signature tags, which the upstream would
 * refuse (FOREIGN_SIGNATURES). A tag only past the head still goes through, and so does a body too
 * large to read whole (`declaredLength` over MAX_PARSED_BODY_BYTES: the upstream's answer, not a 413).
 */
export function streamedHeadHoldsTag(endpoint: ForwardEndpoint, head: readonly Buffer[], declaredLength: number): boolean {
  if (declaredLength > MAX_PARSED_BODY_BYTES || FOREIGN_SIGNATURES[passThroughCall(endpoint).protocol] === undefined) return false;
  const edge = TAGGED_STRING_BYTES.length - 1;
  return head.some((chunk, i) => {
    if (chunk.includes(TAGGED_STRING_BYTES)) return true;
    // A tag cut across two reads.
    const next = head[i + 1];
    return next !== undefined && Buffer.concat([chunk.subarray(Math.max(0, chunk.length - edge)), next.subarray(0, edge)]).includes(TAGGED_STRING_BYTES);
  });
}

function prepareChecked(input: PrepareInput): PreparedRequest | LocalAnswer {
  const {row, client} = input;
  const model = applyModelRules(row, input.resolution, client);
  const targetContext = {session: client.session, anthropicBeta: headerValue(client.headers['anthropic-beta']), now: input.now};

  if (input.plan.kind === 'pass-through' && client.streamed) {
    // Streamed as it arrives; only the model name may change (readWhole ran when more must).
    // A suffix the client wrote made server.ts read the body whole; one from an alias's target is
    // stripped here (the streamed body can change only its model name).
    const sentAs = model ? thinkingFromModel(model.sentAs).model : undefined;
    const body = streamedBody(client.streamed, sentAs);
    const target = upstreamTargetFor(row, input.overrides, input.token, passThroughCall(input.endpoint), targetContext);
    return {url: target.url, headers: forwardedRequestHeaders(client.headers, target.headers, body.length), body, sentModel: sentAs ?? client.model, unknownModel: model?.unknown === true};
  }
  if (input.plan.kind === 'pass-through') {
    const streamsOnly = input.endpoint === 'count-tokens' ? undefined : row.adapter.upstreamStreamsOnly;
    const collect = streamsOnly && !client.stream ? collectorFor(row, passThroughCall(input.endpoint).protocol) : undefined;
    // A collected answer is asked for as a stream (the URL differs where the method names it).
    const call = collect ? {...passThroughCall(input.endpoint), method: 'stream' as const} : passThroughCall(input.endpoint);
    let outgoing = client.raw;
    const suffix = model ? thinkingFromModel(model.sentAs) : undefined;
    // Only a body that carries one of this proxy's signature tags is searched (the hot path stays a byte copy).
    const foreign = FOREIGN_SIGNATURES[call.protocol];
    const tagged = foreign !== undefined && client.raw.includes(TAGGED_STRING_BYTES);
    // The body is copied (and re-encoded when it changed) only when something may change it.
    if (tagged || streamsOnly || (model && (model.changed || suffix?.model !== model.sentAs || row.adapter.rewriteBody))) {
      const body = model ? model.body() : {...client.body};
      if (suffix?.thinking) applyThinking(body, call.protocol, suffix.model, suffix.thinking);
      if (suffix) body.model = suffix.model;
      const droppedThinking = tagged && foreign(body);
      // Thinking taken out of a tool loop's turn, or turned on mid-loop by a suffix: Anthropic refuses it on.
      const thinkingOff = call.protocol === 'anthropic' && (droppedThinking || suffix?.thinking !== undefined) && turnOffThinkingWhereRuleUnmet(body);
      const changedParams = model ? (row.adapter.rewriteBody?.(body, model.rewriteFor) ?? false) : false;
      // What the upstream refuses a request without (codex: stream, store, instructions); a body that has it all goes as sent.
      const required = streamsOnly?.require(body) ?? false;
      if (model?.changed || changedParams || droppedThinking || thinkingOff || required || suffix?.model !== model?.sentAs) outgoing = Buffer.from(JSON.stringify(body));
    }
    const target = checkedTarget(row, upstreamTargetFor(row, input.overrides, input.token, call, targetContext));
    // The SDKs ask for JSON (`accept: application/json`); the upstream is asked for what it sends.
    const headers = forwardedRequestHeaders(client.headers, target.headers, outgoing.length, collect ? {accept: 'text/event-stream'} : undefined);
    return {url: target.url, headers, body: outgoing, sentModel: suffix?.model ?? client.model, unknownModel: model?.unknown === true, ...(collect ? {collect} : {})};
  }

  const {translator} = input.plan;
  const body = model?.body() ?? client.body;
  // Fields every translator reads, checked once: a translated request never goes upstream without a
  // model, and a malformed `tools` is the client's error, not a silently tool-less turn.
  if (!client.model) throw new HttpError(400, 'model: the request names no model (a string field "model" is required)');
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw new HttpError(400, 'tools: must be an array of tool definitions');
  const suffix = thinkingFromModel(model?.sentAs ?? client.model ?? '');
  const context: TranslateContext = {
    clientModel: client.model ?? '',
    upstreamModel: suffix.model,
    clientStream: client.stream,
    estimatedInputTokens: estimateRequestInputTokens(body),
    ...(accountProject(input.token, input.recordedProject) ? {project: accountProject(input.token, input.recordedProject)} : {}),
  };
  const countTokens = input.endpoint === 'count-tokens';
  const plan = translate(() => (countTokens ? translator.countTokens?.(body, context) : translator.request(body, context)));
  if (!plan) return {local: estimatedCountTokensResponse(body), sentModel: context.upstreamModel || undefined};
  if (suffix.thinking && !countTokens) applyThinking(plan.body, translator.upstream, suffix.model, suffix.thinking);
  // A history whose tool loop lost its reasoning (another provider's, or none kept): Anthropic refuses thinking on.
  if (translator.upstream === 'anthropic') turnOffThinkingWhereRuleUnmet(plan.body);
  if (input.reasoningRefused && translator.upstream === 'openai-chat') skipCallSignatures(plan.body, notSkipValue);
  if (model) row.adapter.rewriteBody?.(plan.body, model.rewriteFor);
  const streamsOnly = countTokens ? undefined : row.adapter.upstreamStreamsOnly;
  if (streamsOnly) {
    // The pair's readers take a whole answer as SSE text too (sse-reader.ts readWhole).
    streamsOnly.require(plan.body);
    plan.upstreamStream = true;
    plan.method = 'stream';
  }
  const outgoing = Buffer.from(JSON.stringify(plan.body));
  const target = checkedTarget(row, upstreamTargetFor(row, input.overrides, input.token, {protocol: translator.upstream, method: plan.method, model: context.upstreamModel}, targetContext));
  // The client's own headers (anthropic-version, x-stainless-*, openai-beta) mean nothing to an
  // upstream of another protocol: a translated request carries only what the adapter names.
  const headers = forwardedRequestHeaders({}, target.headers, outgoing.length, {'content-type': 'application/json', accept: plan.upstreamStream ? 'text/event-stream' : 'application/json'});
  return {
    url: target.url,
    headers,
    body: outgoing,
    sentModel: context.upstreamModel || undefined,
    translation: {translator, context, countTokens, upstreamStream: plan.upstreamStream},
    unknownModel: model?.unknown === true,
  };
}

/**
 * The account's model rules: aliases become upstream ids, excluded models are refused (404 naming
 * the pattern). Undefined when the request names no model. `body()` makes a copy (the model
 * resolved) the caller may rewrite.
 */
function applyModelRules(
  row: ProviderRow,
  resolution: ModelResolution,
  client: ClientRequest,
): {body: () => Record<string, unknown>; sentAs: string; changed: boolean; rewriteFor: string; unknown: boolean} | undefined {
  const requested = client.model;
  if (requested === undefined) return undefined;
  const resolved = resolveRequestedModel(resolution, requested, row.adapter.normalizeModel);
  if (resolved.kind === 'excluded') {
    throw new HttpError(404, `model "${shownModelName(requested)}" is excluded for ${row.displayName} by the pattern "${shownModelName(resolved.pattern)}" (oauth-excluded-models)`, 'not_found_error');
  }
  const changed = resolved.sentAs !== requested;
  return {
    body: () => (changed ? {...client.body, model: resolved.sentAs} : {...client.body}),
    sentAs: resolved.sentAs,
    changed,
    rewriteFor: resolved.kind === 'served' ? resolved.upstream : requested,
    unknown: resolved.kind === 'unknown',
  };
}

/**
 * The collector of a stream of `protocol` for a client that asked for none (collect.ts); a 400
 * asking for a stream when the proxy has none for that protocol (never a stream to a client that
 * reads JSON).
 */
function collectorFor(row: ProviderRow, protocol: ApiProtocol): () => StreamCollector {
  const collector = streamCollectorFor(protocol);
  if (!collector) throw new HttpError(400, `stream: ${row.displayName} answers only streamed requests, and the proxy cannot collect a ${protocol} stream into one answer; send "stream": true`);
  return collector;
}

/** The target, or a 400 naming the missing base URL (never a request to a relative URL). */
function checkedTarget(row: ProviderRow, target: UpstreamTarget): UpstreamTarget {
  const missing = missingBaseUrl(row, target.url, true);
  if (missing) throw new HttpError(400, missing);
  return target;
}

/** A translator's refusal of the client's input becomes the client's 4xx. */
function translate<T>(plan: () => T): T {
  try {
    return plan();
  } catch (error) {
    if (error instanceof TranslateError) throw new HttpError(error.status, error.message);
    throw error;
  }
}
