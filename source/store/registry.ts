// The CCS registry, `cliproxy/accounts.json`. Unknown fields at every level are carried through
// untouched, because CCS (and future CCS versions) own this file as much as we do.
import {idMap, setOwn} from '../core/id-map.js';
import {sanitizeLine} from '../core/sanitize.js';
import {CorruptFileError, parseJsonFile} from './files.js';

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

/** The registry `file` holds as `text`; an empty registry when there is no file (undefined); CorruptFileError when broken. */
export function parseRegistry(file: string, text: string | undefined): RegistryFile {
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
  /** Top-level fields other than `providers` (other tools' settings) read whole before the fault. */
  topLevel: Record<string, unknown>;
  /** Each provider's own fields other than `accounts` and `default`, read whole before the fault. */
  providerFields: Map<string, Record<string, unknown>>;
}

/** Where a partial parse stopped: everything before it was read. */
class Stop extends Error {}

/** Thrown up through the containers a fault cut, carrying the container's partial content. */
class PartialValue extends Stop {
  constructor(readonly value: object) {
    super('partial');
  }
}

const SCALAR = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/**
 * JSON read up to its first fault (a truncated write, a stray character): objects and arrays opened
 * before the fault hold the members completed before it (plus the partial container the fault cut)
 * and are listed in `incomplete`. A scalar the fault cut is dropped. Linear in the text.
 */
export function parseUntilFault(text: string): {value: unknown; incomplete: WeakSet<object>} {
  const incomplete = new WeakSet<object>();
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at]!)) at++;
  };
  const container = (isObject: boolean): object => {
    const out: Record<string, unknown> | unknown[] = isObject ? {} : [];
    const close = isObject ? '}' : ']';
    at++;
    let pending: {key?: string} | undefined;
    try {
      space();
      if (text[at] === close) {
        at++;
        return out;
      }
      for (;;) {
        if (isObject) {
          space();
          const key = value();
          space();
          if (typeof key !== 'string' || text[at] !== ':') throw new Stop();
          at++;
          pending = {key};
          setOwn(out as Record<string, unknown>, key, value());
        } else {
          pending = {};
          (out as unknown[]).push(value());
        }
        pending = undefined;
        space();
        if (text[at] === ',') at++;
        else if (text[at] === close) {
          at++;
          return out;
        } else throw new Stop();
      }
    } catch (error) {
      if (error instanceof PartialValue && pending) {
        if (pending.key !== undefined) setOwn(out as Record<string, unknown>, pending.key, error.value);
        else (out as unknown[]).push(error.value);
      }
      incomplete.add(out);
      throw new PartialValue(out);
    }
  };
  const value = (): unknown => {
    space();
    if (text[at] === '{' || text[at] === '[') return container(text[at] === '{');
    SCALAR.lastIndex = at;
    const found = SCALAR.exec(text);
    if (!found) throw new Stop();
    at = SCALAR.lastIndex;
    return JSON.parse(found[0]) as unknown;
  };
  try {
    return {value: value(), incomplete};
  } catch (error) {
    return {value: error instanceof PartialValue ? error.value : undefined, incomplete};
  }
}

/** The fields of a partially read object that were read whole, but for the names in `skip`. */
function wholeFields(value: unknown, incomplete: WeakSet<object>, skip: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(value)) return out;
  for (const [key, field] of Object.entries(value)) {
    if (skip.includes(key) || (typeof field === 'object' && field !== null && incomplete.has(field))) continue;
    setOwn(out, key, field);
  }
  return out;
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
  // Other tools' fields at the top and provider level, as far as the file reads.
  const {value: partial, incomplete} = parseUntilFault(text);
  const topLevel = wholeFields(partial, incomplete, ['providers']);
  const providerFields = new Map<string, Record<string, unknown>>();
  const providers = isObject(partial) ? partial.providers : undefined;
  if (isObject(providers)) {
    for (const [provider, block] of Object.entries(providers)) {
      const fields = wholeFields(block, incomplete, ['accounts', 'default']);
      if (Object.keys(fields).length) providerFields.set(provider, fields);
    }
  }
  return {accounts, defaults, topLevel, providerFields};
}
