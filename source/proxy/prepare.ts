// "Prepare request": what goes upstream for one account. The account's model rules turn the
// requested id into the upstream id (or refuse an excluded one); when the client's protocol is not
// one the provider speaks, the pair's translator plans the upstream body, stream and method;
// the provider's adapter rewrites the body (iFlow's glm params) and names the URL and headers.
import {resolveRequestedModel, type ModelResolution} from '../core/model-rules.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {TokenFile} from '../core/types.js';
import type {ApiProtocol, Endpoints, ProviderRow} from '../providers/table.js';
import type {ClientRequest} from './client-request.js';
import {headerValue} from './client-request.js';
import {HttpError} from './errors.js';
import {protocolMismatch, protocolOf, type Endpoint} from './routes.js';
import {TranslateError, type PairTranslator, type TranslateContext} from './translate/types.js';
import {forwardedRequestHeaders, passThroughCall, upstreamTargetFor} from './upstream.js';

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
  const mismatch = protocolMismatch(row, endpoint);
  if (!mismatch) return {kind: 'pass-through'};
  const client = protocolOf(endpoint);
  for (const upstream of row.api) {
    const translator = lookup(client, upstream);
    if (translator) return {kind: 'translate', translator};
  }
  throw new HttpError(400, mismatch);
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
  headers: Record<string, string>;
  body: Buffer;
  /** The model id sent upstream (for the request log). */
  sentModel: string | undefined;
  /** Set when the request was translated: how the answer goes back to the client. */
  translation?: Translation;
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
  /** The account's model list (aliases, exclusions). */
  resolution: ModelResolution;
  client: ClientRequest;
  endpoint: ForwardEndpoint;
  plan: ProtocolPlan;
  now: number;
}

export function prepareRequest(input: PrepareInput): PreparedRequest | LocalAnswer {
  const {row, client} = input;
  const model = applyModelRules(row, input.resolution, client);
  const targetContext = {session: client.session, anthropicBeta: headerValue(client.headers['anthropic-beta']), now: input.now};

  if (input.plan.kind === 'pass-through') {
    let outgoing = client.raw;
    if (model) {
      const changedParams = row.adapter.rewriteBody?.(model.body, model.rewriteFor) ?? false;
      if (model.changed || changedParams) outgoing = Buffer.from(JSON.stringify(model.body));
    }
    const target = upstreamTargetFor(row, input.overrides, input.token, passThroughCall(input.endpoint), targetContext);
    return {url: target.url, headers: forwardedRequestHeaders(client.headers, target.headers, outgoing.length), body: outgoing, sentModel: model?.sentAs ?? client.model};
  }

  const {translator} = input.plan;
  const body = model?.body ?? client.body;
  const context: TranslateContext = {
    clientModel: client.model ?? '',
    upstreamModel: model?.sentAs ?? client.model ?? '',
    clientStream: client.stream,
    ...(typeof input.token.project_id === 'string' && input.token.project_id ? {project: input.token.project_id} : {}),
  };
  const countTokens = input.endpoint === 'count-tokens';
  const plan = translate(() => (countTokens ? translator.countTokens?.(body, context) : translator.request(body, context)));
  if (!plan) return {local: {input_tokens: estimateTokens(body)}, sentModel: context.upstreamModel || undefined};
  if (model) row.adapter.rewriteBody?.(plan.body, model.rewriteFor);
  const outgoing = Buffer.from(JSON.stringify(plan.body));
  const target = upstreamTargetFor(row, input.overrides, input.token, {protocol: translator.upstream, method: plan.method}, targetContext);
  const headers = forwardedRequestHeaders(client.headers, target.headers, outgoing.length);
  headers['content-type'] = 'application/json';
  return {
    url: target.url,
    headers,
    body: outgoing,
    sentModel: context.upstreamModel || undefined,
    translation: {translator, context, countTokens, upstreamStream: plan.upstreamStream},
  };
}

/**
 * The account's model rules: aliases become upstream ids, excluded models are refused (404 naming
 * the pattern). Undefined when the request names no model. `body` is a copy the caller may rewrite.
 */
function applyModelRules(
  row: ProviderRow,
  resolution: ModelResolution,
  client: ClientRequest,
): {body: Record<string, unknown>; sentAs: string; changed: boolean; rewriteFor: string} | undefined {
  const requested = client.model;
  if (requested === undefined) return undefined;
  const resolved = resolveRequestedModel(resolution, requested);
  if (resolved.kind === 'excluded') {
    throw new HttpError(404, `model "${sanitizeLine(requested)}" is excluded for ${row.displayName} by the pattern "${sanitizeLine(resolved.pattern)}" (oauth-excluded-models)`, 'not_found_error');
  }
  const changed = resolved.sentAs !== requested;
  return {
    body: changed ? {...client.body, model: resolved.sentAs} : {...client.body},
    sentAs: resolved.sentAs,
    changed,
    rewriteFor: resolved.kind === 'served' ? resolved.upstream : requested,
  };
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

/**
 * A rough input-token count for `count_tokens` when the upstream cannot count: about four
 * characters of the JSON text per token (the usual rule of thumb for English and code).
 */
function estimateTokens(body: Record<string, unknown>): number {
  const counted = JSON.stringify([body.system ?? null, body.messages ?? null, body.tools ?? null]);
  return Math.max(1, Math.ceil(counted.length / 4));
}
