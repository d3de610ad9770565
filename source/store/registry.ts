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

/**
 * For every `{` outside strings, the index of its matching `}` (absent when unbalanced): one pass, so
 * salvaging a deeply nested file stays linear.
 */
function matchingBraces(text: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') open.push(i);
    else if (c === '}' && open.length) pairs.set(open.pop()!, i);
  }
  return pairs;
}

/** Account entries are small; a larger object is a provider or the whole file. */
const MAX_ENTRY_CHARS = 16 * 1024;

const KEYED_OBJECT = /"((?:[^"\\]|\\.)*)"\s*:\s*\{/g;

export interface SalvagedRegistry {
  /** Account entries that still parse on their own, by id (the provider comes from their token file). */
  accounts: {id: string; entry: RegistryAccount}[];
  /** `"default"` values found inside each provider's block. */
  defaults: Map<string, string>;
}

/**
 * What a corrupt registry still yields: every `"<id>": {…}` object that parses on its own and has a
 * `tokenFile`, and each provider's `"default"`. Used to rebuild without losing default accounts,
 * nicknames and dates when only part of the file is broken (a truncated write, a stray character).
 */
export function salvageRegistry(text: string, providerIds: readonly string[]): SalvagedRegistry {
  const accounts: SalvagedRegistry['accounts'] = [];
  const braces = matchingBraces(text);
  for (const match of text.matchAll(KEYED_OBJECT)) {
    const open = match.index! + match[0].length - 1;
    const end = braces.get(open);
    if (end === undefined || end - open > MAX_ENTRY_CHARS) continue;
    try {
      const id = JSON.parse(`"${match[1]}"`) as string;
      const entry = JSON.parse(text.slice(open, end + 1)) as unknown;
      if (isObject(entry) && typeof entry.tokenFile === 'string' && entry.tokenFile) accounts.push({id, entry: entry as RegistryAccount});
    } catch {
      // this piece is broken too
    }
  }
  const defaults = new Map<string, string>();
  for (const provider of providerIds) {
    const at = text.search(new RegExp(`"${provider}"\\s*:\\s*\\{`));
    if (at < 0) continue;
    const end = braces.get(text.indexOf('{', at));
    const block = text.slice(at, end);
    // Only the provider's own level: skip nested account objects.
    const flat = block.replace(/\{[^{}]*\}/g, '{}');
    const found = /"default"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(flat);
    if (found) {
      try {
        defaults.set(provider, JSON.parse(`"${found[1]}"`) as string);
      } catch {
        // broken escape
      }
    }
  }
  return {accounts, defaults};
}
