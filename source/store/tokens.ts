// CLIProxyAPI token files (`cliproxy/auth/*.json`). Keys we do not know are kept on every rewrite.
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {TokenFile} from '../core/types.js';
import {baseAdapter} from '../providers/adapters/base.js';
import {findProvider, providerForTokenType} from '../providers/table.js';
import {CorruptFileError, parseJsonFile, readTextIfExists, writeJsonAtomic} from './files.js';

export function validateTokenFile(file: string, data: unknown): TokenFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptFileError(file, 'expected a JSON object at the top level');
  }
  const token = data as Record<string, unknown>;
  if (typeof token.type !== 'string' || token.type.trim() === '') {
    throw new CorruptFileError(file, 'field "type" (the provider) is missing');
  }
  return token as TokenFile;
}

/** The layout hooks of the file's provider (by its `type`), if it has a non-flat layout. */
const layoutOf = (token: TokenFile) => providerForTokenType(token.type)?.adapter.tokenLayout;

/** The file as the rest of ccs-tui reads it: flat credentials, whatever the file's layout. */
const toFlat = (token: TokenFile): TokenFile => layoutOf(token)?.toFlat(token) ?? token;

export async function readTokenFile(file: string): Promise<TokenFile | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  return toFlat(validateTokenFile(file, parseJsonFile(file, text)));
}

/** Writes a (flat) token back in the layout the file has. */
export async function writeTokenFile(file: string, token: TokenFile): Promise<void> {
  await writeJsonAtomic(file, layoutOf(token)?.toFile(token) ?? token);
}

/**
 * Reads a token file synchronously. Loading every account reads up to thousands of small files at
 * once, and sync reads are several times faster than as many promise round-trips through the pool.
 */
export function readTokenFileSync(file: string): TokenFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return toFlat(validateTokenFile(file, parseJsonFile(file, text)));
}

/** Names of the `*.json` files in a dir (none when the dir does not exist). */
export function listJsonFiles(dir: string): string[] {
  try {
    const names = readdirSync(dir);
    return names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The file name CLIProxyAPI would give this account (PROVIDERS.md, "Token files"), so both tools
 * agree: the provider's adapter decides (adapters/base.ts for a provider without a rule).
 */
export function upstreamTokenFileName(provider: string, token: TokenFile, now: Date = new Date()): string {
  return (findProvider(provider)?.adapter ?? baseAdapter(provider)).tokenFileName(token, now);
}

/** `name.json` → `name-2.json`, `name-3.json`, … until `isTaken` says no. */
export function uniqueFileName(preferred: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(preferred)) return preferred;
  const base = preferred.replace(/\.json$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}.json`;
    if (!isTaken(candidate)) return candidate;
  }
}

export const tokenPath = (dir: string, name: string) => path.join(dir, name);
