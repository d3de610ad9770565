// tui/agents.json is a file like any other: what it holds is data. An entry whose pid is 0 or negative
// (signal 0 to it reaches this process's own group, or every process, so it always "answers") was
// listed as a running agent for ever: on the proxy screen, and in `run`'s warning about the agents a
// move of the shared proxy moves.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {readRunningAgents} from '../../source/services/agents/running.js';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const entry = (pid: number, agent: string) => ({pid, agent, provider: 'claude', port: 1, startedAt: new Date().toISOString(), where: 'foreground'});

test('agents.json: pids 0 and -1 are no running agent', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('tui/agents.json', JSON.stringify([entry(process.pid, 'claude'), entry(0, 'ghost-zero'), entry(-1, 'ghost-all')]));
  assert.deepEqual(readRunningAgents(ccs.paths).map((a) => a.pid), [process.pid]);
  tui = await renderTui({paths: ccs.paths, width: 160, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  const frame = await tui.waitFor(new RegExp(`Agents\\s+claude pid ${process.pid}`));
  assert.doesNotMatch(frame, /ghost/);
});
