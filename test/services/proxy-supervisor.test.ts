// The TUI's proxy supervisor with the real built binary as its child.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createServer} from 'node:net';
import {after, describe, it} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor, type ProxyState} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {waitForState} from '../helpers/wait.js';
import {binPath} from '../helpers/cli.js';
import {answerByProtocol, startFakeUpstream, type FakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';
import {CLOCK_SECOND} from '../helpers/clock-text.js';

const waitFor = (supervisor: ProxySupervisor, predicate: (state: ProxyState) => boolean, timeoutMs?: number) => waitForState(supervisor, predicate, timeoutMs);

/** A temp CCS dir whose claude accounts (`emails`) reach `upstream`, and a supervisor of the built binary (port 0: any free one). */
async function supervisedCcs(upstream: FakeUpstream, emails: string[], backoff?: {initialMs: number; maxMs: number}) {
  const ccs = makeTempCcs();
  for (const email of emails) ccs.writeToken(`claude-${email}.json`, oauthToken('claude', email));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const {settings} = await loadSettings(ccs.paths);
  const supervisor = new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    backoff,
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: target.port ?? 0})], kind: 'builtin'}),
  });
  return {ccs, supervisor};
}

/** A small Anthropic Messages request to the proxy on `port`. */
const askClaude = (port: number | undefined) =>
  fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: {'x-api-key': API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01'},
    body: JSON.stringify({model: 'claude-opus-4-6', max_tokens: 8, messages: [{role: 'user', content: 'hi'}]}),
  });

describe('ProxySupervisor', async () => {
  const upstream = await startFakeUpstream();
  const {ccs, supervisor} = await supervisedCcs(upstream, ['a@example.com', 'b@example.com'], {initialMs: 100, maxMs: 1000});
  after(async () => {
    await supervisor.dispose();
    await upstream.close();
    ccs.cleanup();
  });

  it('starts the child and reports its port, pid and account', async () => {
    await supervisor.start({provider: 'claude', account: 'a@example.com'});
    const state = await waitFor(supervisor, (s) => s.phase === 'running' && s.port !== undefined && s.port > 0);
    assert.equal(state.managed, 'child');
    assert.ok(state.pid && isProcessAlive(state.pid));
    assert.equal(state.account, 'a@example.com');
    assert.ok(state.logTail.some((line) => line.includes('listening on http://127.0.0.1:')));
  });

  it('counts every request and shows the newest in the log tail; the log file has a line for each', async () => {
    const before = supervisor.current.totalRequests;
    const ask = () => askClaude(supervisor.current.port).then((response) => response.text());
    // Requests arrive in batches (one IPC message per tenth of a second): 120 of them, 8 at a time.
    for (let i = 0; i < 15; i++) await Promise.all(Array.from({length: 8}, ask));
    const state = await waitFor(supervisor, (s) => s.totalRequests >= before + 120);
    assert.equal(state.totalRequests, before + 120);
    assert.ok(state.logTail.at(-1)?.includes('POST /v1/messages claude-opus-4-6 → claude/a@example.com 200'), state.logTail.at(-1));
    // With the local time it came, as the lines of a proxy followed from its log file show theirs.
    assert.match(state.logTail.at(-1)!, new RegExp(String.raw`^${CLOCK_SECOND} POST /v1/messages `));
    // The log write of the last batch may land a moment after its IPC message.
    const logged = () => readFileSync(path.join(ccs.paths.logs, 'proxy.log'), 'utf8').split('\n').filter((line) => line.includes('POST /v1/messages claude-opus-4-6 → claude/a@example.com 200')).length;
    for (let waited = 0; logged() < before + 120 && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(logged(), before + 120);
  });

  it("counts the requests the proxy answers itself apart, from the child's status", async () => {
    const forwarded = supervisor.current.totalRequests;
    const refused = supervisor.current.refusedRequests;
    const wrongKey = await fetch(`http://127.0.0.1:${supervisor.current.port}/v1/messages`, {method: 'POST', headers: {'x-api-key': 'not-the-key'}, body: '{}'});
    assert.equal(wrongKey.status, 401);
    const unknownRoute = await fetch(`http://127.0.0.1:${supervisor.current.port}/v1/nothing`, {method: 'POST', headers: {'x-api-key': API_KEY}, body: '{}'});
    assert.equal(unknownRoute.status, 404);
    const state = await waitFor(supervisor, (s) => s.refusedRequests >= refused + 2);
    assert.equal(state.refusedRequests, refused + 2);
    assert.ok(state.refusedPerMinute >= 2, `${state.refusedPerMinute} in the last minute`);
    assert.equal(state.totalRequests, forwarded, 'not counted as forwarded');
  });

  it('rotates the running child live, without a restart', async () => {
    const pid = supervisor.current.pid;
    await supervisor.rotate();
    const state = await waitFor(supervisor, (s) => s.account === 'b@example.com');
    assert.equal(state.pid, pid);
    assert.equal(state.restarts, 0);
  });

  it('restarts a child killed with SIGKILL, keeping its last log lines', async () => {
    const first = supervisor.current.pid!;
    process.kill(first, 'SIGKILL');
    const restarting = await waitFor(supervisor, (s) => s.phase === 'restarting');
    assert.match(restarting.lastError ?? '', /killed by SIGKILL; restarting in/);
    assert.ok(restarting.logTail.some((line) => line.includes('listening on')), 'earlier lines stay visible');
    const back = await waitFor(supervisor, (s) => s.phase === 'running' && s.pid !== undefined && s.pid !== first);
    assert.equal(back.restarts, 1);
    assert.ok(isProcessAlive(back.pid!));
  });

  it('stops its child on dispose (the TUI quitting)', async () => {
    const pid = supervisor.current.pid!;
    await supervisor.dispose();
    assert.equal(isProcessAlive(pid), false);
    assert.equal(supervisor.current.phase, 'stopped');
  });
});

describe('ProxySupervisor stop', () => {
  it('is prompt and graceful: the request in flight finishes, an idle keep-alive connection does not hold the exit', async () => {
    let slow = false;
    const upstream = await startFakeUpstream(async (req, res) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 700));
      return answerByProtocol(req, res);
    });
    const {ccs, supervisor} = await supervisedCcs(upstream, ['a@example.com']);
    try {
      await supervisor.start({provider: 'claude', account: 'a@example.com'});
      const {port, pid} = await waitFor(supervisor, (s) => s.phase === 'running' && s.port !== undefined && s.port > 0);
      const ask = () => askClaude(port);
      // fetch keeps its connections alive: after this one, an idle keep-alive socket stays open.
      assert.equal((await ask()).status, 200);
      slow = true;
      const inFlight = ask();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stoppedAt = performance.now();
      await supervisor.stop();
      const took = performance.now() - stoppedAt;
      const answer = await inFlight;
      assert.equal(answer.status, 200, 'the request in flight was answered');
      assert.match(await answer.text(), /"type":"message"|content/);
      assert.equal(isProcessAlive(pid!), false);
      // The child exits on the `shutdown` message once the slow answer is done (~0.5 s), not at the 5 s SIGKILL.
      assert.ok(took < 3000, `stop took ${Math.round(took)} ms`);
      assert.doesNotMatch(supervisor.current.lastError ?? '', /SIGKILL/);
    } finally {
      await supervisor.dispose();
      await upstream.close();
      ccs.cleanup();
    }
  });
});

describe('ProxySupervisor on a busy port', () => {
  it('shows the busy port and does not restart', async () => {
    const ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as {port: number}).port;
    const {settings} = await loadSettings(ccs.paths);
    const supervisor = new ProxySupervisor({
      paths: ccs.paths,
      settings,
      env: ccs.env,
      backoff: {initialMs: 50, maxMs: 100},
      command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs(target)], kind: 'builtin'}),
    });
    try {
      await supervisor.start({port});
      const state = await waitFor(supervisor, (s) => s.phase === 'failed');
      assert.equal(state.lastError, `port ${port} (asked with --port) is in use by another process; pass another --port N (0: any free port)`);
      assert.equal(state.restarts, 0);
    } finally {
      await supervisor.dispose();
      blocker.close();
      ccs.cleanup();
    }
  });
});

describe('a TUI that dies without cleaning up', () => {
  it('takes its proxy child with it (the child exits when the IPC channel closes)', async () => {
    const ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    const supervisorModule = new URL('../../source/services/proxy-supervisor.js', import.meta.url).href;
    const script = `
      const {ProxySupervisor} = await import(${JSON.stringify(supervisorModule)});
      const supervisor = new ProxySupervisor({paths: JSON.parse(process.env.PATHS), command: () => ({file: process.execPath, args: [${JSON.stringify(binPath)}, 'proxy', 'serve', '--port', '0'], kind: 'builtin'})});
      supervisor.subscribe((s) => { if (s.phase === 'running' && s.pid) console.log('CHILD ' + s.pid); });
      await supervisor.start({});
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {env: {...ccs.env, PATHS: JSON.stringify(ccs.paths)}, stdio: ['ignore', 'pipe', 'inherit']});
    try {
      const childPid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout.on('data', (d) => {
          out += String(d);
          const match = /CHILD (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        parent.once('exit', () => reject(new Error(`parent exited: ${out}`)));
      });
      assert.ok(isProcessAlive(childPid));
      parent.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      while (isProcessAlive(childPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(isProcessAlive(childPid), false, 'no proxy left behind');
    } finally {
      parent.kill('SIGKILL');
      ccs.cleanup();
    }
  });

  it('takes a child that is still starting with it: the channel closed before the proxy listened, and it stops once it does', async () => {
    const ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
    // A parent that starts `proxy serve` with an IPC channel, as the supervisor does, and is gone at
    // once (a Ctrl-C on `npm test`): the channel closes before the child has even loaded.
    const script = `
      const {spawn} = await import('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(binPath)}, 'proxy', 'serve', '--port', '0'], {stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true, env: {...process.env, CCS_TUI_PROXY_OWNER: 'tui'}});
      console.log('CHILD ' + child.pid);
      process.exit(0);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {env: ccs.env, stdio: ['ignore', 'pipe', 'inherit']});
    let childPid = 0;
    try {
      childPid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout.on('data', (d) => (out += String(d)));
        parent.once('close', () => (/CHILD (\d+)/.test(out) ? resolve(Number(/CHILD (\d+)/.exec(out)![1])) : reject(new Error(`parent said: ${out}`))));
      });
      const logFile = path.join(ccs.paths.root, 'tui', 'logs', 'proxy.log');
      const log = () => {
        try {
          return readFileSync(logFile, 'utf8');
        } catch {
          return '';
        }
      };
      // It may listen first (its start was under way), but stops: not left serving under PPID 1.
      const deadline = Date.now() + 20_000;
      while (isProcessAlive(childPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(isProcessAlive(childPid), false, `the proxy child is still running; its log:\n${log()}`);
      assert.match(log(), /stopped \(pid \d+\): the TUI that started it is gone/);
      assert.throws(() => readFileSync(path.join(ccs.paths.root, 'tui', 'proxy.json')), /ENOENT/, 'its record is removed');
    } finally {
      if (childPid && isProcessAlive(childPid)) process.kill(childPid, 'SIGKILL');
      ccs.cleanup();
    }
  });
});
