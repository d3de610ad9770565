// The proxy screen in the shell: what it shows before a proxy runs, and `c` copying the exports.
import {renderTui} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Clipboard} from '../../source/services/clipboard.js';
import type {ProxyState, ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeUiCcs} from './fixtures.js';

const KEY = 'screen-test-key-0123456789abcdef';

test('shows a stopped proxy with the Claude Code exports (key masked) and c copies them in full', async () => {
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
  const copied: string[] = [];
  const clipboard: Clipboard = {copy: (text) => void copied.push(text)};
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {}}, services: {clipboard}});
  try {
    const frame = await tui.waitFor("export ANTHROPIC_BASE_URL='http://127.0.0.1:18999'");
    assert.match(frame, /○ stopped/);
    assert.match(frame, /s starts the proxy/);
    assert.ok(!frame.includes(KEY), 'the key is masked on screen');
    await tui.press('c');
    await tui.waitFor('copied 2 export lines (OSC 52)');
    assert.deepEqual(copied, [`export ANTHROPIC_BASE_URL='http://127.0.0.1:18999'\nexport ANTHROPIC_AUTH_TOKEN='${KEY}'\n`]);
    await tui.press('r');
    await tui.waitFor('start the proxy first (s)');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

/** A supervisor already running the proxy for `provider` (what the screen reads of it). */
function runningFor(provider: string): ProxySupervisor {
  const state: ProxyState = {phase: 'running', managed: 'child', kind: 'builtin', target: {provider}, pid: 4242, port: 18999, startedAt: Date.now(), requestsPerMinute: 0, totalRequests: 0, logTail: [], restarts: 0};
  return {current: state, subscribe: () => () => {}, adopt: async () => {}} as unknown as ProxySupervisor;
}

test('a provider served through translation shows its exports; one that cannot be served says what is missing', async () => {
  for (const [provider, expected] of [
    ['iflow', "export ANTHROPIC_BASE_URL='http://127.0.0.1:18999/api/provider/iflow'"],
    ['vertex', 'cannot serve Claude Code: Vertex AI has no inference base URL'],
  ] as const) {
    const ccs = makeUiCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
    const tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: runningFor(provider)}});
    try {
      const frame = await tui.waitFor(expected);
      if (provider === 'iflow') {
        assert.match(frame, /export ANTHROPIC_SMALL_FAST_MODEL='/);
        assert.match(frame, /translated to iFlow's openai-chat API/);
      } else {
        assert.ok(!frame.includes('export ANTHROPIC_BASE_URL'), 'no exports that would end in an error');
      }
    } finally {
      tui.unmount();
      ccs.cleanup();
    }
  }
});
