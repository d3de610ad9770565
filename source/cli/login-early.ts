// What `login` knows before anything slow loads: its flags, the way it logs in to a provider, and
// so whether it will read a secret (an API key, a service-account key's JSON) on this terminal. For
// such a login the binary turns the terminal's echo off as the process starts (cli/main.ts,
// cli/stdin.ts holdTerminalInput): a key pasted right after Enter is otherwise drawn in full while
// the command is still loading. Light on purpose: the provider table and node:util only.
import {parseArgs} from 'node:util';
import {UserError} from '../core/types.js';
import {findProvider} from '../providers/table.js';
import type {LoginFlow, ProviderRow} from '../providers/types.js';
import {holdTerminalInput, interruptAsTerminal} from './stdin.js';

/** `login`'s flags (node:util parseArgs form). */
export const LOGIN_OPTIONS = {
  nickname: {type: 'string'},
  'no-browser': {type: 'boolean'},
  paste: {type: 'boolean'},
  device: {type: 'boolean'},
  port: {type: 'string'},
  'base-url': {type: 'string'},
  'allow-insecure-http': {type: 'boolean'},
  'key-file': {type: 'string'},
  json: {type: 'boolean'},
} as const;

/** How `login` logs in to `row`: a device code when --device asks for one, else the provider's first way. */
export function loginMethod(row: ProviderRow, device: boolean): LoginFlow['kind'] | undefined {
  return device ? 'device' : row.logins[0]?.kind;
}

/** What a login cancelled by Ctrl-C says (exit 130, as a shell reports a command ended by SIGINT). */
export const LOGIN_CANCELLED = 'login cancelled; no account stored';

/** The error a cancelled login ends with (the command line prints it and exits 130). */
export const loginCancelled = (detail = LOGIN_CANCELLED) => new UserError(detail, 130);

/** Whether `login <args>` reads a secret from stdin: an API key, or a key file's JSON when --key-file names none. */
export function loginReadsSecret(args: readonly string[]): boolean {
  let parsed;
  try {
    parsed = parseArgs({args: [...args], options: LOGIN_OPTIONS, allowPositionals: true, strict: false});
  } catch {
    return false;
  }
  const {values, positionals} = parsed;
  if (values.help || values.h || values['key-file'] || args.some((arg) => arg === '--target' || arg.startsWith('--target='))) return false;
  const row = typeof positionals[0] === 'string' ? findProvider(positionals[0]) : undefined;
  const method = row && loginMethod(row, values.device === true);
  return method === 'api-key' || method === 'service-account';
}

/**
 * For `login <args>` that reads a secret on a terminal: echo off now (cli/stdin.ts). Ctrl-C before
 * the login listens for it still cancels the way the login's does: said, nothing stored, exit 130.
 */
export function holdForSecretLogin(args: readonly string[], stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): void {
  if (!loginReadsSecret(args)) return;
  holdTerminalInput(stdin, stderr, () => {
    if (process.listenerCount('SIGINT') > 0) return interruptAsTerminal();
    stdin.setRawMode(false);
    stderr.write(`\nccs-tui: ${LOGIN_CANCELLED}\n`);
    process.exit(130);
  });
}
