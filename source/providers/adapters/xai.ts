// xAI publishes its device and token endpoints through OIDC discovery. A discovery document could
// point anywhere, so only https endpoints on *.x.ai are accepted — unless the discovery URL is the
// person's choice (set in tui.json, or derived from their device/token override: a gateway, or a
// local test server), then they are trusted. services/oauth/endpoints.ts decides when to ask.
import type {ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';

export interface DiscoveredEndpoints {
  device: string;
  token: string;
  userinfo?: string;
}

export function endpointsFromDiscovery(
  document: Record<string, unknown>,
  discoveryUrl: string,
  chosen: boolean,
): DiscoveredEndpoints {
  const pick = (field: string, required: boolean): string | undefined => {
    const value = document[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') throw new Error(`${discoveryUrl}: field "${field}" is missing`);
    if (!chosen && !isXaiHttps(value)) {
      throw new Error(`${discoveryUrl}: refusing ${field} "${value}" (not https on *.x.ai)`);
    }
    return value;
  };
  return {
    device: pick('device_authorization_endpoint', true)!,
    token: pick('token_endpoint', true)!,
    userinfo: pick('userinfo_endpoint', false),
  };
}

function isXaiHttps(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && (url.hostname === 'x.ai' || url.hostname.endsWith('.x.ai'));
  } catch {
    return false;
  }
}

/** Identity from the OIDC id_token or userinfo: the base adapter's. */
export const xaiAdapter: ProviderAdapter = {...baseAdapter('xai'), fromDiscovery: endpointsFromDiscovery};
