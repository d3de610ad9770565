// `q` when the proxy this TUI started (its child, which stops with it) serves running agents (a
// `ccs-tui run` in another shell uses it too): the TUI asks first, since quitting takes their proxy
// away mid-task. `n` stays; `y` or a second Ctrl-C quits. No agent, or an agent of another proxy: no
// question. Found by a newcomer whose agent lost its proxy when they closed the TUI.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {test} from 'node:test';
import type {ProxyState, ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {renderTui} from '../helpers/ink.js';
import {makeUiCcs} from './fixtures.js';

/** A supervisor whose child proxy runs on `port` (what quitting reads of it). */
function childProxyOn(port: number, managed: ProxyState['managed'] = 'child'): ProxySupervisor {
  const state: ProxyState = {phase: 'running', managed, kind: 'builtin', target: {provider: 'claude'}, pid: 4242, port, startedAt: Date.now(), requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0, logTail: [], restarts: 0};
  return {current: state, subscribe: () => () => {}, adopt: async () => {}} as unknown as ProxySupervisor;
}

const agentOn = (port: number) => ({pid: process.pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground'});

async function settled(exited: Promise<void>, ms = 300): Promise<boolean> {
  return Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

/**
 * Runs `use` on a TUI at `route` (the accounts screen by default) over a CCS dir whose agents.json
 * lists `agents`, with `proxy` as its supervisor; unmounted and cleaned up afterwards.
 */
async function withTui(agents: unknown[], proxy: ProxySupervisor, use: (tui: Awaited<ReturnType<typeof renderTui>>, ccs: ReturnType<typeof makeUiCcs>) => Promise<void>, options: {width?: number; route?: Parameters<typeof renderTui>[0]['route']} = {}): Promise<void> {
  const ccs = makeUiCcs();
  ccs.writeRaw('tui/agents.json', JSON.stringify(agents));
  const tui = await renderTui({paths: ccs.paths, width: options.width ?? 120, height: 30, ...(options.route ? {route: options.route} : {}), services: {proxy}});
  try {
    await use(tui, ccs);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
}

test('q with an agent on this TUI\'s proxy asks; n stays, y quits', async () => {
  await withTui([agentOn(18999)], childProxyOn(18999), async (tui) => {
    await tui.waitFor(/alice@e/);
    await tui.press('q');
    const frame = await tui.waitFor('Quit anyway?');
    assert.match(frame, new RegExp(`The proxy this TUI started serves 1 running agent \\(claude pid ${process.pid}\\): quitting stops it\\. Quit anyway\\?`));
    assert.equal(await settled(tui.exited), false, 'still open while it asks');
    await tui.press('n');
    await tui.waitFor((f) => !f.includes('Quit anyway?'));
    assert.equal(await settled(tui.exited), false, 'n keeps the TUI open');
    await tui.press('q');
    await tui.waitFor('Quit anyway?');
    await tui.press('y');
    await tui.exited;
  });
});

test('the question shares its row with the counts: they show in whole parts or not at all, never cut', async () => {
  for (const width of [112, 120, 130, 160]) {
    await withTui([agentOn(18999)], childProxyOn(18999), async (tui) => {
      await tui.waitFor(/alice@e/);
      await tui.press('q');
      const frame = await tui.waitFor('Quit anyway?');
      const row = frame.split('\n').find((line) => line.includes('[y/N]'))!;
      // The CCS dir, when it shows, is cut from its start on purpose (its end names it).
      const after = row.slice(row.indexOf('[y/N]') + '[y/N]'.length).trim().replace(/ · …?\S*\.ccs$/, '');
      assert.ok(!after.includes('…'), `nothing cut after the choices at ${width} columns: ${row}`);
      assert.match(after, /^(\d+ accounts?( · \d+\/\d+ providers?)?)?$/, `whole parts of the counts at ${width} columns: ${row}`);
      await tui.press('n');
    }, {width});
  }
});

test('the question follows the agents while it is open: one more, then none; y then quits', async () => {
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {stdio: 'ignore'});
  try {
    await withTui([agentOn(18999)], childProxyOn(18999), async (tui, ccs) => {
      await tui.waitFor(/alice@e/);
      await tui.press('q');
      await tui.waitFor('serves 1 running agent (claude pid');
      ccs.writeRaw('tui/agents.json', JSON.stringify([agentOn(18999), {...agentOn(18999), pid: other.pid, agent: 'codex'}]));
      await tui.waitFor('serves 2 running agents');
      ccs.writeRaw('tui/agents.json', '[]');
      const frame = await tui.waitFor('No running agent uses the proxy this TUI started any more. Quit?');
      assert.doesNotMatch(frame, /serves \d+ running agent/, 'the old question is gone');
      assert.equal(await settled(tui.exited), false, 'still asked: the person answers');
      await tui.press('y');
      await tui.exited;
    });
  } finally {
    other.kill();
  }
});

test('Ctrl-C at that question quits', async () => {
  await withTui([agentOn(18999)], childProxyOn(18999), async (tui) => {
    await tui.waitFor(/alice@e/);
    await tui.press('ctrl+c');
    await tui.waitFor('Quit anyway?');
    await tui.press('ctrl+c');
    await tui.exited;
  });
});

test('no question: no agent, an agent of another port, or a proxy this TUI did not start (it outlives the TUI)', async () => {
  for (const [agents, proxy] of [
    [[], childProxyOn(18999)],
    [[agentOn(18000)], childProxyOn(18999)],
    [[agentOn(18999)], childProxyOn(18999, 'adopted')],
  ] as const) {
    await withTui([...agents], proxy, async (tui) => {
      await tui.waitFor(/alice@e/);
      await tui.press('q');
      await tui.exited;
      assert.doesNotMatch(tui.frame(), /Quit anyway/);
    });
  }
});

test('x on the proxy screen with an agent on that proxy asks too; n keeps it running, y stops it', async () => {
  let stops = 0;
  const proxy = Object.assign(childProxyOn(18999, 'adopted'), {stop: async () => void stops++});
  await withTui([agentOn(18999)], proxy, async (tui) => {
    await tui.waitFor(/Agents\s+claude pid/);
    await tui.press('x');
    let frame = await tui.waitFor('Stop the proxy?');
    assert.match(frame, new RegExp(`1 running agent \\(claude pid ${process.pid}\\) uses this proxy: stopping the proxy leaves that agent without one\\. Stop the proxy\\?`));
    await tui.press('n');
    await tui.waitFor('the proxy keeps running');
    assert.equal(stops, 0);
    await tui.press('x');
    await tui.waitFor('Stop the proxy?');
    await tui.press('y');
    frame = await tui.waitFor((f) => stops === 1 && !f.includes('Stop the proxy?'));
    assert.equal(stops, 1);
  }, {route: {screen: 'proxy', params: {}}});
});

test('x\'s question follows the agents while it is open: the last one ends, it says so', async () => {
  let stops = 0;
  const proxy = Object.assign(childProxyOn(18999, 'adopted'), {stop: async () => void stops++});
  await withTui([agentOn(18999)], proxy, async (tui, ccs) => {
    await tui.waitFor(/Agents\s+claude pid/);
    await tui.press('x');
    await tui.waitFor('uses this proxy: stopping the proxy leaves that agent without one');
    ccs.writeRaw('tui/agents.json', '[]');
    const frame = await tui.waitFor('No running agent uses this proxy any more. Stop the proxy?');
    assert.doesNotMatch(frame, /leaves that agent/);
    assert.equal(stops, 0, 'still asked');
    await tui.press('y');
    await tui.waitFor(() => stops === 1);
  }, {route: {screen: 'proxy', params: {}}});
});

test('R on the proxy screen with an agent on that proxy asks too; n leaves it running, y restarts it', async () => {
  let restarts = 0;
  const proxy = Object.assign(childProxyOn(18999), {restart: async () => (restarts++, true), settled: async () => proxy.current});
  await withTui([agentOn(18999)], proxy, async (tui) => {
    await tui.waitFor(/Agents\s+claude pid/);
    await tui.press('R');
    // The question may wrap: read as one line.
    const frame = (await tui.waitFor(/Restart\s+the\s+proxy\?/)).replace(/[│┃]/g, ' ').replace(/\s+/g, ' ');
    assert.match(frame, new RegExp(`1 running agent \\(claude pid ${process.pid}\\) uses this proxy: restarting the proxy cuts that agent's requests under way\\. Restart the proxy\\?`));
    await tui.press('n');
    await tui.waitFor('the proxy keeps running (not restarted)');
    assert.equal(restarts, 0);
    await tui.press('R');
    await tui.waitFor(/Restart\s+the\s+proxy\?/);
    await tui.press('y');
    await tui.waitFor((f) => restarts === 1 && f.includes('proxy running on port 18999'));
  }, {route: {screen: 'proxy', params: {}}});
});

test('R with no agent on that proxy restarts at once', async () => {
  let restarts = 0;
  const proxy = Object.assign(childProxyOn(18999), {restart: async () => (restarts++, true), settled: async () => proxy.current});
  await withTui([agentOn(18000)], proxy, async (tui) => {
    await tui.waitFor(/Proxy/);
    await tui.press('R');
    await tui.waitFor((f) => restarts === 1 && f.includes('proxy running on port 18999'));
    assert.doesNotMatch(tui.frame(), /Restart\s+the\s+proxy\?/);
  }, {route: {screen: 'proxy', params: {}}});
});

test('q on the models screen with unsaved rules and an agent on the proxy: both questions, in turn; n at the second stays', async () => {
  await withTui([agentOn(18999)], childProxyOn(18999), async (tui) => {
    await tui.waitFor(/Models \d+\/15 visible/);
    await tui.press('a');
    await tui.type('*haiku*');
    await tui.press('enter');
    await tui.waitFor('* unsaved');
    await tui.press('q');
    await tui.waitFor('Quit and discard unsaved rule changes?');
    await tui.press('y');
    await tui.waitFor(/Quit\s+anyway\?/);
    await tui.press('n');
    await tui.waitFor((f) => !/Quit\s+anyway\?/.test(f));
    assert.equal(await settled(tui.exited), false, 'n keeps the TUI open');
    await tui.press('q');
    await tui.waitFor('Quit and discard unsaved rule changes?');
    await tui.press('y');
    await tui.waitFor(/Quit\s+anyway\?/);
    await tui.press('y');
    await tui.exited;
  }, {width: 100, route: {screen: 'models', params: {provider: 'claude'}}});
});
