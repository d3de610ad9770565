// Files that hold secrets and must be private (0600): token files, and config.yaml once it holds
// `api-keys` (the proxy's client keys). One warning, in one wording, for each such file that group
// or others may read. Every read of such a file (a token file, config.yaml with api-keys) reports it
// here (reportExposedSecret), and the command line prints each once as a warning, whichever command
// read it; the store's load also lists them as problems (TUI banner / M, the proxy's log warnings).
// tui.json holds no secret (a target's management key is in a key file, refused when not 0600, or in
// an environment variable), nor do accounts.json (names, emails, dates). tui/proxy.json holds a
// start's nonce, but only ours write it, 0600 (services/proxy/pid-file.ts): not warned of here.
import fs from 'node:fs/promises';
import {exposedMode} from './files.js';

let listener: ((message: string) => void) | undefined;
const said = new Set<string>();

/** The command line's warning printer (cli/run.ts), for the rest of the process; none in the TUI (its banner says them). */
export function onExposedSecret(report: (message: string) => void): void {
  listener = report;
  said.clear();
}

/** Whether `message` was already printed through the listener (a command listing its load's problems skips it). */
export function exposedSecretSaid(message: string): boolean {
  return said.has(message);
}

/** Tells the listener of a secret file others may read (`mode`: its permission bits), once per message; returns the warning, if any. */
export function reportExposedSecret(file: string, mode: number, what?: string): string | undefined {
  const warning = exposedSecretWarning(file, mode, what);
  if (warning && listener && !said.has(warning)) {
    said.add(warning);
    listener(warning);
  }
  return warning;
}

/** The warning for a secret file readable by group or others (`mode`: its permission bits), else undefined. */
export function exposedSecretWarning(file: string, mode: number, what = 'secrets'): string | undefined {
  const exposed = exposedMode(mode);
  return exposed && `${file}: ${exposed}; it holds ${what} and is rewritten 0600 on its next write (or now: chmod 600 ${file})`;
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

/** The warning for config.yaml (`file`) when it holds api-keys and group or others may read it; undefined otherwise or when it is missing. */
export async function exposedConfigWarning(file: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await fs.stat(file)).mode & 0o777;
  } catch {
    return undefined;
  }
  if (!exposedMode(mode)) return undefined;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return (await holdsApiKeys(text)) ? reportExposedSecret(file, mode, CONFIG_SECRETS) : undefined;
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
