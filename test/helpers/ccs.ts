// Temporary CCS dirs with files in the exact CCS / CLIProxyAPI shapes. Every test uses one of these
// (never the real ~/.ccs), and cleans it up.
import {mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {AccountStore} from '../../source/store/accounts.js';
import {ccsPaths, type CcsPaths} from '../../source/store/paths.js';

export interface TempCcs {
  paths: CcsPaths;
  /** Environment for child processes: CCS_DIR set, HOME pointed into the temp dir. */
  env: NodeJS.ProcessEnv;
  writeToken(name: string, token: Record<string, unknown>, dir?: 'auth' | 'auth-paused'): string;
  writeRegistry(registry: unknown): void;
  writeRaw(relative: string, text: string): string;
  cleanup(): void;
}

export function makeTempCcs(): TempCcs {
  const base = mkdtempSync(path.join(tmpdir(), 'ccs-tui-test-'));
  const root = path.join(base, '.ccs');
  const paths = ccsPaths(root);
  mkdirSync(paths.authDir, {recursive: true, mode: 0o700});
  const writeRaw = (relative: string, text: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
    writeFileSync(file, text, {mode: 0o600});
    chmodSync(file, 0o600);
    return file;
  };
  return {
    paths,
    env: {...process.env, CCS_DIR: root, CCS_HOME: '', HOME: base, XDG_CACHE_HOME: path.join(base, '.cache'), CI: 'false'},
    writeToken: (name, token, dir = 'auth') => writeRaw(path.join('cliproxy', dir, name), JSON.stringify(token, null, 2)),
    writeRegistry: (registry) => writeRaw(path.join('cliproxy', 'accounts.json'), JSON.stringify(registry, null, 2)),
    writeRaw,
    cleanup: () => rmSync(base, {recursive: true, force: true}),
  };
}

/** A token file as CLIProxyAPI writes it, expiring in an hour unless told otherwise. */
export function tokenFixture(type: string, email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    email,
    access_token: `at-${type}-${email}-0123456789abcdef`,
    refresh_token: `rt-${type}-${email}-0123456789abcdef`,
    // An hour and half a minute: the screen still reads "in 1h" however slow a loaded machine starts the program.
    expired: new Date(Date.now() + 3600_000 + 30_000).toISOString(),
    last_refresh: new Date().toISOString(),
    ...extra,
  };
}

/**
 * Runs `body` with a temp CCS dir, its AccountStore, and `env` holding only HOME: the temp home
 * the agents' own credential files go under (native mode). Removes it all afterwards, pass or fail.
 */
export async function withTempHome(body: (t: {ccs: TempCcs; home: string; store: AccountStore; env: NodeJS.ProcessEnv}) => Promise<void>): Promise<void> {
  // Loaded here, not at the top: most tests that make a temp dir never need the store.
  const {AccountStore} = await import('../../source/store/accounts.js');
  const ccs = makeTempCcs();
  const home = ccs.env.HOME!;
  try {
    await body({ccs, home, store: new AccountStore(ccs.paths), env: {HOME: home}});
  } finally {
    ccs.cleanup();
  }
}
