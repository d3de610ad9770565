// Where everything lives. The CCS dir is `$CCS_DIR`, else `$CCS_HOME/.ccs`, else `~/.ccs`.
import {lstatSync, realpathSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CcsPaths {
  /** The CCS dir itself. */
  root: string;
  /** `cliproxy/`, shared with CCS and CLIProxyAPI. */
  cliproxy: string;
  /** `cliproxy/accounts.json`, the CCS registry. */
  registry: string;
  /** `cliproxy/auth/`, CLIProxyAPI token files. */
  authDir: string;
  /** `cliproxy/auth-paused/`, token files of paused accounts. */
  pausedDir: string;
  /** `cliproxy/config.yaml`, CLIProxyAPI config. */
  config: string;
  /** `tui.json`, ccs-tui's own settings. */
  settings: string;
  /** `tui/`, ccs-tui's caches and state. */
  state: string;
  /** `tui/account-state.json`, per-account state of ccs-tui's own (needs login). */
  accountState: string;
  /** `tui/locks/`, lock targets that are not themselves files (per-account refresh). */
  locks: string;
  /** `tui/logs/`. */
  logs: string;
  /** `tui/proxy.json`, the running proxy's record (services/proxy/pid-file.ts). */
  proxyRecord: string;
  /** `tui/refresh-kept/`, refreshed grants no token file could take (services/refresh.ts keepRefreshed). */
  refreshKept: string;
  /** `tui/login-kept/`, grants a login replaced that may be another account's (store saveLogin), and a server's that `push --force` replaced (cli/commands/transfer.ts). */
  loginKept: string;
  /** `tui/native-kept/`, token files native mode saved an agent's tokens over by continuity alone (services/native/sync.ts). */
  nativeKept: string;
}

/**
 * A path as a person typed it, with a leading `~` or `~/` as the home dir ($HOME, else the
 * account's). The shell does this only for an unquoted word; a TUI field, a quoted flag value
 * (`--key-file="~/sa.json"`), an env var set in quotes and a tui.json string get it here. `~user`
 * forms are left as they are.
 */
export function expandHome(file: string, env: NodeJS.ProcessEnv = process.env): string {
  if (file === '~' || file.startsWith('~/')) return path.join(env.HOME || os.homedir(), file.slice(1));
  return file;
}

export function resolveCcsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CCS_DIR) return path.resolve(expandHome(env.CCS_DIR, env));
  if (env.CCS_HOME) return path.join(path.resolve(expandHome(env.CCS_HOME, env)), '.ccs');
  return path.join(os.homedir(), '.ccs');
}

/**
 * Why the CCS dir cannot be used, or undefined: it, or its cliproxy/ or tui/, is there but is no
 * directory (CCS_DIR naming a file). A dir that is not there yet is fine (it is made when needed).
 */
export function ccsDirProblem(paths: Pick<CcsPaths, 'root' | 'cliproxy' | 'state'>): string | undefined {
  for (const dir of [paths.root, paths.cliproxy, paths.state]) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ENOTDIR') return `${dir}: a part of this path is a file where a directory is expected (ENOTDIR)`;
      return undefined; // said where it is read, in that reader's words
    }
    if (!stat.isDirectory()) return `${dir} is a file, not a directory: ${dir === paths.root ? 'the CCS dir (CCS_DIR, else ~/.ccs) must be a directory' : `the CCS dir's ${path.basename(dir)}/ must be a directory`}`;
  }
  return undefined;
}

export function ccsPaths(root: string = resolveCcsDir()): CcsPaths {
  const cliproxy = path.join(root, 'cliproxy');
  const state = path.join(root, 'tui');
  return {
    root,
    cliproxy,
    registry: path.join(cliproxy, 'accounts.json'),
    authDir: path.join(cliproxy, 'auth'),
    pausedDir: path.join(cliproxy, 'auth-paused'),
    config: path.join(cliproxy, 'config.yaml'),
    settings: path.join(root, 'tui.json'),
    state,
    accountState: path.join(state, 'account-state.json'),
    locks: path.join(state, 'locks'),
    logs: path.join(state, 'logs'),
    proxyRecord: path.join(state, 'proxy.json'),
    refreshKept: path.join(state, 'refresh-kept'),
    loginKept: path.join(state, 'login-kept'),
    nativeKept: path.join(state, 'native-kept'),
  };
}

/**
 * The dirs whose temp files (a write killed before its rename) may be removed once their writer is
 * gone (files.ts removeAbandonedTemps): the CCS dir (tui.json), cliproxy/ (the registry,
 * config.yaml), tui/, its refresh attempt records and its locks. Not the token dirs, whose temp files
 * may hold a grant (a killed refresh's answer, adopted by the next refresh; a killed login's), nor
 * tui/refresh-kept/ and tui/native-kept/, which keep grants.
 */
export function abandonedTempDirs(paths: CcsPaths): string[] {
  return [paths.root, paths.cliproxy, paths.state, path.join(paths.state, 'refresh'), paths.locks];
}

/**
 * The dirs that hold credentials, as `env` names them: the CCS dir (tui.json is in it), its
 * cliproxy/auth, auth-paused and tui/ and CLIProxyAPI's own auth dir (~/.cli-proxy-api). A cache is never
 * written into one: a file there could be read as an account, or synced with the tokens.
 */
export function tokenDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths = ccsPaths(resolveCcsDir(env));
  // Each may be a link to a dir elsewhere (tokens kept on other storage), or mounted elsewhere too: kept clear wherever it is.
  const dirs = [paths.root, paths.authDir, paths.pausedDir, paths.state];
  try {
    dirs.push(path.join(env.HOME || os.homedir(), '.cli-proxy-api'));
  } catch {
    // No home (os.homedir() throws): no such dir to keep clear.
  }
  return dirs;
}

/**
 * Whether `dir` (made later when missing) is a token dir (tokenDirs) or inside one, once symlinks and
 * `..` are resolved as the system will when it is made. True too when that cannot be told (a dangling
 * symlink, a dir that cannot be searched).
 */
export function insideTokenDir(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const real = realPathOf(dir);
  if (real === undefined) return true;
  const realTokenDirs = tokenDirs(env).map(realPathOf);
  if (realTokenDirs.some((t) => t === undefined || real === t || real.startsWith(t.endsWith(path.sep) ? t : t + path.sep))) return true;
  // One under another path (a bind mount; another case of its name where names ignore case) is the same dir: same device and inode.
  const ids = new Set(realTokenDirs.map((t) => dirId(t!)).filter((id) => id !== ''));
  for (let at = real; ; at = path.dirname(at)) {
    const id = dirId(at);
    if (id !== '' && ids.has(id)) return true;
    if (path.dirname(at) === at) return false;
  }
}

/** `dir`'s device and inode, or '' when it is not there (yet). */
function dirId(dir: string): string {
  try {
    const stat = statSync(dir, {bigint: true, throwIfNoEntry: false});
    return stat ? `${stat.dev}:${stat.ino}` : '';
  } catch {
    return '';
  }
}

/**
 * `file`'s real path: its longest existing part's (symlinks and `..` resolved by the system), then the
 * rest as mkdir makes it (plain dirs, so `..` there is lexical). Undefined when that part cannot be
 * resolved, or is a dangling symlink (mkdir would follow it somewhere not known here).
 */
function realPathOf(file: string): string | undefined {
  // Not path.resolve: `link/..` is lexically the dir holding `link`, to the system the target's parent.
  let existing = path.isAbsolute(file) ? file : `${process.cwd()}${path.sep}${file}`;
  const rest: string[] = [];
  for (;;) {
    try {
      // Looked for without an exception per missing part: this runs at every TUI start.
      if (lstatSync(existing, {throwIfNoEntry: false})) return path.join(realpathSync(existing), ...rest.reverse());
    } catch {
      return undefined; // a dangling symlink (mkdir would follow it somewhere not known here), a dir that cannot be searched
    }
    const parent = path.dirname(existing);
    if (parent === existing) return undefined;
    rest.push(path.basename(existing));
    existing = parent;
  }
}
