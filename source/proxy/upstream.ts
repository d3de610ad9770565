// Where a request goes upstream and with which headers: the provider's adapter decides (its
// upstreamTarget); this file maps the proxy's routes onto it and filters the headers passed through.
// Base URLs come from the provider table with the tui.json overrides applied (an override wins over
// a host named in the token file).
import type {IncomingMessage} from 'node:http';
import {isIP} from 'node:net';
import {pipeline, type Transform} from 'node:stream';
import {urlToHttpOptions} from 'node:url';
import {createBrotliDecompress, createGunzip, createInflate} from 'node:zlib';
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
  return row.adapter.upstreamTarget({row, apiOverride: overrides?.api, token, secret, ...call, ...context});
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
  /** The TLS server name node:http's agent would work out per request: the host, '' for an IP address. */
  servername: string;
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
  address = {https, hostname: host, path: path ?? '/', hostField: host.includes(':') ? `[${host}]` : host, servername: isIP(host) ? '' : host};
  if (port !== undefined && port !== '') {
    address.port = Number(port);
    if (address.port !== (https ? 443 : 80)) address.hostField += `:${address.port}`;
  }
  if (auth) address.auth = auth;
  if (addresses.size >= MAX_ADDRESSES) addresses.clear();
  addresses.set(url, address);
  return address;
}

/** Request headers never forwarded: hop-by-hop, the proxy's own credentials, and compression (streams pass raw). */
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
  'accept-encoding',
  'cookie',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
]);

export function forwardedRequestHeaders(
  client: Record<string, string | string[] | undefined>,
  upstream: Record<string, string>,
  bodyLength: number,
): Record<string, string> {
  // No prototype: a header name is data (node:http hands `__proto__` over as an own key).
  const out = Object.create(null) as Record<string, string>;
  for (const name in client) {
    const value = client[name];
    if (value === undefined || !Object.hasOwn(client, name) || DROPPED_REQUEST_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  Object.assign(out, upstream);
  out['accept-encoding'] = 'identity';
  out['content-length'] = String(bodyLength);
  return out;
}

/**
 * The request's header fields as node:http's raw list (name, value, name, value, …), with the Host
 * field and the URL's Basic credentials added as node:http adds them. Handed over whole, the list is
 * validated and written once, instead of a setHeader per field (validated, stored by lower-case name,
 * looked up again for Host, Authorization and Expect): ~1 µs of each proxied request (issue 14).
 * Names that differ only in case are one field, as setHeader makes them: the last value, under its
 * spelling, in the place of the first. So the head on the wire is byte for byte node:http's.
 */
export function upstreamHeaderList(headers: Record<string, string>, address: UpstreamAddress): string[] {
  const list: string[] = [];
  /** Index in `list` by lower-case name: needed only once a name is not lower case (lower-case keys of one object never collide). */
  let byName: Map<string, number> | undefined;
  let host = -1;
  let authorization = -1;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const lower = name.toLowerCase();
    if (lower !== name && !byName) {
      byName = new Map();
      for (let i = 0; i < list.length; i += 2) byName.set(list[i]!, i);
    }
    const at = byName?.get(lower) ?? -1;
    if (at >= 0) {
      list[at] = name;
      list[at + 1] = headers[name]!;
      continue;
    }
    if (lower === 'host') host = list.length;
    else if (lower === 'authorization') authorization = list.length;
    byName?.set(lower, list.length);
    list.push(name, headers[name]!);
  }
  // node:http adds these when the field is absent or empty, and replaces an empty one in its place.
  const add = (at: number, name: string, value: string) => {
    if (at < 0) list.push(name, value);
    else if (!list[at + 1]) {
      list[at] = name;
      list[at + 1] = value;
    }
  };
  add(host, 'Host', address.hostField);
  if (address.auth) add(authorization, 'Authorization', `Basic ${Buffer.from(address.auth).toString('base64')}`);
  return list;
}

/**
 * A status whose response never has a body (RFC 9110 6.4.1: 1xx, 204, 304). Its Content-Length is
 * not the length of bytes that follow: for a 304 it is the size the 200 would have had (RFC 9110
 * 8.6), so the proxy passes the upstream's on unchanged instead of the sent body's (none).
 */
export function isBodilessStatus(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}

const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'set-cookie']);

export function forwardedResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || !Object.hasOwn(upstream, name) || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    out[name] = value;
  }
  return out;
}

/** A Content-Encoding the proxy cannot undo: the body could not be masked, so it is never forwarded. */
export class UncheckableEncoding extends Error {
  constructor(readonly encoding: string) {
    super(`upstream used a content encoding the proxy cannot check (${encoding})`);
  }
}

const DECODERS: Record<string, () => Transform> = {gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress};

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
