// The proxy screen's times tick while you watch: the uptime and the last error's age move on each
// second; a second that changes nothing shown (a stopped proxy) draws no frame.
import {renderTui, untilQuiet} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {ProxyState, ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {FakeClock} from '../helpers/fake-clock.js';
import {makeUiCcs} from './fixtures.js';

const supervisor = (state: Partial<ProxyState>): ProxySupervisor =>
  ({current: state, subscribe: (listener: (s: unknown) => void) => (listener(state), () => {}), adopt: async () => {}}) as unknown as ProxySupervisor;

const rowOf = (frame: string, label: string) => frame.split('\n').find((l) => l.includes(label))?.replace(/\s+/g, ' ') ?? '';

test('a running proxy: Uptime and "Error … ago" move on each second', async () => {
  const ccs = makeUiCcs();
  const clock = new FakeClock();
  const now = clock.now();
  const state: Partial<ProxyState> = {phase: 'running', managed: 'child', kind: 'builtin', target: {provider: 'claude'}, pid: 4242, port: 18999, startedAt: now - 40_000, requestsPerMinute: 0, totalRequests: 1, refusedPerMinute: 0, refusedRequests: 0, logTail: [], restarts: 0, lastError: 'claude/work: token rejected (401)', lastErrorAt: new Date(now - 24_000).toISOString()};
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'proxy', params: {}}, services: {clock, proxy: supervisor(state)}});
  try {
    let frame = await tui.waitFor('Uptime 40s');
    assert.match(rowOf(frame, 'Error'), /Error 24s ago/);
    for (const [uptime, age] of [['41s', '25s'], ['42s', '26s'], ['43s', '27s']]) {
      await clock.advance(1000);
      frame = await tui.waitFor(`Uptime ${uptime}`);
      assert.match(rowOf(frame, 'Error'), new RegExp(`Error ${age} ago`));
    }
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a stopped proxy: the seconds passing draw no frame', async () => {
  const ccs = makeUiCcs();
  const clock = new FakeClock();
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'proxy', params: {}}, services: {clock, proxy: supervisor({phase: 'stopped', managed: 'child', kind: 'builtin', target: {}, logTail: [], restarts: 0, requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0})}});
  try {
    await tui.waitFor('○ stopped');
    await tui.waitFor('export ANTHROPIC_BASE_URL');
    // Let the screen settle (the exports, the accounts), then watch five seconds pass.
    await untilQuiet(tui);
    const before = tui.frameCount();
    await clock.advance(5000);
    await untilQuiet(tui);
    assert.equal(tui.frameCount(), before, 'frames were drawn with nothing changed');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});
