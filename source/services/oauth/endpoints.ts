// Where a provider's device, token and userinfo endpoints are: the table (with tui.json overrides),
// or for providers that publish them through OIDC discovery (xai), the discovery document.
//
// Discovery is asked only for an endpoint that is still missing, so overriding the endpoints a step
// needs (device and token for a login, token for a refresh) sends nothing to the default host. When
// discovery is still needed (userinfo, say) and the person pointed the flow elsewhere (device or
// token overridden, discovery not), the discovery document is asked at that host's
// `/.well-known/openid-configuration`, never at the table's.
import {UserError} from '../../core/types.js';
import {deviceFlowOf, endpoint, type ResolvedProvider} from './provider-config.js';
import {jsonBody, UnexpectedResponseError, type HttpClient} from '../http.js';

export interface AuthEndpoints {
  device?: string;
  token: string;
}

interface Discovered {
  device: string;
  token: string;
  userinfo?: string;
}

// One discovery per resolved provider (one login, one refresh): the flow and the identity step share it.
const discoveries = new WeakMap<ResolvedProvider, Promise<Discovered>>();

/** The discovery URL and whether what it names is trusted as the person's choice (see xai's adapter). */
export function discoveryUrl(resolved: ResolvedProvider): {url: string; chosen: boolean} {
  const {row, overridden} = resolved;
  if (overridden.includes('discovery')) return {url: endpoint(resolved, 'discovery'), chosen: true};
  const pointed = (['token', 'device'] as const).find((name) => overridden.includes(name));
  if (pointed) return {url: new URL('/.well-known/openid-configuration', row.endpoints[pointed]!).toString(), chosen: true};
  return {url: endpoint(resolved, 'discovery'), chosen: false};
}

function discover(http: HttpClient, resolved: ResolvedProvider, signal?: AbortSignal): Promise<Discovered> {
  const cached = discoveries.get(resolved);
  if (cached) return cached;
  const asked = (async () => {
    const {url, chosen} = discoveryUrl(resolved);
    const response = await http.send({url, headers: {Accept: 'application/json'}, signal});
    if (response.status !== 200) throw new UnexpectedResponseError(url, response.status, 'OIDC discovery failed');
    const read = resolved.row.adapter.fromDiscovery;
    if (!read) throw new UserError(`${resolved.row.id}: its login uses OIDC discovery, but its adapter reads no discovery document`);
    return read(jsonBody(response, url), url, chosen);
  })();
  discoveries.set(resolved, asked);
  // A failed discovery is asked again next time.
  asked.catch(() => discoveries.delete(resolved));
  return asked;
}

const usesDiscovery = (resolved: ResolvedProvider) => Boolean(deviceFlowOf(resolved.row)?.discovery);

/**
 * The token endpoint, and the device endpoint when `withDevice` (a device login): the table's or
 * tui.json's where set, else discovered. Throws a UserError naming the tui.json key when a provider
 * without discovery lacks one, and the HTTP error when discovery fails.
 */
export async function authEndpoints(http: HttpClient, resolved: ResolvedProvider, options: {withDevice?: boolean; signal?: AbortSignal} = {}): Promise<AuthEndpoints> {
  const {endpoints} = resolved.row;
  const missing = !endpoints.token || (options.withDevice && !endpoints.device);
  if (!missing || !usesDiscovery(resolved)) return {device: endpoints.device, token: endpoint(resolved, 'token')};
  const found = await discover(http, resolved, options.signal);
  return {device: endpoints.device ?? found.device, token: endpoints.token ?? found.token};
}

/** The userinfo endpoint (undefined when the provider has none): set, else discovered. */
export async function userinfoEndpoint(http: HttpClient, resolved: ResolvedProvider, signal?: AbortSignal): Promise<string | undefined> {
  const set = resolved.row.endpoints.userinfo;
  if (set || !usesDiscovery(resolved)) return set;
  return (await discover(http, resolved, signal)).userinfo;
}
