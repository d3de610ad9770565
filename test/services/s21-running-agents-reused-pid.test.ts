// tui/agents.json outlives an agent whose `ccs-tui run` was killed outright (SIGKILL, a reboot): its
// entry stays, and once another process has that pid (a daemon after a reboot, a container's
// small pids) the proxy screen listed it as a running agent for ever, and `run` warned that moving
// the proxy moved it. An entry is the agent's only while the pid's process is the one it recorded.
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {addRunningAgent, readRunningAgents, runningAgentsPath} from '../../source/services/agents/running.js';
import {makeTempCcs} from '../helpers/ccs.js';

test('agents.json: an entry whose pid is now another process is no running agent', async () => {
  const ccs = makeTempCcs();
  try {
    const base = {agent: 'claude', provider: 'claude', port: 1, where: 'foreground' as const};
    // Left before this process started (an entry written before a reboot, no start recorded).
    ccs.writeRaw('tui/agents.json', JSON.stringify([{...base, pid: process.pid, startedAt: '2020-01-01T00:00:00.000Z'}]));
    assert.deepEqual(readRunningAgents(ccs.paths), [], 'an entry older than the process with its pid');
    // Recorded now: the agent it names.
    writeFileSync(runningAgentsPath(ccs.paths), '[]');
    await addRunningAgent(ccs.paths, {...base, pid: process.pid, startedAt: new Date().toISOString()});
    assert.deepEqual(readRunningAgents(ccs.paths).map((a) => a.pid), [process.pid]);
    if (process.platform === 'linux') {
      // The same pid, another start (what a process given the pid later has): not the agent.
      const [entry] = JSON.parse(readFileSync(runningAgentsPath(ccs.paths), 'utf8')) as {processStart?: string}[];
      assert.ok(entry!.processStart, 'the start of the process is recorded');
      writeFileSync(runningAgentsPath(ccs.paths), JSON.stringify([{...entry, processStart: `${entry!.processStart}0`}]));
      assert.deepEqual(readRunningAgents(ccs.paths), []);
    }
  } finally {
    ccs.cleanup();
  }
});
