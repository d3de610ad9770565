// ccs-tui's own settings, `tui.json` in the CCS dir, kept with `conf` (atomic writes) under its lock.
// A broken tui.json is reported with its position and left as it is; ccs-tui then runs on defaults,
// except where a credential would leave the machine (the rule below, `endpointOverrides`).
import {setOwn} from '../core/id-map.js';
import {plainHttpHost} from '../core/plain-http.js';
import {sanitizeLine} from '../core/sanitize.js';
import type {RotationStrategy} from '../core/rotation.js';
import {UserError} from '../core/types.js';
import type {Endpoints} from '../providers/table.js';
import {backupCorruptFile, CorruptFileError, FILE_MODE, parseJsonFile, readTextIfExists} from './files.js';
import {withFileLock} from './file-lock.js';
import {fileStamp} from './file-stamp.js';
import type {CcsPaths} from './paths.js';
import {reportSettingsProblem, reportSettingsWarning} from './settings-report.js';

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

/**
 * Marks settings read from a broken tui.json. A symbol, not a field: no JSON can set it, and copies
 * made with spread keep it.
 */
const UNREADABLE = Symbol('tui.json unreadable');

/** The file settings were read from (for warnings that name it), kept as UNREADABLE is. */
const SOURCE = Symbol('tui.json path');

/**
 * What waits while tui.json cannot be read, said once for every surface. The rule: tui.json may
 * override any provider's endpoints (a company gateway instead of the public host), so while it
 * cannot be read no credential is sent to any provider endpoint (quota reads, token refreshes, live
 * model lists, logins, the proxy's upstream requests); they wait until the file is fixed.
 */
export const UNREADABLE_SETTINGS_CONSEQUENCE =
  'no token is sent to any provider until it is fixed (its endpoint overrides are unknown): quota reads, token refreshes, live model lists, logins and the proxy wait';

/** Thrown by `endpointOverrides` for settings read from a broken tui.json (see the rule above). */
export class SettingsUnreadableError extends UserError {
  constructor(readonly why: string) {
    super(`${why}; ${UNREADABLE_SETTINGS_CONSEQUENCE}`);
    this.name = 'SettingsUnreadableError';
  }
}

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
  for (const [key, v] of Object.entries(value)) setOwn(out, key, Object.hasOwn(out, key) ? merge(out[key], v) : v);
  return out as T;
}

/**
 * Reads tui.json without loading `conf` (the read path of every command must stay fast). A broken
 * file is reported (store/settings-report.ts) unless `report` is false: a caller that stops on it
 * says the cause with its own consequence instead.
 */
export async function loadSettings(paths: CcsPaths, {report = true}: {report?: boolean} = {}): Promise<LoadedSettings> {
  const text = await readTextIfExists(paths.settings);
  return text === undefined ? {settings: DEFAULT_SETTINGS} : settingsFromText(paths, text, report);
}

/** tui.json's settings from its text (`text`, as read from paths.settings); loadSettings says the rest. */
async function settingsFromText(paths: CcsPaths, text: string, report: boolean): Promise<LoadedSettings> {
  try {
    const data = parseJsonFile(paths.settings, text);
    if (!isObject(data)) throw new CorruptFileError(paths.settings, 'expected a JSON object at the top level');
    return {settings: {...merge(DEFAULT_SETTINGS, data), [SOURCE]: paths.settings} as TuiSettings};
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const backup = await backupCorruptFile(paths.settings).catch(() => undefined);
    const message = `${error.message}; ${UNREADABLE_SETTINGS_CONSEQUENCE}, other settings are the defaults`;
    if (report) reportSettingsProblem(message);
    return {settings: {...DEFAULT_SETTINGS, [UNREADABLE]: error.message} as TuiSettings, problem: {file: paths.settings, cause: error.message, message, backup}};
  }
}

/**
 * For a reader that started on a broken tui.json and waits for its fix (the proxy): each call reads
 * the file again when it changed since the last call (size, mtime, inode) and returns its settings
 * once it parses; undefined while it is still broken, missing or unchanged. A missing file is no
 * fix (unlike at start, where it reads as the defaults): an editor that saves by renaming the old
 * file away and writing the new one (vim) leaves a moment without it, and taking the defaults then
 * would send tokens to the default hosts the file being saved overrides. Not reported again: the
 * reader said the problem once.
 */
export function settingsOnceFixed(paths: CcsPaths): () => Promise<TuiSettings | undefined> {
  let stamp: string | undefined;
  return async () => {
    const {stat} = await import('node:fs/promises');
    const next = await stat(paths.settings).then(
      (s) => fileStamp(s),
      () => undefined,
    );
    if (next === undefined || next === stamp) return undefined;
    stamp = next;
    const text = await readTextIfExists(paths.settings);
    if (text === undefined) return undefined; // removed since the stat: as above
    const {settings} = await settingsFromText(paths, text, false);
    return settingsUnreadable(settings) === undefined ? settings : undefined;
  };
}

/**
 * Changes one setting (dot path, e.g. `rotation.strategy`) through conf's atomic writer, under
 * tui.json's lock (file-lock.ts): conf reads the file, sets the key and writes it back, its write
 * made only while the lock is still ours and the file the one read under it; else nothing is
 * written and the change is made again on what is there now (a setting another process saved
 * meanwhile is kept). Other keys stay as they are.
 */
export async function saveSetting(paths: CcsPaths, key: string, value: unknown): Promise<void> {
  const {default: Conf} = await import('conf');
  const path = await import('node:path');
  await withFileLock(paths.settings, async (lock) => {
    const read = await lock.read(paths.settings);
    const current = read === undefined ? undefined : await settingsFromText(paths, read.text, false);
    if (current?.problem) throw new UserError(`${current.problem.cause}; fix it before changing settings (nothing was changed)`);
    const conf = new Conf<Record<string, unknown>>({
      cwd: path.dirname(paths.settings),
      configName: path.basename(paths.settings, '.json'),
      projectName: 'ccs-tui',
      configFileMode: FILE_MODE,
      // conf's last step before its write (after its own read): the lock's check, which throws out of
      // conf.set when the write must not be made. The text is conf's own format.
      serialize: (store) => {
        lock.verify(paths.settings, read);
        return JSON.stringify(store, undefined, '\t');
      },
    });
    conf.set(key, value);
  });
}

/** Why these settings may not be used to reach a provider (tui.json broken), or undefined. */
export function settingsUnreadable(settings: TuiSettings): string | undefined {
  return (settings as TuiSettings & {[UNREADABLE]?: string})[UNREADABLE];
}

/**
 * Endpoint overrides for one provider: the one way to the endpoints a credential is sent to.
 * Throws SettingsUnreadableError when tui.json is broken (its overrides are unknown, so the default
 * public host may be exactly where the user does not want tokens to go).
 */
export function endpointOverrides(settings: TuiSettings, provider: string): Endpoints | undefined {
  const unreadable = settingsUnreadable(settings);
  if (unreadable !== undefined) throw new SettingsUnreadableError(unreadable);
  const overrides = Object.hasOwn(settings.endpoints, provider) ? settings.endpoints[provider] : undefined;
  if (overrides !== undefined && isObject(overrides) && !warnedOverrides.has(overrides)) {
    warnedOverrides.add(overrides);
    for (const warning of plainHttpWarnings(settings, provider)) reportSettingsWarning(warning);
  }
  return overrides;
}

/** Overrides already looked at for plain http:// (the proxy asks on every request: a URL parse each was ~5 % of its CPU). */
const warnedOverrides = new WeakSet<object>();

/**
 * The warning for each override that is plain http:// to another machine: the tokens and keys sent
 * there cross the network unencrypted. Used as given all the same (DESIGN "Endpoint overrides");
 * `"allowInsecureHttp": true` beside them says it is meant. The command line says each once when an
 * override is used (endpointOverrides, store/settings-report.ts); the TUI lists them in its banner
 * (every provider's when `provider` is not given). One wording for both.
 */
export function plainHttpWarnings(settings: TuiSettings, provider?: string): string[] {
  if (settingsUnreadable(settings) !== undefined || !isObject(settings.endpoints)) return [];
  const file = (settings as TuiSettings & {[SOURCE]?: string})[SOURCE] ?? 'tui.json';
  const providers = provider === undefined ? Object.keys(settings.endpoints) : Object.hasOwn(settings.endpoints, provider) ? [provider] : [];
  return providers.flatMap((id) => {
    const overrides: unknown = settings.endpoints[id];
    if (!isObject(overrides) || overrides.allowInsecureHttp === true) return [];
    return Object.entries(overrides).flatMap(([name, url]) => {
      const host = typeof url === 'string' ? plainHttpHost(url) : undefined;
      return host === undefined
        ? []
        : [
            `${file}: endpoints.${sanitizeLine(id)}.${sanitizeLine(name)} is plain http:// to ${sanitizeLine(host)}: the credentials sent there cross the network unencrypted; ` +
              `use https://, or set "allowInsecureHttp": true in endpoints.${sanitizeLine(id)} if you accept that`,
          ];
    });
  });
}
