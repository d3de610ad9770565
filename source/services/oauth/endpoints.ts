// Where a provider's device and token endpoints are: the table (with overrides), or for providers
// that publish them through OIDC discovery (xai), the discovery document.
import {UserError} from '../../core/types.js';
import {deviceFlowOf, endpoint, type ResolvedProvider} from './provider-config.js';
import {jsonBody, UnexpectedResponseError, type HttpClient} from '../http.js';

export interface AuthEndpoints {
  device?: string;
  token: string;
  userinfo?: string;
}

export async function authEndpoints(http: HttpClient, resolved: ResolvedProvider, signal?: AbortSignal): Promise<AuthEndpoints> {
  const {row} = resolved;
  if (deviceFlowOf(row)?.discovery) {
    const url = endpoint(resolved, 'discovery');
    const response = await http.send({url, headers: {Accept: 'application/json'}, signal});
    if (response.status !== 200) throw new UnexpectedResponseError(url, response.status, 'OIDC discovery failed');
    const read = row.adapter.fromDiscovery;
    if (!read) throw new UserError(`${row.id}: its login uses OIDC discovery, but its adapter reads no discovery document`);
    const found = read(jsonBody(response, url), url, resolved.discoveryOverridden);
    // An explicit override of one endpoint still wins over what discovery says.
    return {
      device: row.endpoints.device ?? found.device,
      token: row.endpoints.token ?? found.token,
      userinfo: row.endpoints.userinfo ?? found.userinfo,
    };
  }
  return {device: row.endpoints.device, token: endpoint(resolved, 'token'), userinfo: row.endpoints.userinfo};
}
