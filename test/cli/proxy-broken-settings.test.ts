// A proxy started while tui.json is broken (`proxy serve` by hand, and the TUI's proxy child): it
// answers 503 naming the file and sends no token anywhere while the file stays broken, and serves
// once the file is fixed, without a restart, through the endpoints the fixed file names; `proxy
// status` says so before a request meets it. A broken
// config.yaml stops the TUI's proxy child at start: the TUI says the file, and does not restart it.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {stateWhen} from '../helpers/supervisor.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {binPath, killAll, runBin, serveByHand} from '../helpers/cli.js';
import {startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const askClaude = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });

/** A supervisor of the built binary for `ccs` (the TUI's proxy child). */
async function supervisorFor(ccs: TempCcs): Promise<ProxySupervisor> {
  const {settings} = await loadSettings(ccs.paths, {report: false});
  return new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    backoff: {initialMs: 100, maxMs: 1000},
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: target.port ?? 0})], kind: 'builtin'}),
  });
}

/** A CCS dir with one claude account whose tui.json named `gateway`, then broke mid-edit. */
function brokenCcs(gateway: FakeUpstream): {ccs: TempCcs; fixed: string} {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  const fixed = JSON.stringify({endpoints: {claude: {api: gateway.url, token: `${gateway.url}/oauth/token`}}}, null, 2);
  writeFileSync(ccs.paths.settings, '{\n  "endpoints": {\n');
  return {ccs, fixed};
}

/** While broken: 503 naming tui.json and its position, saying it is read again (no restart asked for); nothing sent. */
async function assertRefusesWhileBroken(port: number, gateway: FakeUpstream): Promise<void> {
  const refused = await askClaude(port);
  const text = await refused.text();
  assert.equal(refused.status, 503, text);
  const message = (JSON.parse(text) as {error: {message: string}}).error.message;
  assert.match(message, /tui\.json:3:1: invalid JSON \(.*\); no token is sent to any provider until it is fixed/);
  assert.doesNotMatch(message, /restart/);
  assert.deepEqual(gateway.requests.map((r) => r.path), []);
}

/** Fixed: the next request is served through the gateway the fixed file names. */
async function assertServesOnceFixed(port: number, gateway: FakeUpstream, ccs: TempCcs, fixed: string): Promise<void> {
  writeFileSync(ccs.paths.settings, fixed);
  const served = await askClaude(port);
  assert.equal(served.status, 200, await served.clone().text());
  assert.equal(((await served.json()) as {type: string}).type, 'message');
  assert.deepEqual(gateway.requests.map((r) => r.path), ['/v1/messages']);
  assert.equal(gateway.requests[0]!.headers.authorization, 'Bearer at-a@example.com-0123456789abcdef');
}

describe('a proxy started on a broken tui.json or config.yaml', async () => {
  const gateway = await startFakeUpstream();
  const started: number[] = [];
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    killAll(started);
    for (const cleanup of cleanups) await cleanup();
    await gateway.close();
  });

  it('`proxy serve` by hand: 503 while broken, serves once fixed without a restart', async () => {
    gateway.requests.length = 0;
    const {ccs, fixed} = brokenCcs(gateway);
    cleanups.push(() => ccs.cleanup());
    const served = await serveByHand(['--port', '0', '--provider', 'claude'], ccs.env, started);
    // `proxy status` says it before any request meets it, and names the file and its position.
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.match(status.stdout, /^cannot serve: .*tui\.json:3:1: invalid JSON \(.*\); no token is sent to any provider until it is fixed.*; requests get a 503$/m);
    const json = JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cannotServe: string | null};
    assert.match(String(json.cannotServe), /tui\.json:3:1: invalid JSON/);
    await assertRefusesWhileBroken(served.port, gateway);
    // Still broken, other bytes (a second bad edit): still refused, still nothing sent.
    writeFileSync(ccs.paths.settings, '{\n  "endpoints": {\n\n');
    assert.equal((await askClaude(served.port)).status, 503);
    assert.deepEqual(gateway.requests.map((r) => r.path), []);
    // Another bad edit: the status and the 503 point where the file is broken now.
    assert.match((await runBin(['proxy', 'status'], ccs.env)).stdout, /^cannot serve: .*tui\.json:4:1: invalid JSON/m);
    assert.match(await (await askClaude(served.port)).text(), /tui\.json:4:1: invalid JSON/);
    writeFileSync(ccs.paths.settings, '{\n  "endpoints": {\n');
    await assertServesOnceFixed(served.port, gateway, ccs, fixed);
    // Fixed: no cannot serve line; the last error is history (requests have succeeded since).
    const fine = await runBin(['proxy', 'status'], ccs.env);
    assert.doesNotMatch(fine.stdout, /cannot serve/);
    assert.match(fine.stdout, /^last error .*requests have succeeded since: .*tui\.json:4:1/m);
    assert.equal((JSON.parse((await runBin(['proxy', 'status', '--json'], ccs.env)).stdout) as {cannotServe: string | null}).cannotServe, null);
    served.shell.kill('SIGTERM');
    assert.equal((await served.exited).code, 0, served.output.stderr);
  });

  it('`proxy serve` on a setting of the wrong kind ("rotation": "x"): it serves, that setting its default, and says the field', async () => {
    gateway.requests.length = 0;
    const {ccs, fixed} = brokenCcs(gateway);
    cleanups.push(() => ccs.cleanup());
    writeFileSync(ccs.paths.settings, JSON.stringify({...(JSON.parse(fixed) as object), rotation: 'x'}));
    const served = await serveByHand(['--port', '0', '--provider', 'claude'], ccs.env, started);
    const answer = await askClaude(served.port);
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(gateway.requests.map((r) => r.path), ['/v1/messages']);
    served.shell.kill('SIGTERM');
    assert.equal((await served.exited).code, 0, served.output.stderr);
    assert.match(served.output.stderr, /tui\.json: "rotation" must be an object \(it is "x"\); that setting is its default/);
  });

  it('`proxy serve` for a provider whose endpoint override is of the wrong kind does not start: the field is named, no token goes to its public host instead', async () => {
    gateway.requests.length = 0;
    const {ccs, fixed} = brokenCcs(gateway);
    cleanups.push(() => ccs.cleanup());
    const endpoints = (JSON.parse(fixed) as {endpoints: {claude: object}}).endpoints;
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {...endpoints.claude, api: 5}}}));
    const run = await runBin(['proxy', 'serve', '--port', '0', '--provider', 'claude'], ccs.env);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, `ccs-tui: ${ccs.paths.settings}: "endpoints.claude.api" must be a string (it is 5); no token is sent to claude until it is fixed (where its endpoint overrides point is unknown): its quota reads, token refreshes, live model lists, logins and proxy requests wait\n`);
    assert.deepEqual(gateway.requests.map((r) => r.path), []);
  });

  it('/v1/models of a proxy serving every provider lists the others when one provider\'s endpoint override is of the wrong kind (it answered 502 for all)', async () => {
    gateway.requests.length = 0;
    const {ccs, fixed} = brokenCcs(gateway);
    cleanups.push(() => ccs.cleanup());
    ccs.writeToken('codex-x@example.com.json', oauthToken('codex', 'x@example.com', {account_id: 'acct-x'}));
    const endpoints = (JSON.parse(fixed) as {endpoints: {claude: object}}).endpoints;
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: endpoints.claude, codex: {api: []}}}));
    const served = await serveByHand(['--port', '0'], ccs.env, started);
    const models = await fetch(`http://127.0.0.1:${served.port}/v1/models`, {headers: {'x-api-key': API_KEY}});
    const text = await models.text();
    assert.equal(models.status, 200, text);
    const ids = (JSON.parse(text) as {data: {id: string}[]}).data.map((m) => m.id);
    assert.ok(ids.some((id) => id.startsWith('claude-')), text);
    assert.ok(!ids.some((id) => id.startsWith('gpt-')), `codex's models are left out: ${text}`);
    served.shell.kill('SIGTERM');
    assert.equal((await served.exited).code, 0, served.output.stderr);
  });

  it("the TUI's proxy child: 503 while broken, serves once fixed without a restart", async () => {
    gateway.requests.length = 0;
    const {ccs, fixed} = brokenCcs(gateway);
    const supervisor = await supervisorFor(ccs);
    cleanups.push(async () => {
      await supervisor.stop();
      ccs.cleanup();
    });
    await supervisor.start({provider: 'claude'});
    const state = await stateWhen(supervisor, (s) => s.phase === 'running' && Boolean(s.port));
    if (state.pid) started.push(state.pid);
    await assertRefusesWhileBroken(state.port!, gateway);
    await assertServesOnceFixed(state.port!, gateway, ccs, fixed);
  });

  it("a broken config.yaml: the TUI's proxy child says the file and its position, and is not restarted", async () => {
    const ccs = makeTempCcs();
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    ccs.writeRaw('cliproxy/config.yaml', `port: 8317\napi-keys:\n  - "${API_KEY}\n`);
    const supervisor = await supervisorFor(ccs);
    cleanups.push(async () => {
      await supervisor.stop();
      ccs.cleanup();
    });
    await supervisor.start({provider: 'claude'});
    const state = await stateWhen(supervisor, (s) => s.phase === 'failed' || s.phase === 'restarting');
    assert.equal(state.phase, 'failed', state.lastError);
    assert.match(state.lastError ?? '', /cliproxy\/config\.yaml:4:1: invalid YAML/);
    assert.doesNotMatch(state.lastError ?? '', /exited with code/);
    assert.equal(state.restarts, 0);
  });
});
