// The CCS registry, `cliproxy/accounts.json`. Unknown fields at every level are carried through
// untouched, because CCS (and future CCS versions) own this file as much as we do.
import {idMap} from '../core/id-map.js';
import {sanitizeLine} from '../core/sanitize.js';
import {CorruptFileError, parseJsonFile, readTextIfExists} from './files.js';

export interface RegistryAccount {
  email?: string;
  nickname?: string;
  tokenFile: string;
  createdAt?: string;
  lastUsedAt?: string;
  paused?: boolean;
  pausedAt?: string;
  tier?: string;
  projectId?: string;
  [unknownField: string]: unknown;
}

export interface RegistryProvider {
  default?: string;
  accounts: Record<string, RegistryAccount>;
  [unknownField: string]: unknown;
}

export interface RegistryFile {
  version: number;
  providers: Record<string, RegistryProvider>;
  [unknownField: string]: unknown;
}

export {idMap};

export function emptyRegistry(): RegistryFile {
  return {version: 1, providers: idMap()};
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the shape we rely on, naming the field that is wrong. */
export function validateRegistry(file: string, data: unknown): RegistryFile {
  if (!isObject(data)) throw new CorruptFileError(file, 'expected a JSON object at the top level');
  const providers = data.providers ?? {};
  if (!isObject(providers)) throw new CorruptFileError(file, 'field "providers" must be an object');
  for (const [providerId, provider] of Object.entries(providers)) {
    if (!isObject(provider)) throw new CorruptFileError(file, `field "providers.${sanitizeLine(providerId)}" must be an object`);
    const accounts = provider.accounts ?? {};
    if (!isObject(accounts)) {
      throw new CorruptFileError(file, `field "providers.${sanitizeLine(providerId)}.accounts" must be an object`);
    }
    for (const [accountId, account] of Object.entries(accounts)) {
      if (!isObject(account)) {
        throw new CorruptFileError(file, `field "providers.${sanitizeLine(providerId)}.accounts.${sanitizeLine(accountId)}" must be an object`);
      }
      if (typeof account.tokenFile !== 'string' || account.tokenFile === '') {
        throw new CorruptFileError(file, `field "providers.${sanitizeLine(providerId)}.accounts.${sanitizeLine(accountId)}.tokenFile" must be a file name`);
      }
    }
    provider.accounts = idMap(accounts as Record<string, RegistryAccount>);
  }
  data.providers = idMap(providers as Record<string, RegistryProvider>);
  if (data.version === undefined) data.version = 1;
  return data as RegistryFile;
}

/** Reads the registry; an empty registry when the file does not exist; CorruptFileError when broken. */
export async function readRegistry(file: string): Promise<RegistryFile> {
  const text = await readTextIfExists(file);
  if (text === undefined) return emptyRegistry();
  return validateRegistry(file, parseJsonFile(file, text));
}
