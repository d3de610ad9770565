// ccs-tui's own settings, `tui.json` in the CCS dir, kept with `conf` (atomic writes) under its lock.
// A broken tui.json (invalid JSON) is reported with its position and left as it is; ccs-tui then runs
// on defaults, except where a credential would leave the machine (the rule below, `endpointOverrides`).
// A setting of the wrong kind (SETTINGS_SHAPE) is said and read as its default; an endpoint override of
// the wrong kind refuses its provider where it is used.
import {setOwn} from '../core/id-map.js';
import {plainHttpHost} from '../core/plain-http.js';
import {quoted, sanitizeLine} from '../core/sanitize.js';
import {ROTATION_STRATEGIES, type RotationStrategy} from '../core/rotation.js';
import {UserError} from '../core/types.js';
import type {Endpoints} from '../providers/table.js';
import {describeUserError} from './errors.js';
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
  theme: (typeof THEMES)[number];
}

const THEMES = ['auto', 'dark', 'light'] as const;

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

/** The warning about settings of the wrong kind read as their defaults (settingsFromText), kept as UNREADABLE is. */
const WRONG = Symbol('tui.json settings of the wrong kind');

/** What settingsFromText said of settings of the wrong kind (each read as its default), or undefined: the TUI's banner lists it. */
export const wrongSettingsWarning = (settings: TuiSettings): string | undefined => (settings as TuiSettings & {[WRONG]?: string})[WRONG];

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
  constructor(
    readonly why: string,
    consequence = UNREADABLE_SETTINGS_CONSEQUENCE,
  ) {
    super(`${why}; ${consequence}`);
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

/**
 * What each setting must be. Settings not named here (agents, targets: their readers check them
 * where they are used, services/agents/launch.ts and store/targets.ts) and unknown keys at any level
 * are not checked: they are kept as they are (a newer version's setting, a note of the user's).
 */
type Shape =
  | {kind: 'object'; fields: Readonly<Record<string, Shape>>}
  /** Named entries (per provider), each of shape `of`. */
  | {kind: 'record'; of: Shape}
  | {kind: 'number'; what: string; valid: (n: number) => boolean}
  | {kind: 'string'}
  | {kind: 'boolean'}
  | {kind: 'enum'; values: readonly string[]}
  /** Anything: checked elsewhere (endpoints' entries). */
  | {kind: 'any'};

/** An object's shape, one field for each of T's (the compiler holds this to TuiSettings). */
const object = <T>(fields: {[K in keyof T]-?: Shape}): Shape => ({kind: 'object', fields});
const seconds: Shape = {kind: 'number', what: 'a number of seconds above 0', valid: (n) => Number.isFinite(n) && n > 0};
/** refresh.*: 0 is the default, as its readers have always taken it (store/grant-lock.ts). */
const secondsOrDefault: Shape = {kind: 'number', what: 'a number of seconds (0: the default)', valid: (n) => Number.isFinite(n) && n >= 0};
const percent: Shape = {kind: 'number', what: 'a percentage, 0-100', valid: (n) => n >= 0 && n <= 100};
const port: Shape = {kind: 'number', what: 'a port number, 1-65535', valid: (n) => Number.isInteger(n) && n >= 1 && n <= 65535};
const url: Shape = {kind: 'string'};

/** One provider's endpoint overrides (`endpoints.<provider>`): checked where they are used (endpointOverrides). */
const ENDPOINTS_SHAPE: Shape = object<Required<Endpoints> & {allowInsecureHttp: boolean}>({
  authorize: url,
  token: url,
  device: url,
  discovery: url,
  userinfo: url,
  usage: url,
  api: url,
  allowInsecureHttp: {kind: 'boolean'},
});

/**
 * The shape tui.json's settings must have (DEFAULT_SETTINGS has it). `endpoints` holds one entry per
 * provider, and notes beside them (`"_comment"`) are the user's: an entry is checked when its
 * provider's credentials are about to be sent (endpointOverrides), and then refuses that provider alone.
 */
export const SETTINGS_SHAPE: Shape = object<TuiSettings>({
  endpoints: {kind: 'record', of: {kind: 'any'}},
  rotation: object<TuiSettings['rotation']>({strategy: {kind: 'enum', values: ROTATION_STRATEGIES}}),
  quota: object<TuiSettings['quota']>({pollSeconds: seconds, fastPollSeconds: seconds, fastPollAbovePct: percent, staleAfterSeconds: seconds}),
  login: object<TuiSettings['login']>({callbackPorts: {kind: 'record', of: port}, clientIds: {kind: 'record', of: {kind: 'string'}}}),
  proxy: object<TuiSettings['proxy']>({useCliproxyBinary: {kind: 'boolean'}}),
  refresh: object<TuiSettings['refresh']>({timeoutSeconds: secondsOrDefault, lockStaleSeconds: secondsOrDefault}),
  // Not read yet (README): any text is kept as it is.
  theme: {kind: 'string'},
});

/**
 * A value from the file as an error quotes it: `"roundrobin"`, `5`, `null`, `an object`. A long
 * string is not quoted (a key or token put in the wrong place would be printed): its length is said.
 */
function described(value: unknown): string {
  if (typeof value === 'string') return value.length <= 40 ? quoted(value) : `a string of ${value.length} characters`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/**
 * What is wrong with `value` against `shape`, one line per wrong setting: `"quota.pollSeconds" must
 * be a number of seconds above 0 (it is "300")`. Only own keys are looked at, so a key named like
 * Object's members (`constructor`, `toString`, `__proto__`) is an unknown key like any other.
 */
export function settingsProblems(shape: Shape, value: unknown, where = ''): string[] {
  return wrongSettings(shape, value, []).map(({text}) => text);
}

/** A setting of the wrong kind: where it is (its keys from the top) and what is wrong, as settingsProblems words it. */
interface WrongSetting {
  keys: string[];
  text: string;
}

function wrongSettings(shape: Shape, value: unknown, keys: string[]): WrongSetting[] {
  const where = keys.map(sanitizeLine).join('.');
  const wrong = (what: string) => [{keys, text: `${quoted(where)} must be ${what} (it is ${described(value)})`}];
  // null is "not set": the default, as for a setting left out; never where a credential's
  // destination is decided (an endpoint override), where it is a value of the wrong kind.
  if (value === null && keys.length > 0 && keys[0] !== 'endpoints') return [];
  switch (shape.kind) {
    case 'any':
      return [];
    case 'object':
      if (!isObject(value)) return keys.length === 0 ? [{keys, text: `the settings must be a JSON object (it is ${described(value)})`}] : wrong('an object');
      return Object.entries(shape.fields).flatMap(([key, field]) => (Object.hasOwn(value, key) ? wrongSettings(field, value[key], [...keys, key]) : []));
    case 'record':
      if (!isObject(value)) return wrong('an object');
      return Object.keys(value).flatMap((key) => wrongSettings(shape.of, value[key], [...keys, key]));
    case 'number':
      // A number written as text ("300") is read as that number, as the readers always have.
      return (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')) && shape.valid(Number(value)) ? [] : wrong(shape.what);
    case 'string':
      return typeof value === 'string' ? [] : wrong('a string');
    case 'boolean':
      return typeof value === 'boolean' ? [] : wrong('true or false');
    case 'enum':
      return typeof value === 'string' && shape.values.includes(value) ? [] : wrong(`one of ${shape.values.join(', ')}`);
    default: {
      const unknown: never = shape;
      throw new Error(`no check for setting shape ${JSON.stringify(unknown)}`);
    }
  }
}

/** `data` without the settings of `wrong` (a copy where one is taken out; null ones too: not set). */
function withoutSettings(data: Record<string, unknown>, wrong: readonly WrongSetting[]): Record<string, unknown> {
  const out = dropNulls(data) as Record<string, unknown>;
  // `endpoints` of the wrong kind stays: every provider is then refused (endpointOverrides), never sent to its public host.
  for (const {keys} of wrong.filter(({keys}) => keys[0] !== 'endpoints')) {
    let node: Record<string, unknown> | undefined = out;
    for (const key of keys.slice(0, -1)) node = isObject(node?.[key]) ? (node[key] as Record<string, unknown>) : undefined;
    if (node && keys.length > 0) delete node[keys.at(-1)!];
  }
  return out;
}

/**
 * A deep copy of a JSON object without the keys whose value is null (not set: the default), and each
 * number written as text (checked by wrongSettings) as the number it reads as, so every reader gets a
 * number (a callback port "1455.0" made a redirect to `localhost:1455.0`). Own keys only, so
 * `__proto__` stays data.
 */
function dropNulls(value: unknown, shape: Shape | undefined = SETTINGS_SHAPE): unknown {
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = shape?.kind === 'object' ? (Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined) : shape?.kind === 'record' ? shape.of : undefined;
    // The endpoints are kept as written, nulls too: endpointOverrides refuses what is not a URL.
    if (shape === SETTINGS_SHAPE && key === 'endpoints') setOwn(out, key, v);
    else if (v !== null) setOwn(out, key, field?.kind === 'number' && typeof v === 'string' ? Number(v) : dropNulls(v, field));
  }
  return out;
}

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
  return (await readSettings(paths, report)) ?? {settings: DEFAULT_SETTINGS};
}

/** tui.json's settings as loadSettings reads them; undefined when there is no file. */
async function readSettings(paths: CcsPaths, report: boolean): Promise<LoadedSettings | undefined> {
  let text: string | undefined;
  try {
    text = await readTextIfExists(paths.settings);
  } catch (error) {
    // Not read at all (a directory, no permission, a file where a directory is in its path): as
    // broken as a file that does not parse, and said the same way. The TUI stopped on it.
    const cause = error instanceof CorruptFileError ? error.message : describeUserError(error)?.text;
    if (cause === undefined) throw error;
    return unreadableSettings(paths, cause, report);
  }
  return text === undefined ? undefined : settingsFromText(paths, text, report);
}

/** The defaults, marked unreadable (no token is sent: endpointOverrides), with `cause` said as the problem. */
function unreadableSettings(paths: CcsPaths, cause: string, report: boolean, backup?: string): LoadedSettings {
  const message = `${cause}; ${UNREADABLE_SETTINGS_CONSEQUENCE}, other settings are the defaults`;
  if (report) reportSettingsProblem(message);
  return {settings: {...DEFAULT_SETTINGS, [UNREADABLE]: cause} as TuiSettings, problem: {file: paths.settings, cause, message, ...(backup ? {backup} : {})}};
}

/** tui.json's settings from its text (`text`, as read from paths.settings); loadSettings says the rest. */
async function settingsFromText(paths: CcsPaths, text: string, report: boolean): Promise<LoadedSettings> {
  try {
    const data = parseJsonFile(paths.settings, text);
    if (!isObject(data)) throw new CorruptFileError(paths.settings, 'expected a JSON object at the top level');
    // A setting of the wrong kind (an object where a number goes, an unknown strategy) is said, and
    // that setting alone is its default: the rest of the file holds (endpoints: endpointOverrides).
    // `endpoints` of the wrong kind is said where it is used, refusing every provider (endpointOverrides).
    const wrong = wrongSettings(SETTINGS_SHAPE, data, []).filter(({keys}) => keys[0] !== 'endpoints');
    const warning = wrong.length === 0 ? undefined : `${paths.settings}: ${wrong.map(({text}) => text).join('; ')}; ${wrong.length === 1 ? 'that setting is its default' : 'those settings are their defaults'}`;
    if (warning && report) reportSettingsWarning(warning);
    return {settings: {...merge(DEFAULT_SETTINGS, withoutSettings(data, wrong)), [SOURCE]: paths.settings, ...(warning ? {[WRONG]: warning} : {})} as TuiSettings};
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    const backup = await backupCorruptFile(paths.settings).catch(() => undefined);
    return unreadableSettings(paths, error.message, report, backup);
  }
}

/**
 * For a reader that started on a broken tui.json and waits for its fix (the proxy): each call reads
 * the file again when it changed since the last call (size, mtime, inode) and returns its settings:
 * the fixed ones once it parses, or while it is still broken the unreadable ones with its fault as
 * it is now (settingsUnreadable: another line and column after another bad edit); undefined while
 * it is missing or unchanged. A missing file is no fix (unlike at start, where it reads as the
 * defaults): an editor that saves by renaming the old file away and writing the new one (vim)
 * leaves a moment without it, and taking the defaults then would send tokens to the default hosts
 * the file being saved overrides. Not reported again: the reader said the problem once.
 */
export function settingsWhenChanged(paths: CcsPaths): () => Promise<TuiSettings | undefined> {
  let stamp: string | undefined;
  return async () => {
    const {stat} = await import('node:fs/promises');
    const next = await stat(paths.settings).then(
      (s) => fileStamp(s),
      () => undefined,
    );
    if (next === undefined || next === stamp) return undefined;
    stamp = next;
    // Removed since the stat: as above. One that cannot be read at all (now a directory) is as
    // broken as one that does not parse, and said so.
    return (await readSettings(paths, false))?.settings;
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
    // The file as it would be after the change must still be one this reader takes.
    const next: unknown = read === undefined ? {} : parseJsonFile(paths.settings, read.text);
    let node = next as Record<string, unknown>;
    const parts = key.split('.');
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(node, part) || !isObject(node[part])) setOwn(node, part, {});
      node = node[part] as Record<string, unknown>;
    }
    setOwn(node, parts.at(-1)!, value);
    const wrong = settingsProblems(SETTINGS_SHAPE, next);
    if (wrong.length > 0) throw new UserError(`${paths.settings}: ${wrong.join('; ')}; nothing was changed`);
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
  const file = (settings as TuiSettings & {[SOURCE]?: string})[SOURCE] ?? 'tui.json';
  const refused = (why: string) =>
    new SettingsUnreadableError(
      `${file}: ${why}`,
      `no token is sent to ${sanitizeLine(provider)} until it is fixed (where its endpoint overrides point is unknown): its quota reads, token refreshes, live model lists, logins and proxy requests wait`,
    );
  if (!isObject(settings.endpoints)) throw refused(`"endpoints" must be an object (it is ${described(settings.endpoints)})`);
  const overrides = Object.hasOwn(settings.endpoints, provider) ? settings.endpoints[provider] : undefined;
  if (overrides === undefined) return undefined;
  if (!isObject(overrides)) throw refused(`"endpoints.${sanitizeLine(provider)}" must be an object (it is ${described(overrides)})`);
  // Where this provider's credentials go: an entry of the wrong kind refuses the provider (never its public host instead).
  let checked = checkedOverrides.get(overrides);
  if (checked?.provider !== provider) {
    checked = {provider, wrong: wrongSettings(ENDPOINTS_SHAPE, overrides, ['endpoints', provider])};
    checkedOverrides.set(overrides, checked);
    if (checked.wrong.length === 0) for (const warning of plainHttpWarnings(settings, provider)) reportSettingsWarning(warning);
  }
  if (checked.wrong.length > 0) throw refused(checked.wrong.map(({text}) => text).join('; '));
  return overrides;
}

/**
 * tui.json's endpoints.<provider>.api, trimmed, when set: it replaces every account's base URL (the
 * adapters' apiOverride). Undefined when not set, or when tui.json refuses the provider's overrides.
 */
export function apiOverrideOf(settings: TuiSettings, provider: string): string | undefined {
  try {
    const api = endpointOverrides(settings, provider)?.api;
    return typeof api === 'string' && api.trim() ? api.trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Each overrides object's check, made once: the proxy asks on every request (a URL parse each for the
 * plain http:// warning was ~5 % of its CPU, the shape check ~10 % more: issue 14). Settings are
 * never changed in place (a changed tui.json is read into new objects), so an object's check holds.
 */
const checkedOverrides = new WeakMap<object, {provider: string; wrong: readonly WrongSetting[]}>();

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
