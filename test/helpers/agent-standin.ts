// Starts test/services/native/agent-standin: a stand-in for Codex CLI that refreshes the tokens in
// its own auth.json at the test's authorization server (modes and output: see that file).
import {spawn, type ChildProcess} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {OIDC_CLIENT_ID, type OidcServer} from './oidc.js';

const here = fileURLToPath(import.meta.url);
const standin = path.join(path.dirname(here), '..', 'services', 'native', `agent-standin${path.extname(here)}`);

/** The stand-in working on `authFile` against `oidc`; stdout piped (it prints what it did), stderr inherited. */
export function spawnAgentStandin(authFile: string, oidc: OidcServer, mode: 'refresh' | 'refresh-late' | 'rewrite-slowly', ...more: string[]): ChildProcess & {stdout: NodeJS.ReadableStream} {
  return spawn(process.execPath, [standin, authFile, `${oidc.issuer}/token`, OIDC_CLIENT_ID, mode, ...more], {stdio: ['ignore', 'pipe', 'inherit']});
}
