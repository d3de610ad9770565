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
  assert.match(frame, new RegExp(`Agents\\s+claude pid ${process.pid} \\(claude; no proxy on its port 18317: ccs-tui proxy start --port 18317\\)`));
});

test('agentText: on the proxy\'s own port, or with the port not known yet, no note', () => {
  assert.equal(agentText({...entry(42, 8317), account: 'work', where: 'tmux'}, 8317), 'claude pid 42 (claude / work, tmux)');
  assert.equal(agentText(entry(42, 8317), undefined), 'claude pid 42 (claude)');
  assert.equal(agentText(entry(42, 18317), 8317), 'claude pid 42 (claude; no proxy on its port 18317: ccs-tui proxy start --port 18317)');
});
