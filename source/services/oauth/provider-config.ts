// A provider row as this installation uses it: the table plus tui.json's endpoint, client id and
// callback port overrides.
import {UserError} from '../../core/types.js';
import {requireProvider, withEndpointOverrides, type EndpointName, type LoginFlow, type OAuthClient, type ProviderRow} from '../../providers/table.js';
import {endpointOverrides, type TuiSettings} from '../../store/settings.js';

export interface ResolvedProvider {
  row: ProviderRow;
  clientId: string;
  /** The public installed-app secret that belongs to `clientId`, if it has one. */
  clientSecret?: string;
  /** The endpoint names tui.json sets for this provider (see services/oauth/endpoints.ts for discovery). */
  overridden: readonly EndpointName[];
}

export function resolveProvider(settings: TuiSettings, providerId: string): ResolvedProvider {
  const base = requireProvider(providerId);
  const overrides = endpointOverrides(settings, base.id);
  const row = withEndpointOverrides(base, overrides);
  const clientId = settings.login?.clientIds?.[base.id] ?? base.clientId ?? '';
  const overridden = Object.keys(overrides ?? {}).filter((name) => Boolean(overrides?.[name as EndpointName])) as EndpointName[];
  return {row, clientId, clientSecret: knownClients(row).find((c) => c.clientId === clientId)?.clientSecret, overridden};
}

/** The table's client, then the alternates (public clients whose accounts exist too). */
export function knownClients(row: ProviderRow): OAuthClient[] {
  const main = row.clientId ? [{clientId: row.clientId, clientSecret: row.clientSecret}] : [];
  return [...main, ...(row.alternateClients ?? [])];
}

export function endpoint(resolved: ResolvedProvider, name: keyof ProviderRow['endpoints']): string {
  const url = resolved.row.endpoints[name];
  if (!url) {
    throw new UserError(`${resolved.row.id}: no "${name}" endpoint; set endpoints.${resolved.row.id}.${name} in tui.json`);
  }
  return url;
}

export type DeviceFlowSpec = Extract<LoginFlow, {kind: 'device'}>;
export type AuthCodeFlowSpec = Extract<LoginFlow, {kind: 'auth-code'}>;

export function deviceFlowOf(row: ProviderRow): DeviceFlowSpec | undefined {
  return row.logins.find((f): f is DeviceFlowSpec => f.kind === 'device');
}

export function authCodeFlowOf(row: ProviderRow): AuthCodeFlowSpec | undefined {
  return row.logins.find((f): f is AuthCodeFlowSpec => f.kind === 'auth-code');
}

/** Loopback ports to try, in order: the tui.json override, else the table's port and fallbacks. */
export function callbackPorts(settings: TuiSettings, providerId: string, flow: AuthCodeFlowSpec, explicit?: number): number[] {
  const override = explicit ?? settings.login?.callbackPorts?.[providerId];
  if (override !== undefined) return [override];
  return [flow.callbackPort, ...(flow.fallbackPorts ?? [])];
}
