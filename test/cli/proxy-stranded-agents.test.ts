// Agents `run` started whose proxy was stopped: `proxy start` on another port says they are not
// served by it (the note `proxy stop` gave named their port), and `proxy stop --json` lists the
// agents it left without a proxy, as its note on stderr does.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {API_KEY, oauthToken} from '../proxy/fixture.js';

test('proxy start says which running agents it does not serve; proxy stop --json lists the agents it left', async () => {
  const ccs = makeTempCcs();
  try {
    ccs.writeToken('claude-a@example.com.json', oauthToken('claude', 'a@example.com'));
    const port = await freePort();
    const elsewhere = await freePort();
    ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${API_KEY}"\n`);
    // This test's own process stands in for a running agent (it is alive).
    const agent = (on: number) => JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port: on, startedAt: new Date().toISOString(), where: 'foreground'}]);
    ccs.writeRaw('tui/agents.json', agent(elsewhere));
    const started = await runBin(['proxy', 'start'], ccs.env);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stderr, `ccs-tui: note: this proxy listens on port ${port}; 1 running agent uses another, where no proxy runs (claude pid ${process.pid} on port ${elsewhere}): restart it here, or stop this proxy and start it on that port\n`);
    ccs.writeRaw('tui/agents.json', agent(port));
    const stopped = await runBin(['proxy', 'stop', '--json'], ccs.env);
    assert.equal(stopped.code, 0, stopped.stderr);
    const json = JSON.parse(stopped.stdout) as {stopped: boolean; agentsLeft: unknown};
    assert.equal(json.stopped, true);
    assert.deepEqual(json.agentsLeft, [{agent: 'claude', pid: process.pid, port}]);
    // Nothing stranded: no note.
    ccs.writeRaw('tui/agents.json', '[]');
    const quiet = await runBin(['proxy', 'start'], ccs.env);
    assert.equal(quiet.stderr, '');
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  }
});
