// On macOS (no /proc) a process's start is asked of `ps`. The proxy screen reads tui/agents.json
// every second and ran `ps` once per entry on each read: 20 agents, 20 programs run a second, each
// blocking the screen. Now `ps` is asked once for all the pids it does not know, and what it said is
// kept 30 s; an agent whose process exits still leaves the list at the next read.
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {test} from 'node:test';
import {readRunningAgents} from '../../source/services/agents/running.js';
import {ProcessStarts, processStartToken, psStartTokens} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';

test('agents.json on a ps platform: one ps run for every entry, kept 30 s; an exited agent goes at once', async () => {
  const ccs = makeTempCcs();
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < 4; i++) children.push(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'}));
    const pids = children.map((child) => child.pid!);
    // A ps that words each start as `ps -o lstart=` would, and counts its runs.
    const runs: string[][] = [];
    const run = (args: string[]) => {
      runs.push(args);
      const asked = args[args.indexOf('-p') + 1]!.split(',').map(Number);
      return asked.filter((pid) => pids.includes(pid)).map((pid) => `  ${pid} Wed Dec  2 13:15:${String(pid % 60).padStart(2, '0')} 2026\n`).join('');
    };
    let now = 1_000_000;
    const starts = new ProcessStarts({method: 'ps', run, now: () => now});
    const startOf = (pid: number) => `Wed Dec  2 13:15:${String(pid % 60).padStart(2, '0')} 2026`;
    const base = {agent: 'claude', provider: 'claude', port: 1, startedAt: new Date().toISOString(), where: 'foreground' as const};
    ccs.writeRaw('tui/agents.json', JSON.stringify(pids.map((pid) => ({...base, pid, processStart: startOf(pid)}))));

    for (let second = 0; second < 20; second++, now += 1000) {
      assert.deepEqual(readRunningAgents(ccs.paths, starts).map((a) => a.pid), pids, `second ${second}: every agent is listed`);
    }
    assert.equal(runs.length, 1, 'ps ran once in 20 reads of 4 entries');
    assert.deepEqual(runs[0], ['-o', 'pid=,lstart=', '-p', pids.join(',')], 'for all four pids at once');

    // An agent exits: the next read drops it, with no ps run (signal 0 tells).
    children[0]!.kill('SIGKILL');
    await once(children[0]!, 'exit');
    assert.deepEqual(readRunningAgents(ccs.paths, starts).map((a) => a.pid), pids.slice(1));
    assert.equal(runs.length, 1);

    // After 30 s the starts are asked again (once, for the live ones): a pid given to another process is seen.
    now += 30_000;
    const reused = pids[1]!;
    ccs.writeRaw('tui/agents.json', JSON.stringify(pids.map((pid) => ({...base, pid, processStart: pid === reused ? 'Mon Jan  1 00:00:00 2024' : startOf(pid)}))));
    assert.deepEqual(readRunningAgents(ccs.paths, starts).map((a) => a.pid), pids.slice(2));
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[1]!.at(-1), pids.slice(1).join(','));
  } finally {
    for (const child of children) child.kill('SIGKILL');
    ccs.cleanup();
  }
});

test('one ps run for several pids words each start as ps -o lstart= does for one', async () => {
  const children = [0, 1].map(() => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'}));
  try {
    const pids = children.map((child) => child.pid!);
    const tokens = psStartTokens([...pids, 0x7ffffffe]);
    // What `ps -o lstart=` alone prints is what records written so far hold.
    const alone = (pid: number) => spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], {encoding: 'utf8', env: {...process.env, LC_ALL: 'C', TZ: 'UTC0'}}).stdout.trim();
    for (const pid of pids) {
      assert.equal(tokens.get(pid), alone(pid));
      assert.equal(processStartToken(pid, 'ps'), alone(pid));
    }
    assert.ok(tokens.get(pids[0]!), 'a start for a live process');
    assert.equal(tokens.has(0x7ffffffe), false, 'none for a pid with no process');
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
});
