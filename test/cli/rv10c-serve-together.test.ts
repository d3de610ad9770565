// rv10c attack: two `ccs-tui proxy serve --port 0` started at once (two terminals; a TUI's proxy and
// a `proxy start --port N`). Each checked that no proxy runs, then listened on a port of its own and
// wrote tui/proxy.json: the later record hid the earlier proxy, which went on serving (and
// refreshing tokens) unseen by `proxy status` and `proxy stop`. Now the check and the claim are one
// step under a lock: one proxy serves, the other is refused as a second proxy is.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {describe, it} from 'node:test';
import {readRunningProxy} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binPath, killAll, runBin} from '../helpers/cli.js';
import {oauthToken} from '../proxy/fixture.js';

/** `proxy serve --port 0` until it says it listens (resolves 'listening') or exits (its stderr). */
function serve(env: NodeJS.ProcessEnv, pids: number[]): Promise<{listening: boolean; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binPath, 'proxy', 'serve', '--port', '0'], {env, stdio: ['ignore', 'pipe', 'pipe']});
    pids.push(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/listening on http/.test(stdout)) resolve({listening: true, stderr});
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', () => resolve({listening: false, stderr}));
  });
}

describe('rv10c: two proxy serve at once', () => {
  for (let round = 1; round <= 4; round++) {
    it(`round ${round}: one proxy serves and is the one recorded; the other is refused`, async () => {
      const ccs = makeTempCcs();
      // Many accounts and no api-keys yet: the start between the check and the record takes a while (as in a real CCS dir).
      for (let i = 0; i < 300; i++) ccs.writeToken(`claude-u${i}@example.com.json`, oauthToken('claude', `u${i}@example.com`));
      const pids: number[] = [];
      try {
        const results = await Promise.all([serve(ccs.env, pids), serve(ccs.env, pids)]);
        assert.equal(results.filter((r) => r.listening).length, 1, results.map((r) => r.stderr).join('\n---\n'));
        assert.match(results.find((r) => !r.listening)!.stderr, /a proxy is already running \(pid \d+, port \d+\); stop it first|is in use by the running proxy/);
        assert.ok(readRunningProxy(ccs.paths), 'the serving proxy is recorded');
      } finally {
        await runBin(['proxy', 'stop'], ccs.env);
        killAll(pids);
        ccs.cleanup();
      }
    });
  }
});
