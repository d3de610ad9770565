// Remote targets: CLIProxyAPI servers named in tui.json, managed through their Management API.
//
//   "targets": {"team": {"url": "https://proxy.example.com:8317",
//                        "managementKeyFile": "~/.ccs/team.key",   // or "managementKeyEnv": "TEAM_KEY"
//                        "caFile": "~/.ccs/team-ca.pem", "insecureSkipVerify": false,
//                        "allowInsecureHttp": false}}
//
// `local` (the default) is the files. The key is read here and handed only to the management
// client: it never appears in a message, a --json answer or a log line.
import {isLoopbackHost, plainHttpHost} from '../core/plain-http.js';
import {UserError} from '../core/types.js';
import {CorruptFileError, readRegularFile} from './files.js';
import {expandHome, type CcsPaths} from './paths.js';
import type {TuiSettings} from './settings.js';
import {maskedUrl, notHttpUrl, sanitizeLine} from '../core/sanitize.js';
import {shellWord} from '../core/quote.js';

export const LOCAL_TARGET = 'local';

export interface RemoteTarget {
  name: string;
  /** Base URL of the server, without a trailing slash (`https://host:8317`). */
  url: string;
  /** Where the key comes from, for messages (never the key itself). */
  keySource: string;
  readKey(): Promise<string>;
  /** PEM bundle to trust in addition to the system CAs. */
  caFile?: string;
  insecureSkipVerify: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);


/** How a JSON value is named in an error: `a string`, `an array`, `an object`, `null`. */
export const jsonKind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/** How a target's plain http:// is worded, refused or allowed: `targets.lab.url uses plain http:// to HOST: the management key …`. */
const plainHttpUse = (name: string, host: string, mood: 'would cross' | 'crosses') =>
  `targets.${sanitizeLine(name)}.url uses plain http:// to ${sanitizeLine(host)}: the management key ${mood} the network unencrypted`;

/**
 * What the TUI says where it shows a target whose `url` is plain http:// to another machine, which
 * tui.json allowed ("allowInsecureHttp": true; without it the target is refused, resolveTarget).
 */
export function plainHttpTargetNote(name: string, url: string): string | undefined {
  const host = plainHttpHost(url.trim());
  return host === undefined ? undefined : `${plainHttpUse(name, host, 'crosses')} ("allowInsecureHttp": true)`;
}

/** plainHttpTargetNote for target `name` as tui.json has it (the target picker lists targets not opened). */
export function targetPlainHttpNote(settings: TuiSettings, name: string): string | undefined {
  const raw = (settings as unknown as {targets?: unknown}).targets;
  const entry = isObject(raw) && Object.hasOwn(raw, name) ? raw[name] : undefined;
  return isObject(entry) && typeof entry.url === 'string' ? plainHttpTargetNote(name, entry.url) : undefined;
}

/** The names a person can pass to --target: `local`, then tui.json's targets. */
export function targetNames(settings: TuiSettings): string[] {
  const raw = (settings as unknown as {targets?: unknown}).targets;
  return [LOCAL_TARGET, ...(isObject(raw) ? Object.keys(raw).filter((k) => k !== LOCAL_TARGET) : [])];
}

/**
 * The refusal for a target when tui.json cannot be read (`cause`: the file and position, from
 * loadSettings): the targets are named there, so none can be opened (the defaults name none).
 */
export function unreadableTargetsError(cause: string, name: string): UserError {
  return new UserError(`${cause}; the targets are named in this file, so target "${sanitizeLine(name)}" cannot be opened until it is fixed`);
}

/**
 * The tui.json entry of a remote target's name. Throws a UserError (exit 2) for a name tui.json does
 * not have, listing the names it has; the entry's fields are checked by resolveTarget.
 */
export function requireTargetName(paths: CcsPaths, settings: TuiSettings, name: string): Record<string, unknown> {
  const raw = (settings as unknown as {targets?: unknown}).targets;
  // A field of the wrong kind is named as such: "unknown target" would send the person looking for a name.
  if (raw !== undefined && !isObject(raw)) throw new UserError(`${paths.settings}: "targets" must be an object of named servers ({"team": {"url": …}}), not ${jsonKind(raw)}`);
  const entry = isObject(raw) && Object.hasOwn(raw, name) ? raw[name] : undefined;
  if (entry !== undefined && !isObject(entry)) throw new UserError(`${paths.settings}: targets.${sanitizeLine(name)} must be an object ({"url": …, "managementKeyEnv": …}), not ${jsonKind(entry)}`);
  if (!isObject(entry)) {
    throw new UserError(`unknown target "${sanitizeLine(name)}" (targets: ${targetNames(settings).join(', ')}; add one under "targets" in ${paths.settings})`, 2);
  }
  return entry;
}

/**
 * Resolves a target name from tui.json. Throws a UserError naming `targets.<name>.<field>` for a
 * bad entry: an unknown name, a missing url or key source, plain http to a non-loopback host
 * without `allowInsecureHttp`.
 */
export function resolveTarget(paths: CcsPaths, settings: TuiSettings, name: string, env: NodeJS.ProcessEnv): RemoteTarget {
  const where = `${paths.settings}: targets.${sanitizeLine(name)}`;
  const entry = requireTargetName(paths, settings, name);
  // A field of the wrong kind is named as such, not taken as missing (or as false).
  for (const field of ['url', 'managementKeyFile', 'managementKeyEnv', 'caFile']) {
    if (Object.hasOwn(entry, field) && typeof entry[field] !== 'string') throw new UserError(`${where}.${field} must be a string, not ${jsonKind(entry[field])}`);
  }
  if (Object.hasOwn(entry, 'allowInsecureHttp') && typeof entry.allowInsecureHttp !== 'boolean') throw new UserError(`${where}.allowInsecureHttp must be true or false, not ${jsonKind(entry.allowInsecureHttp)}`);
  if (typeof entry.url !== 'string' || entry.url.trim() === '') throw new UserError(`${where}.url is missing (e.g. "https://proxy.example.com:8317")`);
  // A management key put in `url` is never shown whole (notHttpUrl).
  const notUrl = notHttpUrl(entry.url, `"allowInsecureHttp": true in targets.${sanitizeLine(name)}`);
  if (notUrl) throw new UserError(`${where}.url ${notUrl}`);
  const url = new URL(entry.url.trim());
  if (url.username || url.password) throw new UserError(`${where}.url must not contain credentials; use managementKeyFile or managementKeyEnv`);
  // The management path is appended to the URL: after a query it would be the query's (a token in
  // it, `?access_token=…`, would go to the server in every request and be shown in every error).
  if (/[?#]/.test(entry.url)) {
    throw new UserError(`${where}.url must not have a query or fragment (${sanitizeLine(maskedUrl(entry.url.trim()))}): give the server's address, e.g. "https://proxy.example.com:8317", and the key in managementKeyFile or managementKeyEnv`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && entry.allowInsecureHttp !== true) {
    throw new UserError(
      `${paths.settings}: ${plainHttpUse(name, url.hostname, 'would cross')}. ` +
        `Use https://, or set "allowInsecureHttp": true in targets.${sanitizeLine(name)} if you accept that`,
    );
  }
  const keyFile = typeof entry.managementKeyFile === 'string' ? expandHome(entry.managementKeyFile, env) : undefined;
  const keyEnv = typeof entry.managementKeyEnv === 'string' ? entry.managementKeyEnv : undefined;
  if (!keyFile && !keyEnv) throw new UserError(`${where} needs "managementKeyFile" (a 0600 file) or "managementKeyEnv" (an environment variable name)`);
  const caFile = typeof entry.caFile === 'string' ? expandHome(entry.caFile, env) : undefined;
  return {
    name,
    url: url.toString().replace(/\/+$/, ''),
    keySource: keyFile ? `key file ${keyFile}` : `$${keyEnv}`,
    caFile,
    insecureSkipVerify: entry.insecureSkipVerify === true,
    async readKey() {
      if (keyFile) return readKeyFile(keyFile, `${where}.managementKeyFile`);
      const value = env[keyEnv!]?.trim();
      if (!value) throw new UserError(`$${keyEnv} is empty or not set (${where}.managementKeyEnv)`);
      refuseKeyControls(value, `$${keyEnv}`, `${where}.managementKeyEnv`);
      return value;
    },
  };
}

/** Reads a key file, refusing one that others can read (the key is the server's admin password). */
async function readKeyFile(file: string, field: string): Promise<string> {
  // Non-blocking regular-file read: a FIFO or a directory is refused by name, never waited on.
  let read;
  try {
    read = await readRegularFile(file);
  } catch (error) {
    if (error instanceof CorruptFileError) throw new UserError(`${error.message} (${field})`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code ?? 'cannot read'} (${field})`);
  }
  if (!read) throw new UserError(`${file}: no such file (${field})`);
  if (process.platform !== 'win32' && (read.mode & 0o077) !== 0) {
    throw new UserError(`${file}: the management key file is readable by others (mode ${read.mode.toString(8)}); run: chmod 600 ${shellWord(file)}`);
  }
  const key = read.text.trim();
  if (!key) throw new UserError(`${file}: the management key file is empty (${field})`);
  refuseKeyControls(key, file, field, '; put the key alone on one line');
  return key;
}

/**
 * A key with a line break or another control character inside cannot be a header value: sent, the
 * HTTP client refuses it as if the server could not be reached. Said here, naming where it came from.
 */
function refuseKeyControls(key: string, source: string, field: string, hint = ''): void {
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new UserError(`${source}: the management key holds a line break or another control character (${field})${hint}`);
}
