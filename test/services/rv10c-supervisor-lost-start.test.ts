// rv10c attack: a TUI's `s` while another proxy starts (another TUI's `s`, `ccs-tui run`, `proxy
// start`): the TUI found none running, so it started its child; by the time the child checked,
// the other proxy was recorded, and the child refused to start beside it (exit 1). The TUI took
// that for a crash and restarted the child, which refused again, for ever (1 s, 2 s, … 30 s).
// Now a child that lost the start to another proxy is not restarted: the TUI follows that proxy.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {after, describe, it} from 'node:test';
import {builtinServeArgs} from '../../source/services/proxy/launch.js';
import {processStartToken} from '../../source/services/proxy/pid-file.js';
import {ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {loadSettings} from '../../source/store/settings.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath, killAll} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {waitForState} from '../helpers/wait.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

describe('rv10c: a TUI whose proxy child lost the start to another proxy', async () => {
  const ccs = makeTempCcs();
  ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
  ccs.writeRaw('cliproxy/config.yaml', `api-keys:\n  - "${API_KEY}"\n`);
  const {settings} = await loadSettings(ccs.paths);
  // Stands for the proxy that started meanwhile (its record names this live process).
  const other = spawn('sleep', ['120'], {stdio: 'ignore'});
  const supervisor = new ProxySupervisor({
    paths: ccs.paths,
    settings,
    env: ccs.env,
    backoff: {initialMs: 100, maxMs: 500},
    command: (target) => ({file: process.execPath, args: [binPath, ...builtinServeArgs({...target, port: target.port ?? 0})], kind: 'builtin'}),
  });
  after(async () => {
    await supervisor.dispose();
    killAll([other.pid!]);
    ccs.cleanup();
  });

  it('follows the proxy that won instead of restarting its child again and again', async () => {
    await supervisor.start({provider: 'claude'});
    // The other proxy is recorded now: after this TUI's check, before its child's.
    ccs.writeRaw('tui/proxy.json', JSON.stringify({pid: other.pid, port: await freePort(), startedAt: new Date().toISOString(), owner: 'tui', kind: 'builtin', processStart: processStartToken(other.pid!), nonce: 'b'.repeat(64)}));
    const followed = await waitForState(supervisor, (s) => (s.managed === 'adopted' && s.pid === other.pid) || s.restarts >= 3, 20_000);
    assert.equal(followed.managed, 'adopted', JSON.stringify({...followed, logTail: followed.logTail.slice(-5)}));
    assert.equal(followed.pid, other.pid);
    assert.equal(followed.phase, 'running');
    assert.equal(followed.restarts, 0);
  });
});
