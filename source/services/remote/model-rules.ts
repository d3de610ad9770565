// Model rules of a remote server: its global `oauth-model-alias` and `oauth-excluded-models` maps,
// read and written through their Management API endpoints (config_lists.go), and the server's own
// resolved model list for an account (`GET /auth-files/models?name=`), to compare with ours.
//
// Rules inside a token file (per-account) are not editable remotely: the Management API edits only
// the global maps, and fetching the file to rewrite it would move tokens off the server.
import {sanitizeLine} from '../../core/sanitize.js';
import {resolveModels, type ModelResolution, type ModelRules} from '../../core/model-rules.js';
import type {Account, ModelAlias} from '../../core/types.js';
import {requireProvider, staticModels} from '../../providers/table.js';
import {accountPlan, modelNormalizer, rulesChannel, servedBase} from '../../store/model-rules.js';
import {jsonKind} from '../../store/targets.js';
import {ManagementError, type ManagementClient} from './client.js';

type AliasMap = Record<string, {name?: string; alias?: string; fork?: boolean}[]>;
type ExcludedMap = Record<string, string[]>;

/** A channel's entry, case-insensitively (CLIProxyAPI lowercases channel keys). */
function channelEntry<T>(map: Record<string, T> | undefined, channel: string): T | undefined {
  if (!map) return undefined;
  const key = Object.keys(map).find((k) => k.toLowerCase() === channel);
  return key === undefined ? undefined : map[key];
}

/**
 * A list the server answered at `field` of GET `route` (none: empty). Anything else is an error naming
 * both, rather than a TypeError where the list is read, and nothing is written from it.
 */
function answeredList<T>(client: ManagementClient, route: string, field: string, value: T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new ManagementError('server', `target ${client.target.name}: GET /v0/management${route} answered ${field} that is not a list (${jsonKind(value)}); cannot read it`);
}

export async function remoteGlobalRules(client: ManagementClient, provider: string): Promise<ModelRules> {
  const channel = rulesChannel(provider);
  const [aliases, excluded] = await Promise.all([
    client.json<{'oauth-model-alias'?: AliasMap}>({method: 'GET', route: '/oauth-model-alias', feature: 'model aliases'}),
    client.json<{'oauth-excluded-models'?: ExcludedMap}>({method: 'GET', route: '/oauth-excluded-models', feature: 'model exclusions'}),
  ]);
  const field = (map: string) => `${JSON.stringify(map)}.${sanitizeLine(channel)}`;
  return {
    aliases: answeredList(client, '/oauth-model-alias', field('oauth-model-alias'), channelEntry(aliases['oauth-model-alias'], channel))
      .filter((a) => typeof a?.name === 'string' && typeof a.alias === 'string')
      .map((a): ModelAlias => ({name: a.name!, alias: a.alias!, ...(a.fork ? {fork: true} : {})})),
    excluded: answeredList(client, '/oauth-excluded-models', field('oauth-excluded-models'), channelEntry(excluded['oauth-excluded-models'], channel)).filter(
      (p): p is string => typeof p === 'string',
    ),
  };
}

/**
 * Reads the server's rules for the provider, lets `change` edit them, and writes back only the
 * lists that changed, each as one channel (`PATCH`, an empty list removes the channel).
 */
export async function updateRemoteGlobalRules(
  client: ManagementClient,
  provider: string,
  change: (rules: ModelRules) => ModelRules,
): Promise<ModelRules> {
  const channel = rulesChannel(provider);
  const before = await remoteGlobalRules(client, provider);
  const after = change(before);
  if (JSON.stringify(after.aliases) !== JSON.stringify(before.aliases)) {
    const aliases = after.aliases.map((a) => ({name: a.name, alias: a.alias, ...(a.fork ? {fork: true} : {})}));
    await client.send({method: 'PATCH', route: '/oauth-model-alias', json: {channel, aliases}, feature: 'editing model aliases'});
  }
  if (JSON.stringify(after.excluded) !== JSON.stringify(before.excluded)) {
    await client.send({method: 'PATCH', route: '/oauth-excluded-models', json: {provider: channel, models: after.excluded}, feature: 'editing model exclusions'});
  }
  return after;
}

/** Our resolver on the server's rules and the provider's static catalogue (no live list is asked of a remote target). */
export function resolveRemote(provider: string, rules: ModelRules, account?: Account): ModelResolution {
  const row = requireProvider(provider);
  return resolveModels({
    provider: row.id,
    base: servedBase(staticModels(row, accountPlan(account)), undefined),
    global: rules,
    normalize: modelNormalizer(row.id),
  });
}

/** The server's resolved model ids for one account (its model registry after its rules); `name` is the server's raw file name. */
export async function serverModels(client: ManagementClient, name: string): Promise<string[]> {
  const body = await client.json<{models?: {id?: unknown}[]}>({
    method: 'GET',
    route: '/auth-files/models',
    query: {name},
    feature: "an account's model list",
  });
  return answeredList(client, '/auth-files/models', '"models"', body.models).map((m) => m?.id).filter((id): id is string => typeof id === 'string' && id !== '').map((id) => sanitizeLine(id));
}

/** Ids only one side lists, case-insensitively (CLIProxyAPI matches model ids that way). */
export function modelDifferences(ours: readonly string[], server: readonly string[]): {onlyServer: string[]; onlyLocal: string[]} {
  const lower = (list: readonly string[]) => new Set(list.map((id) => id.toLowerCase()));
  const [a, b] = [lower(ours), lower(server)];
  return {onlyServer: server.filter((id) => !a.has(id.toLowerCase())), onlyLocal: ours.filter((id) => !b.has(id.toLowerCase()))};
}
