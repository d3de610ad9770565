// An agent left on a port where no proxy runs (`ccs-tui proxy stop` said "proxy start --port N serves
// it again"; the TUI's own start takes config.yaml's port): the proxy screen's Agents row says it has
// no proxy there and how to start one there, instead of listing it as if this proxy served it.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {agentText} from '../../source/ui/screens/ProxyScreen.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const entry = (pid: number, port: number) => ({pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground' as const});

test('proxy screen, stopped: an agent on another port than config.yaml\'s is said to have no proxy there', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', 'port: 28317\napi-keys:\n  - "sk-test-key-0123456789"\n');
  ccs.writeRaw('tui/agents.json', JSON.stringify([entry(process.pid, 18317)]));
  tui = await renderTui({paths: ccs.paths, width: 200, height: 30});
  await tui.waitFor('alice@example.com');
  await tui.press('4');
  const frame = await tui.waitFor(/no proxy on its port 18317/);
  assert.match(frame, new RegExp(`Agents\\s+claude pid ${process.pid} \\(claude pool; no proxy on its port 18317: ccs-tui proxy start --port 18317\\)`));
});

test('agentText: on the proxy\'s own port, or with the port not known yet, no note; a running proxy on another port, or a stopped one that s starts on its port, said', () => {
  assert.equal(agentText({...entry(42, 8317), account: 'work', where: 'tmux'}, {port: 8317, running: true}), 'claude pid 42 (claude / work, tmux)');
  assert.equal(agentText(entry(42, 8317), {port: undefined, running: false}), 'claude pid 42 (claude pool)');
  assert.equal(agentText(entry(42, 18317), {port: 8317, running: false}), 'claude pid 42 (claude pool; no proxy on its port 18317: ccs-tui proxy start --port 18317)');
  assert.equal(agentText(entry(42, 8317), {port: 8317, running: false}), 'claude pid 42 (claude pool; no proxy now: s starts one on its port)');
  assert.equal(agentText(entry(42, 18317), {port: 18400, running: true}), 'claude pid 42 (claude pool; no proxy on its port 18317 (this one is on 18400): restart the agent, or ccs-tui proxy stop, then ccs-tui proxy start --port 18317)');
});

test('agents.json: an entry whose port or names are not what ccs-tui writes is no agent; names are shown without escapes', async () => {
  ccs = makeUiCcs();
  const {readRunningAgents} = await import('../../source/services/agents/running.js');
  ccs.writeRaw('tui/agents.json', JSON.stringify([
    {...entry(process.pid, 8317), agent: 'claude\u001b[2J\u001b]52;c;aGk=\u0007', provider: 'claude\u001b[31m'},
    {...entry(process.pid, 0)},
    {...entry(process.pid, 70000)},
    {...entry(process.pid, 1.5)},
    {...entry(process.pid, 8317), port: '8317'},
    {...entry(process.pid, 8317), agent: {}},
  ]));
  const agents = readRunningAgents(ccs.paths);
  assert.equal(agents.length, 1, JSON.stringify(agents));
  assert.doesNotMatch(JSON.stringify(agents), /\\u001b|\\u0007/);
});
