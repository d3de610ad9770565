// Files that hold secrets and must be private (0600): token files, config.yaml once it holds
// `api-keys` (the proxy's client keys), and tui/proxy.json once it holds a built-in proxy's nonce (the
// secret the proxy proves before anyone sends it the API key; written 0600 by the proxy, so only a
// chmod loosens it). One warning, in one wording, for each such file that group or others may read.
// Every read of such a file reports it here (reportExposedSecret), and the command line prints each
// once as a warning, whichever command read it; the store's load also lists them as problems (TUI
// banner / M, the proxy's log warnings). tui.json holds no secret (a target's management key is in a
// key file, refused when not 0600, or in an environment variable), nor does accounts.json (names,
// emails, dates).
import {statSync} from 'node:fs';
import fs from 'node:fs/promises';
import {exposedMode} from './files.js';
import {sayOnce} from './say-once.js';
import {shellWord} from '../core/quote.js';

const channel = sayOnce();

/**
 * The command line's warning printer (cli/run.ts), for the rest of the process; none in the TUI (its
 * banner says them). A proxy takes the channel over to say them as its own warnings (proxy/serve.ts);
 * returns the printer it replaces.
 */
export const onExposedSecret = (report: (message: string) => void) => channel.listen(report);

/** Whether `message` was already printed through the listener (a command listing its load's problems skips it). */
export const exposedSecretSaid = (message: string): boolean => channel.said(message);

/** Tells the listener of a secret file others may read (`mode`: its permission bits), once per message; returns the warning, if any. */
export function reportExposedSecret(file: string, mode: number, what?: string): string | undefined {
  const warning = exposedSecretWarning(file, mode, what);
  if (warning) channel.say(warning);
  return warning;
}

/** The warning for a secret file readable by group or others (`mode`: its permission bits), else undefined. */
export function exposedSecretWarning(file: string, mode: number, what = 'secrets'): string | undefined {
  const exposed = exposedMode(mode);
  return exposed && `${file}: ${exposed}; it holds ${what} and is rewritten 0600 on its next write (or now: chmod 600 ${shellWord(file)})`;
}

/** What config.yaml holds, in its warning. */
export const CONFIG_SECRETS = 'api-keys (secrets)';

/**
 * Whether config.yaml text lists at least one api key (`api-keys: [k]` or a block list). Read from
 * the text, without the YAML parser: the store's every load checks it, and only a file found
 * readable by others is read at all.
 */
export function configHoldsApiKeys(text: string): boolean {
  return /^api-keys[ \t]*:[ \t]*(?:\[[ \t]*[^\]\s]|(?:#.*)?\r?\n(?:[ \t]*(?:#.*)?\r?\n)*[ \t]*-[ \t]*\S)/m.test(text);
}

/** What tui/proxy.json holds, in its warning. */
export const PROXY_RECORD_SECRETS = "the proxy's nonce (a secret: it proves the proxy before the API key is sent to it)";

/** Whether tui/proxy.json's text (services/proxy/pid-file.ts ProxyPidFile) holds a nonce; a record of the CLIProxyAPI binary has none. */
export function proxyRecordHoldsNonce(text: string): boolean {
  try {
    const record = JSON.parse(text) as {nonce?: unknown} | null;
    return typeof record?.nonce === 'string' && record.nonce !== '';
  } catch {
    return false;
  }
}

/**
 * The warning for a file whose text may hold secrets (`holds` says whether it does: `what` they are)
 * when group or others may read it; undefined otherwise or when it is missing. The text is read only
 * when the mode is loose.
 */
async function exposedFileWarning(file: string, holds: (text: string) => boolean | Promise<boolean>, what: string): Promise<string | undefined> {
  let mode: number;
  try {
    // Synchronous, as the store's other reads (files.ts): every full account read looks at both
    // files, and an fs/promises stat waits for a thread of the pool (the TUI's first frame waited).
    mode = statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  if (!exposedMode(mode)) return undefined;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return (await holds(text)) ? reportExposedSecret(file, mode, what) : undefined;
}

/**
 * Whether config.yaml `text` lists an api key: configHoldsApiKeys, else, when the text names
 * `api-keys` at all, the file as CLIProxyAPI reads it (a flow list over several lines, a quoted key,
 * an anchor or a `<<` merge are api-keys too). A file that does not parse is said by its readers.
 */
async function holdsApiKeys(text: string): Promise<boolean> {
  if (configHoldsApiKeys(text)) return true;
  if (!text.includes('api-keys')) return false;
  // Loaded only here: a file others may read, whose quick look said no. `<<` merges as
  // store/cliproxy-config.ts reads them (which imports this file, so its parser is not used).
  const {parse} = await import('yaml');
  try {
    const keys = (parse(text, {merge: true, maxAliasCount: 1000}) as Record<string, unknown> | null)?.['api-keys'];
    return Array.isArray(keys) && keys.length > 0;
  } catch {
    return false;
  }
}

/** The warning for config.yaml (`file`) when it holds api-keys and group or others may read it; undefined otherwise or when it is missing. */
export const exposedConfigWarning = (file: string) => exposedFileWarning(file, holdsApiKeys, CONFIG_SECRETS);

/** The warning for tui/proxy.json (`file`) when it holds a nonce and group or others may read it; undefined otherwise or when it is missing. */
export const exposedProxyRecordWarning = (file: string) => exposedFileWarning(file, proxyRecordHoldsNonce, PROXY_RECORD_SECRETS);
