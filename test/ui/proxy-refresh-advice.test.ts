// A refresh the proxy's provider refuses for good: one failure, worded for each reader. The proxy
// screen (log tail and Error row) names the TUI's re-login key; the log file and `ccs-tui proxy
// status`, read from a shell, name the command. The real proxy child, a local token endpoint.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, test} from 'node:test';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {proxyLogPath} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import type {TempCcs} from '../helpers/ccs.js';
import {binPath, runBin} from '../helpers/cli.js';
import {tokenFixture} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

const API_KEY = 'refresh-advice-key-0123456789abcdef';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let supervisor: ProxySupervisor | undefined;
let server: Server | undefined;
afterEach(async () => {
  tui?.unmount();
  await supervisor?.dispose();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  [tui, ccs] = cleanUp(undefined, ccs);
  [supervisor, server] = [undefined, undefined];
});

test('a refresh the provider refuses: the proxy screen names the L key, the log file and proxy status the command', async () => {
  // The token endpoint revokes the grant; the API answers (the refresh's failure stays the last error).
  server = createServer((req, res) => {
    const token = req.url?.includes('/oauth/token');
    res.writeHead(token ? 400 : 200, {'content-type': 'application/json'});
    res.end(JSON.stringify(token ? {error: 'invalid_grant', error_description: 'stand-in: refresh token revoked'} : {id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{type: 'text', text: 'hi'}], stop_reason: 'end_turn', usage: {input_tokens: 1, output_tokens: 1}}));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ccs = makeUiCcs();
  // alice's access token has expired: the proxy refreshes it before it serves her.
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com', {expired: new Date(Date.now() - 60_000).toISOString()}));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: {token: `${local}/oauth/token`, api: local}}}));
  const {settings} = await loadSettings(ccs.paths);
  supervisor = new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: 0})], kind: 'builtin'}),
  });
  const copied: string[] = [];
  tui = await renderTui({paths: ccs.paths, width: 240, height: 40, route: {screen: 'proxy', params: {provider: 'claude', accountId: 'alice@example.com'}}, services: {proxy: supervisor, clipboard: {copy: (text) => void copied.push(text)}}});
  await tui.press('s');
  await tui.waitFor('● running', 15_000);
  const port = supervisor.current.port!;
  await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  }).then((response) => response.text());

  // The key works on the accounts screen, not this one: said so.
  const frame = await tui.waitFor((f) => /token refresh failed: .*\(L on the accounts screen: re-login\)/.test(f), 10_000);
  assert.match(frame, /claude\/work token refresh failed: re-login: stand-in: refresh token revoked \(invalid_grant\) \(L on the accounts screen: re-login\)/);
  const errorRow = await tui.waitFor((f) => /Error .*refresh failed.*\(L on the accounts screen: re-login\)/.test(f), 5000);
  assert.doesNotMatch(errorRow, /ccs-tui login/);
  // The exports the screen would give end in that error: refused in their place, as `ccs-tui env` refuses, in the TUI's keys.
  const refusal = await tui.waitFor((f) => /Claude Code cannot use Claude/.test(f), 5000);
  assert.match(refusal.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' '), /Claude Code cannot use Claude: the running proxy serves it with one account alone: claude account work cannot serve \(re-login: .*\); log in again: L on the accounts screen, or serve the claude pool: S on the accounts screen/);
  // c copies none of those exports (ccs-tui env prints none), and says why.
  await tui.press('c');
  await tui.waitFor(/no exports copied: Claude Code cannot use Claude: the running proxy serves it with one account alone/);
  assert.deepEqual(copied, []);
  // At 100 columns the error wraps under its label, the way out (its end) kept, not cut at the edge.
  await tui.resize(100, 40);
  // The Error row's lines joined: a success after the error puts "requests have succeeded since…" first (CI, s41).
  const errorRowText = (f: string) => {
    const lines = f.split('\n');
    const at = lines.findIndex((line) => /Error +/.test(line));
    return at < 0 ? '' : lines.slice(at, at + 4).map((line) => line.replace(/^[│ ]+(Error)? +|[│ ]+$/g, '')).join(' ');
  };
  const narrow = await tui.waitFor((f) => /refresh failed/.test(errorRowText(f)), 5000);
  assert.match(errorRowText(narrow), /refresh failed: re-login: stand-in: refresh token revoked \(invalid_grant\) \(L on the accounts screen: re-login\)/, narrow);

  // Read from a shell: the command.
  const logged = readFileSync(proxyLogPath(ccs.paths), 'utf8');
  assert.match(logged, /claude\/work token refresh failed: re-login: stand-in: refresh token revoked \(invalid_grant\) \(ccs-tui login claude\)\n/);
  assert.doesNotMatch(logged, /\(L[: ]/);
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /last error .*: claude\/work: refresh failed: re-login: .* \(ccs-tui login claude\)\n/);
  const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {lastError: string};
  assert.match(json.lastError, /refresh failed: .* \(ccs-tui login claude\)$/);
});
