// A proxy started outside the TUI (`ccs-tui proxy start --port P`, which agents point at) and the
// TUI's keys: `s` on an account switches it live (same pid, same port) instead of replacing it with a
// TUI child, `R` restarts it as a background proxy that outlives the TUI, `x` says what it stopped;
// the proxy screen words what it serves and which accounts wait as `ccs-tui proxy status` does.
// The real built binary in the background, the real supervisor, a fake upstream on 127.0.0.1.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {serveOnRunningProxy} from '../../source/services/proxy/control.js';
import {isProcessAlive, proxyPidFilePath, type ProxyPidFile} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {answerByProtocol, freePort, sendJson, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';
import {CLOCK_SECOND} from '../helpers/clock-text.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
let supervisor: ProxySupervisor | undefined;
let upstream: FakeUpstream | undefined;
afterEach(async () => {
  tui?.unmount();
  await supervisor?.dispose();
  if (ccs) await runBin(['proxy', 'stop'], ccs.env);
  await upstream?.close();
  ccs?.cleanup();
  [tui, supervisor, upstream, ccs] = [undefined, undefined, undefined, undefined];
});

/** Two claude accounts reaching the fake upstream; the TUI's own proxy would use another port. */
async function backgroundProxy(limitOnce = false, emails = ['alice@example.com', 'bob@example.com']): Promise<{port: number; entry: ProxyPidFile}> {
  let limited = limitOnce;
  upstream = await startFakeUpstream((req, res) => {
    if (!limited) return answerByProtocol(req, res);
    limited = false;
    sendJson(res, 429, {type: 'error', error: {type: 'rate_limit_error', message: 'slow down'}}, {'retry-after': '120'});
  });
  ccs = makeTempCcs();
  for (const email of emails) ccs.writeToken(`claude-${email}.json`, oauthToken('claude', email));
  ccs.writeRaw('cliproxy/config.yaml', `port: ${await freePort()}\napi-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const port = await freePort();
  const started = await runBin(['proxy', 'start', '--port', String(port), '--provider', 'claude', '--json'], ccs.env);
  assert.equal(started.code, 0, started.stderr);
  supervisor = new ProxySupervisor({paths: ccs.paths, env: ccs.env});
  return {port, entry: JSON.parse(started.stdout) as ProxyPidFile};
}

const pidFile = (made: TempCcs) => JSON.parse(readFileSync(proxyPidFilePath(made.paths), 'utf8')) as ProxyPidFile;

const ask = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });

test('s on an account while a background proxy runs: switched live on its port, never stopped or replaced by a TUI child', async () => {
  const {port, entry} = await backgroundProxy();
  // Wide enough for the whole status line (it names the proxy, the account and what moved).
  tui = await renderTui({paths: ccs!.paths, width: 180, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('bob@example.com');
  await tui.press('l', 's');
  // Root-URL clients (Claude Code on the root URL) move with it: the message says so.
  const frame = await tui.waitFor(/now serves claude \/ \S+ \(switched live: same port, no restart; for root-URL clients too\)/, 10_000);
  assert.match(frame, new RegExp(`the background proxy \\(pid ${entry.pid}, port ${port}\\)`));
  assert.doesNotMatch(frame, /proxy running on port/);
  // The same process on the same port, still the one tui/proxy.json names, and it answers.
  assert.ok(isProcessAlive(entry.pid));
  const now = pidFile(ccs!);
  assert.deepEqual({pid: now.pid, port: now.port, owner: now.owner}, {pid: entry.pid, port, owner: 'background'});
  assert.ok(now.account, 'the pid file says the account it now serves');
  assert.equal((await ask(port)).status, 200);
  assert.equal(supervisor!.current.managed, 'adopted');
  const status = await runBin(['proxy', 'status', '--json'], ccs!.env);
  assert.equal((JSON.parse(status.stdout) as {pool: boolean}).pool, false, 'one account now, no pool');
});

test('a background proxy switched from elsewhere (ccs-tui run) while the screen shows it: the Serving line follows', async () => {
  const {port, entry} = await backgroundProxy();
  tui = await renderTui({paths: ccs!.paths, width: 140, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(/Serving\s+claude \/ pool of 2 · now alice@example\.com/, 10_000);
  // What `ccs-tui run claude bob@example.com` does to a running proxy.
  await serveOnRunningProxy(ccs!.paths, port, 'claude', 'bob@example.com');
  const frame = await tui.waitFor(/Serving\s+claude \/ bob@example\.com\s/, 5000);
  assert.match(frame, new RegExp(`PID ${entry.pid}`));
  const human = await runBin(['proxy', 'status'], ccs!.env);
  assert.match(human.stdout, /^serving: claude \/ bob@example\.com$/m);
});

test('R on an adopted background proxy restarts it in the background on the same port; it outlives the TUI', async () => {
  const {port, entry} = await backgroundProxy();
  tui = await renderTui({paths: ccs!.paths, width: 140, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(`PID ${entry.pid}`, 10_000);
  // Its lines from the log file, each with its time on the local clock (not the file's ISO UTC).
  const followed = await tui.waitFor(new RegExp(String.raw`${CLOCK_SECOND} listening on http://127\.0\.0\.1:`), 5000);
  assert.doesNotMatch(followed, /\d{4}-\d\d-\d\dT\d\d:/);
  await tui.press('R');
  const frame = await tui.waitFor(new RegExp(`proxy running on port ${port} for claude \\(started by this TUI in the background, outlives this TUI\\)`), 20_000);
  // Restarted by this TUI: its own, though in the background (never "started outside this TUI").
  assert.match(frame, /running · started by this TUI in the background, outlives this TUI/);
  assert.doesNotMatch(frame, /outside this TUI/);
  assert.doesNotMatch(frame, /child of this TUI/);
  const now = pidFile(ccs!);
  assert.notEqual(now.pid, entry.pid, 'a new process');
  assert.deepEqual({port: now.port, owner: now.owner, provider: now.provider}, {port, owner: 'background', provider: 'claude'});
  assert.ok(!isProcessAlive(entry.pid));

  // The TUI quits: the restarted proxy keeps running and answering.
  tui.unmount();
  tui = undefined;
  await supervisor!.dispose();
  supervisor = undefined;
  assert.ok(isProcessAlive(now.pid));
  const status = await runBin(['proxy', 'status'], ccs!.env);
  assert.equal(status.code, 0, status.stdout);
  assert.match(status.stdout, new RegExp(`pid ${now.pid}, http://127\\.0\\.0\\.1:${port} \\(background\\)`));
  assert.equal((await ask(port)).status, 200);
});

test('x on an adopted proxy stops it and says which one it was', async () => {
  const {port, entry} = await backgroundProxy();
  tui = await renderTui({paths: ccs!.paths, width: 140, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(`PID ${entry.pid}`, 10_000);
  await tui.press('x');
  // Said once what it was (`proxy start` in a shell started it, not this TUI).
  const frame = await tui.waitFor(`stopped the background proxy (pid ${entry.pid}, port ${port})`, 10_000);
  assert.doesNotMatch(frame, /which was started|outside this TUI/);
  // Its own last line, from the log file it was followed through, as for a child of this TUI.
  assert.match(frame, new RegExp(`\\d\\d:\\d\\d:\\d\\d stopped \\(pid ${entry.pid}\\): SIGTERM from a TUI`));
  assert.ok(!isProcessAlive(entry.pid));
  await tui.press('x');
  await tui.waitFor('no proxy is running (start one: s)');
  const stopped = await runBin(['proxy', 'stop'], ccs!.env);
  const status = await runBin(['proxy', 'status'], ccs!.env);
  assert.equal(stopped.stdout, 'no proxy is running (start one: ccs-tui proxy start)\n');
  assert.equal(status.stdout, stopped.stdout, 'one wording');
});

test('the proxy screen says what is served and which accounts wait in the words of proxy status (pool and its size in --json)', async () => {
  const {port, entry} = await backgroundProxy(true);
  // The first account's 429 cools it; the pool fails over to the other.
  await ask(port);
  const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs!.env)).stdout) as {pool: boolean; poolSize: number; account: string; cooling: unknown[]};
  assert.deepEqual({pool: json.pool, poolSize: json.poolSize, cooling: json.cooling.length}, {pool: true, poolSize: 2, cooling: 1});
  const human = (await runBin(['proxy', 'status'], ccs!.env)).stdout;
  const serving = /^serving: (.*)$/m.exec(human)?.[1];
  assert.equal(serving, `claude / pool of 2 · now ${json.account}`);
  const cooling = /^cooling: (\S+) .*(\(until [^)]*\) \(.*\))$/m.exec(human);
  assert.ok(cooling, human);

  tui = await renderTui({paths: ccs!.paths, width: 160, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(`PID ${entry.pid}`, 10_000);
  // The status arrives with the first poll (a second at most).
  const servingRow = new RegExp(`Serving\\s+${serving.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+│$`, 'm');
  // The account list loads beside the status: the pool's size shows once it has.
  const frame = await tui.waitFor((f) => f.includes(`cooling: ${cooling[1]}`) && servingRow.test(f), 5000);
  assert.ok(frame.includes(cooling[2]!), `the same end and reason as proxy status: ${cooling[2]}\n${frame}`);
});

test('r on a background proxy whose provider has one account: its refusal is said as an answer on the status line, not as an error', async () => {
  await backgroundProxy(false, ['alice@example.com']);
  tui = await renderTui({paths: ccs!.paths, width: 180, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  await tui.waitFor('● running', 10_000);
  await tui.press('r');
  const statusLine = (f: string) => f.split('\n').at(-2) ?? '';
  const frame = await tui.waitFor((f) => statusLine(f).includes('claude: no other healthy account to rotate to'), 10_000);
  assert.doesNotMatch(statusLine(frame), /error:|rotated:/);
});

test('C on the accounts screen reaches a background proxy this TUI never showed: its wait of the account ends there too', async () => {
  // The first request is limited (Retry-After 120 s): the proxy rests alice and serves bob.
  const {port} = await backgroundProxy(true);
  assert.equal((await ask(port)).status, 200);
  const cooling = async () => ((await (await fetch(`http://127.0.0.1:${port}/_ccs-tui/status`, {headers: {'x-api-key': API_KEY}})).json()) as {cooling?: {accountId: string}[]}).cooling?.map((c) => c.accountId) ?? [];
  assert.deepEqual(await cooling(), ['alice@example.com']);
  tui = await renderTui({paths: ccs!.paths, width: 120, height: 30, services: {proxy: supervisor}});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'C');
  await tui.waitFor(`ended the wait of claude alice@example.com: the running proxy (port ${port}) tries it again now`);
  assert.deepEqual(await cooling(), []);
  // Nothing to end now: said so, not "ended".
  await tui.press('C');
  await tui.waitFor('claude alice@example.com had no wait to end');
});

// Newcomer (s41): after `ccs-tui run` (or `e`) on one account and `ccs-tui proxy stop`, the proxy
// screen said `s` serves every provider; the README says the last run's target.
test('a background proxy stopped from a shell: the proxy screen says s serves what it served, and s starts that', async () => {
  const {port} = await backgroundProxy();
  const switched = await runBin(['proxy', 'switch', '--account', 'bob@example.com', '--provider', 'claude'], ccs!.env);
  assert.equal(switched.code, 0, switched.stderr);
  tui = await renderTui({paths: ccs!.paths, width: 180, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: supervisor}});
  await tui.waitFor(/Serving\s+claude \/ bob@example\.com/, 10_000);
  const stopped = await runBin(['proxy', 'stop'], ccs!.env);
  assert.equal(stopped.code, 0, stopped.stderr);
  await tui.waitFor(/Serving\s+nothing \(s serves claude \/ bob@example\.com\)/, 10_000);
  await tui.press('s');
  await tui.waitFor(/Serving\s+claude \/ bob@example\.com/, 15_000);
  assert.equal(supervisor!.current.target.account !== undefined && supervisor!.current.target.provider, 'claude');
  // On the port agents pointed at.
  assert.equal(supervisor!.current.port, port);
});
