// CLIProxyAPI token files (`cliproxy/auth/*.json`). Keys we do not know are kept on every rewrite.
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {TokenFile} from '../core/types.js';
import {flattenTokenFile, nestTokenFile} from '../providers/adapters/google.js';
import {CorruptFileError, parseJsonFile, readTextIfExists, writeJsonAtomic} from './files.js';

export function validateTokenFile(file: string, data: unknown): TokenFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CorruptFileError(file, 'expected a JSON object at the top level');
  }
  const token = data as Record<string, unknown>;
  if (typeof token.type !== 'string' || token.type === '') {
    throw new CorruptFileError(file, 'field "type" (the provider) is missing');
  }
  // CLIProxyAPI's nested gemini layout is read as a flat view and written back nested.
  return flattenTokenFile(token as TokenFile);
}

export async function readTokenFile(file: string): Promise<TokenFile | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  return validateTokenFile(file, parseJsonFile(file, text));
}

export async function writeTokenFile(file: string, token: TokenFile): Promise<void> {
  await writeJsonAtomic(file, nestTokenFile(token));
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
  return validateTokenFile(file, parseJsonFile(file, text));
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

const safePart = (value: string) =>
  value
    .trim()
    .replace(/[^A-Za-z0-9@._+-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);

/**
 * The file name CLIProxyAPI would give this account (PROVIDERS.md, "Token files"), so both tools
 * agree. Same-email accounts in different organisations get different names.
 */
export function upstreamTokenFileName(provider: string, token: TokenFile, now: Date = new Date()): string {
  const email = typeof token.email === 'string' && token.email ? safePart(token.email) : '';
  const org = typeof token.organization_uuid === 'string' ? token.organization_uuid.slice(0, 8) : '';
  switch (provider) {
    case 'claude':
      return `claude-${email || 'account'}${org ? `-${safePart(org)}` : ''}.json`;
    case 'codex': {
      const accountId = typeof token.account_id === 'string' ? token.account_id : email;
      const hash = createHash('sha256').update(accountId).digest('hex').slice(0, 8);
      const plan = typeof token.plan_type === 'string' ? `-${safePart(token.plan_type)}` : '';
      return `codex-${hash}-${email || 'account'}${plan}.json`;
    }
    case 'iflow':
      return `iflow-${email || 'account'}-${Math.floor(now.getTime() / 1000)}.json`;
    case 'kimi':
      return `kimi-${now.getTime()}.json`;
    case 'gemini': {
      // CLIProxyAPI: gemini-<email>-<project>.json (internal/auth/gemini CredentialFileName).
      const project = typeof token.project_id === 'string' ? safePart(token.project_id) : '';
      return `gemini-${email || 'account'}${project ? `-${project}` : ''}.json`;
    }
    case 'copilot': {
      const user = typeof token.username === 'string' ? safePart(token.username) : email;
      return `github-copilot-${user || 'account'}.json`;
    }
    default:
      return `${provider}-${email || now.getTime()}.json`;
  }
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
