// A TUI's proxy child stopped on purpose from outside (`ccs-tui proxy stop`, another TUI's `x`)
// stays stopped and says who stopped it; one switched live by `ccs-tui run` shows what it serves now.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {after, describe, it} from 'node:test';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {ProxySupervisor, type ProxyState} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {waitForState} from '../helpers/wait.js';
import {binPath, runBin} from '../helpers/cli.js';
import {startFakeUpstream} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

const waitFor = (supervisor: ProxySupervisor, predicate: (state: ProxyState) => boolean, timeoutMs?: number) => waitForState(supervisor, predicate, timeoutMs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a TUI proxy stopped or switched from outside', async () => {
  const upstream = await startFakeUpstream();
  const ccs = makeTempCcs();
  for (const email of ['a@example.com', 'b@example.com']) ccs.writeToken(`claude-${email}.json`, oauthToken('claude', email));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {api: upstream.url}}}));
  const {settings} = await loadSettings(ccs.paths);
  const make = () =>
    new ProxySupervisor({
      paths: ccs.paths,
      settings,
      env: ccs.env,
      backoff: {initialMs: 100, maxMs: 500},
      command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: target.port ?? 0})], kind: 'builtin'}),
    });
  const a = make();
  const b = make();
  after(async () => {
    await a.dispose();
    await b.dispose();
    await upstream.close();
    ccs.cleanup();
  });

  it('`ccs-tui proxy stop`: it stays stopped, and the TUI says who stopped it', async () => {
    await a.start({provider: 'claude'});
    const running = await waitFor(a, (s) => s.phase === 'running' && (s.port ?? 0) > 0);
    const stop = await runBin(['proxy', 'stop'], ccs.env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`proxy stopped \\(pid ${running.pid}\\)`));
    const stopped = await waitFor(a, (s) => s.phase !== 'running');
    assert.equal(stopped.phase, 'stopped', JSON.stringify(stopped));
    await waitFor(a, (s) => /stopped by ccs-tui proxy stop/.test(s.stoppedBy ?? ''));
    // Not restarted a moment later (the backoff is 100 ms here).
    await sleep(1000);
    assert.equal(a.current.phase, 'stopped');
    assert.equal(a.current.restarts, 0);
    const status = await runBin(['proxy', 'status'], ccs.env);
    assert.equal(status.code, 3, status.stdout);
  });

  it('another TUI’s x: it stays stopped, "stopped by a TUI (pid …)"; a later start clears the note', async () => {
    await a.start({provider: 'claude'});
    await waitFor(a, (s) => s.phase === 'running' && (s.port ?? 0) > 0);
    assert.equal(a.current.stoppedBy, undefined, 'a new start forgets the last stop');
    assert.equal(await b.adopt(), true);
    await b.stop();
    assert.equal(b.current.phase, 'stopped');
    await waitFor(a, (s) => s.phase === 'stopped' && /stopped by a TUI \(pid \d+\)/.test(s.stoppedBy ?? ''));
    await sleep(1000);
    assert.equal(a.current.phase, 'stopped');
    assert.equal(await b.adopt(), false, 'no proxy came back for B to follow');
  });

  it('a crash (SIGKILL) is still restarted', async () => {
    await a.start({provider: 'claude'});
    const running = await waitFor(a, (s) => s.phase === 'running' && (s.port ?? 0) > 0);
    process.kill(running.pid!, 'SIGKILL');
    await waitFor(a, (s) => s.phase === 'restarting');
    const back = await waitFor(a, (s) => s.phase === 'running' && s.pid !== running.pid);
    assert.equal(back.stoppedBy, undefined);
  });

  it('`ccs-tui run`-style switches (the loopback serve API) show in the target from the proxy’s status', async () => {
    const running = await waitFor(a, (s) => s.phase === 'running' && (s.port ?? 0) > 0);
    const {serveOnRunningProxy} = await import('../../source/services/proxy/control.js');
    await serveOnRunningProxy(ccs.paths, running.port!, 'claude', 'b@example.com');
    const switched = await waitFor(a, (s) => s.target.provider === 'claude' && s.target.account === 'b@example.com', 5000);
    assert.equal(switched.account, 'b@example.com');
    await serveOnRunningProxy(ccs.paths, running.port!, 'claude');
    await waitFor(a, (s) => s.target.provider === 'claude' && s.target.account === undefined, 5000);
  });
});
