// Where a request goes upstream and with which headers: the provider's adapter decides (its
// upstreamTarget); this file maps the proxy's routes onto it and filters the headers passed through.
// Base URLs come from the provider table with the tui.json overrides applied (an override wins over
// a host named in the token file).
import type {IncomingMessage} from 'node:http';
import {pipeline, type Transform} from 'node:stream';
import {urlToHttpOptions} from 'node:url';
import {createRequire} from 'node:module';
import type * as Zlib from 'node:zlib';
import {isOwn} from '../core/id-map.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {TokenFile} from '../core/types.js';
import type {ApiProtocol, Endpoints, ProviderRow, UpstreamMethod, UpstreamTarget} from '../providers/table.js';
import {protocolOf, type Endpoint} from './routes.js';

export type {UpstreamTarget};

export interface TargetContext {
  /** The client's session (affinity key), reused as iFlow's session id. */
  session?: string;
  anthropicBeta?: string;
  now: number;
}

/** The upstream call a pass-through route makes: its own protocol; count_tokens counts. */
export function passThroughCall(endpoint: Exclude<Endpoint, 'models'>): {protocol: ApiProtocol; method: UpstreamMethod} {
  return {protocol: protocolOf(endpoint), method: endpoint === 'count-tokens' ? 'count-tokens' : 'generate'};
}

/** URL and headers for one upstream call of `protocol` and `method` (a translated request picks both, and names its model). */
export function upstreamTargetFor(
  row: ProviderRow,
  overrides: Endpoints | undefined,
  token: TokenFile,
  call: {protocol: ApiProtocol; method: UpstreamMethod; model?: string},
  context: TargetContext,
): UpstreamTarget {
  const secret = row.adapter.bearer(token) ?? '';
  // Named field by field: two object spreads per request were a measurable copy (issue 14).
  return row.adapter.upstreamTarget({
    row,
    apiOverride: overrides?.api,
    token,
    secret,
    protocol: call.protocol,
    method: call.method,
    model: call.model,
    session: context.session,
    anthropicBeta: context.anthropicBeta,
    now: context.now,
  });
}

/** URL and headers for a pass-through request on `endpoint`. */
export function upstreamTarget(
  row: ProviderRow,
  overrides: Endpoints | undefined,
  token: TokenFile,
  endpoint: Exclude<Endpoint, 'models'>,
  context: TargetContext,
): UpstreamTarget {
  return upstreamTargetFor(row, overrides, token, passThroughCall(endpoint), context);
}

/** Where node:http sends an upstream request: the parts of its URL, without the URL object. */
export interface UpstreamAddress {
  https: boolean;
  hostname: string;
  /** Absent when the URL names none (the protocol's default). */
  port?: number;
  /** Path and query. */
  path: string;
  /** `user:password` when the URL carries them (node:http sends them as Basic auth). */
  auth?: string;
  /** The Host field node:http would send: the host (IPv6 in brackets), and the port when not the protocol's default. */
  hostField: string;
}

/** Distinct upstream URLs kept parsed; a URL carries the client's model or query, so the set is bounded. */
const MAX_ADDRESSES = 64;
const addresses = new Map<string, UpstreamAddress>();

/**
 * The address of an upstream URL, parsed once per distinct URL (a URL object per request, which
 * node:http then turns into options again, was 2–3 µs of each proxied request). Throws as `new URL`
 * does for a URL that does not parse.
 */
export function upstreamAddress(url: string): UpstreamAddress {
  let address = addresses.get(url);
  if (address) return address;
  const {protocol, hostname, port, path, auth} = urlToHttpOptions(new URL(url));
  // As node:http refuses a URL object of another protocol.
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`Protocol "${protocol}" not supported: an upstream URL is http: or https:`);
  const https = protocol === 'https:';
  const host = hostname ?? '';
  address = {https, hostname: host, path: path ?? '/', hostField: host.includes(':') ? `[${host}]` : host};
  if (port !== undefined && port !== '') {
    address.port = Number(port);
    if (address.port !== (https ? 443 : 80)) address.hostField += `:${address.port}`;
  }
  if (auth) address.auth = auth;
  if (addresses.size >= MAX_ADDRESSES) addresses.clear();
  addresses.set(url, address);
  return address;
}

/**
 * The field names a message's Connection header lists (lower case), which a proxy removes before
 * forwarding (RFC 9110 7.6.1: they are meant for the next hop only); undefined for the usual
 * `keep-alive` / `close`, which name no other field.
 */
function connectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  const names = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Request headers never forwarded: hop-by-hop, credentials (the proxy's own key, and any key a client
 * sends in another API's header: the account's credential is the adapter's, and a Gemini or Azure key
 * field beside it would be the one the upstream reads), and compression (streams pass raw).
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'accept-encoding',
  'cookie',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
]);

/**
 * The header fields of an upstream request as node:http's raw list (name, value, name, value, …):
 * the client's but for those never forwarded, the adapter's (`upstream`), `accept-encoding:
 * identity`, the body's length, and `own` (a translated request's content type and accept). Names
 * that differ only in case are one field, as node:http's setHeader makes them: the last value, under
 * its spelling, in the place of the first. send() adds the Host field (addHostFields). One list,
 * handed to node:http whole, instead of an object per step and a setHeader per field (validated,
 * stored by lower-case name, looked up again): ~1.5 µs of each proxied request (issue 14).
 */
export function forwardedRequestHeaders(
  client: Record<string, string | string[] | undefined>,
  upstream: Record<string, string>,
  bodyLength: number,
  own?: Record<string, string>,
): string[] {
  const list: string[] = [];
  const named = connectionOptions(client.connection);
  // node:http's names are lower case: the client's fields are distinct as they are.
  for (const name in client) {
    const value = client[name];
    if (value === undefined || !isOwn(client, name) || DROPPED_REQUEST_HEADERS.has(name) || named?.has(name)) continue;
    list.push(name, Array.isArray(value) ? value.join(', ') : value);
  }
  for (const name in upstream) if (isOwn(upstream, name)) putField(list, name, upstream[name]!);
  putField(list, 'accept-encoding', 'identity');
  putField(list, 'content-length', String(bodyLength));
  if (own) for (const name in own) if (isOwn(own, name)) putField(list, name, own[name]!);
  return list;
}

/**
 * Completes an upstream request's header list (forwardedRequestHeaders) as node:http completes a
 * header object: the Host field, and Basic auth from the URL's credentials, each when absent or
 * empty. So the head on the wire is byte for byte the one node:http writes from an object.
 */
export function addHostFields(list: string[], address: UpstreamAddress): string[] {
  fillField(list, 'Host', address.hostField);
  if (address.auth) fillField(list, 'Authorization', `Basic ${Buffer.from(address.auth).toString('base64')}`);
  return list;
}

/** Index of the field named `name` (any case; one of the proxy's own ASCII names) in a raw header list; -1 when absent. */
function fieldIndex(list: readonly string[], name: string): number {
  // Folded only against a name of its length that is not the same string (issue 14: most names are).
  let lower: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const other = list[i]!;
    if (other === name) return i;
    if (other.length === name.length && (other === (lower ??= name.toLowerCase()) || other.toLowerCase() === lower)) return i;
  }
  return -1;
}

/** Sets a field as setHeader does: one of that name (any case) takes the name and value in its place. */
function putField(list: string[], name: string, value: string): void {
  const at = fieldIndex(list, name);
  if (at < 0) list.push(name, value);
  else {
    list[at] = name;
    list[at + 1] = value;
  }
}

/** Sets a field as node:http adds Host and Authorization: only when absent, or present but empty. */
function fillField(list: string[], name: string, value: string): void {
  const at = fieldIndex(list, name);
  if (at < 0 || !list[at + 1]) putField(list, name, value);
}

/** An HTTP status a proxied answer can end with: 200–599 (1xx are interim; 600 and up are no HTTP status). */
export const isFinalStatus = (status: number): boolean => status >= 200 && status <= 599;

/**
 * A status whose response never has a body (RFC 9110 6.4.1: 1xx, 204, 304). Its Content-Length is
 * not the length of bytes that follow: for a 304 it is the size the 200 would have had (RFC 9110
 * 8.6), so the proxy passes the upstream's on unchanged instead of the sent body's (none).
 */
export function isBodilessStatus(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}

const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'set-cookie']);

/** An answer's headers as passed on: `upstream` is node:http's record, whose names are lower case (none is folded again: issue 14). */
export function forwardedResponseHeaders(upstream: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = connectionOptions(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || !isOwn(upstream, name)) continue;
    if (DROPPED_RESPONSE_HEADERS.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * An encoding the proxy cannot undo, a Content-Encoding (decodedAnswer) or a charset (charset.ts
 * transcodedAnswer): the body could not be masked, so it is never forwarded; the client gets a 502
 * with `message`. `encoding`: the header's words, sanitised.
 */
export class UncheckableEncoding extends Error {
  constructor(readonly encoding: string, message = `upstream used a content encoding the proxy cannot check (${encoding})`) {
    super(message);
  }
}

/** node:zlib, loaded when an upstream first compresses an answer: the TUI bundles this module, and its first frame does without it. */
let zlib: typeof Zlib | undefined;
const loadZlib = () => (zlib ??= createRequire(import.meta.url)('node:zlib') as typeof Zlib);
const DECODERS: Record<string, () => Transform> = {gzip: () => loadZlib().createGunzip(), 'x-gzip': () => loadZlib().createGunzip(), deflate: () => loadZlib().createInflate(), br: () => loadZlib().createBrotliDecompress()};

/**
 * The upstream's answer with its Content-Encoding undone: the proxy asks for `identity`, but an
 * upstream or a gateway may compress anyway, and an encoded body can be neither read for an error,
 * masked, nor classified. The header is a list of codings in the order applied (RFC 9110 8.4), so
 * they are undone last first; names are case-insensitive, `identity` is a no-op. The decoded answer
 * carries no Content-Encoding and no Content-Length (the length is recomputed or the body is chunked).
 * Throws UncheckableEncoding (the upstream answer destroyed) for any coding not in DECODERS: a body
 * the masker cannot read must not reach the client, whose own decoder would reveal an echoed token.
 */
export function decodedAnswer(upstream: IncomingMessage): IncomingMessage {
  const header = upstream.headers['content-encoding'];
  if (header === undefined) return upstream;
  const codings = String(header).split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  const unknown = codings.find((coding) => !Object.hasOwn(DECODERS, coding));
  if (unknown !== undefined) {
    upstream.destroy();
    throw new UncheckableEncoding(sanitizeLine(String(header)).slice(0, 80));
  }
  const headers = {...upstream.headers};
  delete headers['content-encoding'];
  if (codings.length === 0) return Object.assign(upstream, {headers});
  delete headers['content-length'];
  const decoders = codings.reverse().map((coding) => DECODERS[coding]!());
  // An upstream that breaks off destroys the decoders too, so readers see the failure.
  const last = decoders[decoders.length - 1]!;
  (pipeline as (...streams: unknown[]) => void)(upstream, ...decoders, () => {});
  return Object.assign(last, {statusCode: upstream.statusCode, statusMessage: upstream.statusMessage, headers}) as unknown as IncomingMessage;
}
