// A broken tui.json on the command line: every command that reads it warns (file, line:col, what
// waits), and none sends an account's token anywhere, neither to the 127.0.0.1 endpoints the file
// named before it broke nor to the public hosts of the defaults (the loopback guard would name them).
import assert from 'node:assert/strict';
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {after, before, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {repoRoot, runBin} from '../helpers/cli.js';
import {startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';

let ccs: TempCcs;
let gateway: FakeUpstream;
let env: NodeJS.ProcessEnv;
const guard = pathToFileURL(path.join(repoRoot, 'dist', 'test', 'helpers', 'loopback-guard-preload.js')).href;

before(async () => {
  // The company gateway: every claude endpoint the file names. It answers as the real ones would.
  gateway = await startFakeUpstream((req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    if (req.path.endsWith('/models')) res.end(JSON.stringify({data: [{id: 'claude-gateway-1'}], has_more: false}));
    else if (req.path.endsWith('/usage')) res.end(JSON.stringify({five_hour: {utilization: 10, resets_at: null}}));
    else res.end(JSON.stringify({access_token: 'at-new', refresh_token: 'rt-new', expires_in: 3600}));
  });
  ccs = makeTempCcs();
  // Expired: a command that wanted the quota would refresh it first.
  ccs.writeToken('claude-a.json', tokenFixture('claude', 'a@example.com', {expired: '2000-01-01T00:00:00Z'}));
  ccs.writeToken('claude-b.json', tokenFixture('claude', 'b@example.com'));
  const endpoints = {token: `${gateway.url}/oauth/token`, usage: `${gateway.url}/oauth/usage`, userinfo: `${gateway.url}/oauth/profile`, api: gateway.url};
  ccs.writeRaw('tui.json', JSON.stringify({endpoints: {claude: endpoints}}, null, 2));
  // Working first (the test can fail): the gateway is asked with the file as it was.
  const working = await runBin(['models', 'claude', '--account', 'b@example.com', '--live', '--json'], ccs.env);
  assert.equal(working.code, 0, working.stderr);
  assert.equal(JSON.parse(working.stdout).source, 'live');
  assert.equal(gateway.requests.length, 1);
  gateway.requests.length = 0;
  // Then broken, mid-edit.
  ccs.writeRaw('tui.json', '{\n  "endpoints": {\n');
  env = {...ccs.env, NODE_OPTIONS: `${ccs.env.NODE_OPTIONS ?? ''} --import ${guard}`};
});
after(async () => {
  ccs.cleanup();
  await gateway.close();
});

const settingsError = (file: string) =>
  `ccs-tui: error: ${file}:3:1: invalid JSON (Expected property name or '}'); no token is sent to any provider until it is fixed (its endpoint overrides are unknown): quota reads, token refreshes, live model lists, logins and the proxy wait, other settings are the defaults\n`;

for (const args of [
  ['models', 'claude', '--account', 'b@example.com', '--live'],
  ['models', 'claude', '--account', 'b@example.com', '--live', '--json'],
  ['quota'],
  ['quota', '--json'],
  ['rotate', 'claude', '--json'],
  ['env'],
  ['run', '--', '--version'],
  ['login', 'claude', '--no-browser'],
]) {
  test(`ccs-tui ${args.join(' ')} on a broken tui.json warns once and sends no token`, async () => {
    const run = await runBin(args, env);
    assert.ok(run.stderr.startsWith(settingsError(ccs.paths.settings)), run.stderr);
    assert.equal(run.stderr.split('ccs-tui: error:').length, 2, `said once: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /loopback guard blocked/);
    assert.deepEqual(gateway.requests.map((r) => r.path), []);
  });
}

test('a command that stops on it (run, login) says the stop in a line of its own, not the error twice; --json has the cause', async () => {
  for (const args of [['run', '--', '--version'], ['login', 'claude', '--no-browser']]) {
    const run = await runBin(args, env);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, `${settingsError(ccs.paths.settings)}ccs-tui: stopped until tui.json is fixed (the error above says where); nothing was sent\n`);
  }
  const json = await runBin(['login', 'claude', '--no-browser', '--json'], env);
  assert.equal(json.code, 1, json.stderr);
  assert.match((JSON.parse(json.stdout) as {error: string}).error, /tui\.json:3:1: invalid JSON \(Expected property name or '\}'\); no token is sent to any provider until it is fixed/);
  assert.deepEqual(gateway.requests.map((r) => r.path), []);
});

test('what waits says why: the live list', async () => {
  const models = await runBin(['models', 'claude', '--account', 'b@example.com', '--live'], env);
  assert.match(models.stderr, /no live list, showing the static one: .*tui\.json:3:1: invalid JSON/);
});

test('quota shows the cached numbers, marked cached with their age, and why they do not move; exit 0 as for a revoked token', async () => {
  const observedAt = new Date(Date.now() - 5 * 60_000 - 10_000).toISOString();
  const resetsAt = new Date(Date.now() + 2 * 3600_000 + 30_000).toISOString();
  const cache = {version: 1, accounts: {claude: {'b@example.com': {fetchedAt: observedAt, windows: [{kind: '5h', usedPct: 12, resetsAt, windowSeconds: 18000, source: 'usage-endpoint', observedAt}]}}}};
  ccs.writeRaw('tui/quota-cache.json', JSON.stringify(cache));
  try {
    for (const args of [['quota'], ['quota', '--refresh']]) {
      const run = await runBin(args, env);
      assert.equal(run.code, 0, run.stderr);
      // What is wrong, where: the one warning (file, line:col); each row says it briefly.
      assert.ok(run.stderr.startsWith(settingsError(ccs.paths.settings)), run.stderr);
      assert.equal(run.stderr, settingsError(ccs.paths.settings));
      assert.match(run.stdout, /b@example\.com +5h 12% resets in 2h +cached 5m ago; waiting: quota reads wait until tui\.json is fixed$/m);
      assert.match(run.stdout, /a@example\.com +no numbers yet +nothing cached; waiting: quota reads wait until tui\.json is fixed$/m);
      assert.doesNotMatch(run.stdout, /unexpected/);
    }
    const json = await runBin(['quota', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, settingsError(ccs.paths.settings));
    const rows = JSON.parse(json.stdout) as {account: string; windows: {usedPct: number; observedAt: string}[]; error: {kind: string; message: string}}[];
    const b = rows.find((r) => r.account === 'b@example.com')!;
    assert.deepEqual(b.windows.map((w) => [w.usedPct, w.observedAt]), [[12, observedAt]]);
    for (const row of rows) {
      assert.equal(row.error.kind, 'settings-unreadable');
      assert.match(row.error.message, /tui\.json:3:1: invalid JSON \(Expected property name or '\}'\); quota reads wait until it is fixed \(its endpoint overrides are unknown, so no token is sent to any provider\)$/);
    }
    assert.deepEqual(gateway.requests.map((r) => r.path), []);
    // Nothing was read, so nothing is recorded: the cache file is as it was.
    assert.deepEqual(JSON.parse(readFileSync(path.join(ccs.paths.state, 'quota-cache.json'), 'utf8')), cache);
  } finally {
    rmSync(path.join(ccs.paths.state, 'quota-cache.json'), {force: true});
  }
});
