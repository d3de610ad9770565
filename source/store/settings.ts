// ccs-tui's own settings, `tui.json` in the CCS dir, kept with `conf` (atomic writes, defaults).
// A broken tui.json is reported with its position and left as it is; ccs-tui then runs on defaults.
import type {RotationStrategy} from '../core/rotation.js';
import {UserError} from '../core/types.js';
import type {Endpoints} from '../providers/table.js';
import {backupCorruptFile, CorruptFileError, FILE_MODE, parseJsonFile, readTextIfExists} from './files.js';
import type {CcsPaths} from './paths.js';

export interface TuiSettings {
  /** Per-provider endpoint overrides: `endpoints.<provider>.<authorize|token|device|...>`. */
  endpoints: Record<string, Endpoints>;
  rotation: {strategy: RotationStrategy};
  quota: {
    /** Seconds between polls per account. */
    pollSeconds: number;
    /** Poll this often once any window is above `fastPollAbovePct`. */
    fastPollSeconds: number;
    fastPollAbovePct: number;
    /** Cached values older than this are marked stale. */
    staleAfterSeconds: number;
  };
  login: {
    /** Per-provider loopback callback port overrides. */
    callbackPorts: Record<string, number>;
    /**
     * Per-provider OAuth client id overrides (tests point a provider at a local authorization server
     * that registered its own client; companies with their own OAuth app do the same).
     */
    clientIds: Record<string, string>;
  };
  proxy: {
    /** Launch the CLIProxyAPI binary (when on PATH) instead of the built-in proxy. */
    useCliproxyBinary: boolean;
  };
  refresh: {
    /**
     * Seconds a token refresh may take before its outcome counts as unknown (the refresh token is
     * then never sent again). Far longer than any real token endpoint needs.
     */
    timeoutSeconds: number;
    /**
     * Seconds after which a refresh lock whose holder seems alive is taken over. Unset: derived from
     * timeoutSeconds (longer than the longest possible refresh). Meant for tests of a suspended holder.
     */
    lockStaleSeconds?: number;
  };
  theme: 'auto' | 'dark' | 'light';
}

export const DEFAULT_SETTINGS: TuiSettings = {
  endpoints: {},
  rotation: {strategy: 'most-headroom'},
  quota: {pollSeconds: 300, fastPollSeconds: 60, fastPollAbovePct: 80, staleAfterSeconds: 600},
  login: {callbackPorts: {}, clientIds: {}},
  proxy: {useCliproxyBinary: false},
  refresh: {timeoutSeconds: 120},
  theme: 'auto',
};

export interface LoadedSettings {
  settings: TuiSettings;
  /**
   * Set when tui.json is broken: `cause` names the file and position (what is wrong), `message` adds
   * what happens for a reader that goes on (the defaults are in use). A caller that stops instead
   * (targets, saving a setting) says `cause` with its own consequence, never both.
   */
  problem?: {file: string; cause: string; message: string; backup?: string};
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function merge<T>(defaults: T, value: unknown): T {
  if (!isObject(defaults) || !isObject(value)) return (value === undefined ? defaults : value) as T;
  const out: Record<string, unknown> = {...defaults};
  for (const [key, v] of Object.entries(value)) out[key] = key in out ? merge(out[key], v) : v;
  return out as T;
}

/** Reads tui.json without loading `conf` (the read path of every command must stay fast). */
export async function loadSettings(paths: CcsPaths): Promise<LoadedSettings> {
  const text = await readTextIfExists(paths.settings);
  if (text === undefined) return {settings: DEFAULT_SETTINGS};
  try {
    const data = parseJsonFile(paths.settings, text);
    if (!isObject(data)) throw new CorruptFileError(paths.settings, 'expected a JSON object at the top level');
    return {settings: merge(DEFAULT_SETTINGS, data)};
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const backup = await backupCorruptFile(paths.settings).catch(() => undefined);
    return {settings: DEFAULT_SETTINGS, problem: {file: paths.settings, cause: error.message, message: `${error.message}; using the default settings until it is fixed`, backup}};
  }
}

/** Changes one setting (dot path, e.g. `rotation.strategy`) through conf's atomic writer. */
export async function saveSetting(paths: CcsPaths, key: string, value: unknown): Promise<void> {
  const current = await loadSettings(paths);
  if (current.problem) throw new UserError(`${current.problem.cause}; fix it before changing settings (nothing was changed)`);
  const {default: Conf} = await import('conf');
  const path = await import('node:path');
  const conf = new Conf<Record<string, unknown>>({
    cwd: path.dirname(paths.settings),
    configName: path.basename(paths.settings, '.json'),
    projectName: 'ccs-tui',
    configFileMode: FILE_MODE,
  });
  conf.set(key, value);
}

/** Endpoint overrides for one provider. */
export function endpointOverrides(settings: TuiSettings, provider: string): Endpoints | undefined {
  return settings.endpoints[provider];
}
