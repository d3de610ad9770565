// The proxy screen in the shell: what it shows before a proxy runs, and `c` copying the exports.
import {renderTui} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Clipboard} from '../../source/services/clipboard.js';
import type {ProxyState, ProxySupervisor} from '../../source/services/proxy-supervisor.js';
import {makeUiCcs} from './fixtures.js';
import {makeTempCcs, tokenFixture} from '../helpers/ccs.js';

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

/** A supervisor stand-in whose stop and restart finish only when the test says so. */
function slowSupervisor(initial: Record<string, unknown>) {
  let state = {phase: 'running', managed: 'child', kind: 'builtin', requestsPerMinute: 0, totalRequests: 0, logTail: [], restarts: 0, ...initial};
  const listeners = new Set<(s: unknown) => void>();
  let finish: (() => void) | undefined;
  const slow = (next: Record<string, unknown>) => () =>
    new Promise<boolean>((resolve) => {
      finish = () => {
        state = {...state, ...next};
        for (const l of listeners) l(state);
        resolve(true);
      };
    });
  return {
    finish: () => finish?.(),
    /** The supervisor's state changes now (as its child's status or exit would change it). */
    set: (next: Record<string, unknown>) => {
      state = {...state, ...next};
      for (const l of listeners) l(state);
    },
    supervisor: {
      get current() {
        return state;
      },
      subscribe(listener: (s: unknown) => void) {
        listeners.add(listener);
        listener(state);
        return () => void listeners.delete(listener);
      },
      adopt: async () => undefined,
      stop: slow({phase: 'stopped'}),
      restart: slow({phase: 'running'}),
      start: async () => undefined,
      settled: async () => state,
      rotate: async () => undefined,
      dispose: async () => undefined,
    },
  };
}

test('serving a pool says "pool of N" and the current account; x says "stopping…" at once; log lines end in … when cut', async () => {
  const ccs = makeUiCcs();
  const long = `request ${'x'.repeat(200)} tail-marker`;
  const traffic = {totalRequests: 12, requestsPerMinute: 2, refusedRequests: 3, refusedPerMinute: 1};
  const fake = slowSupervisor({target: {provider: 'claude'}, account: 'alice@example.com', port: 18997, pid: 4242, startedAt: Date.now(), logTail: [long], ...traffic});
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 24, route: {screen: 'proxy', params: {}}, services: {proxy: fake.supervisor as never}});
  try {
    let frame = await tui.waitFor('pool of 2');
    assert.match(frame, /claude \/ pool of 2 · now alice@example\.com/);
    // The requests the proxy answered itself are counted too, worded as `proxy status` words them.
    assert.match(frame, /Traffic +12 forwarded \(2\/min\) · 3 refused by the proxy \(1\/min\)/);
    const logLine = frame.split('\n').find((l) => l.includes('request xxx'))!;
    assert.match(logLine, /x… *│$/);
    assert.doesNotMatch(frame, /tail-marker/);
    await tui.press('x');
    frame = await tui.waitFor('stopping the proxy…');
    fake.finish();
    await tui.waitFor('proxy stopped');
    await tui.press('R');
    await tui.waitFor('restarting the proxy');
    fake.finish();
    // The progress message ends with the restart: the status says how it ended.
    frame = await tui.waitFor('proxy running on port 18997');
    assert.doesNotMatch(frame, /restarting the proxy/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

/** A supervisor already running the proxy for `provider` (what the screen reads of it). */
function runningFor(provider: string): ProxySupervisor {
  const state: ProxyState = {phase: 'running', managed: 'child', kind: 'builtin', target: {provider}, pid: 4242, port: 18999, startedAt: Date.now(), requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0, logTail: [], restarts: 0};
  return {current: state, subscribe: () => () => {}, adopt: async () => {}} as unknown as ProxySupervisor;
}

test('a provider served through translation shows its exports; one that cannot be served says what is missing', async () => {
  for (const [provider, expected] of [
    ['iflow', "export ANTHROPIC_BASE_URL='http://127.0.0.1:18999/api/provider/iflow'"],
    ['vertex', 'cannot serve Claude Code: Vertex AI has no inference base URL'],
  ] as const) {
    const ccs = makeUiCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
    if (provider === 'iflow') ccs.writeToken('iflow-ivy@example.com-1.json', {...tokenFixture('iflow', 'ivy@example.com'), api_key: 'sk-iflow-0123456789'});
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

test("a provider with no static model list: the heading is whole, and the notes `ccs-tui env` prints (every model variable, the live list's key) are shown in full", async () => {
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
  ccs.writeToken('aistudio-studio1.json', {type: 'aistudio', email: 'studio1', api_key: 'AIzaSyTestKey0123456789'});
  const tui = await renderTui({paths: ccs.paths, width: 80, height: 40, route: {screen: 'proxy', params: {}}, services: {proxy: runningFor('aistudio')}});
  try {
    const frame = await tui.waitFor('ANTHROPIC_DEFAULT_SONNET_MODEL');
    const text = frame.split('\n').map((line) => line.replace(/^[│ ]+|[│ ]+$/g, '')).join(' ');
    assert.match(frame, /Claude Code exports \(c copies them\)/);
    assert.match(text, /translated to Google AI Studio's gemini-native API by the proxy/);
    assert.match(text, /ccs-tui has no static Google AI Studio model list/);
    // The TUI names its key where the command line names a command.
    assert.match(text, /list the provider's models: L on the model rules screen \(3\)/);
    assert.ok(!text.includes('ccs-tui models'), text);
    for (const name of ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL']) assert.match(text, new RegExp(`${name}=<model`));
    // The masked key is the one shortened thing on screen.
    assert.deepEqual(frame.split('\n').filter((line) => line.includes('…') && !line.includes('ANTHROPIC_AUTH_TOKEN')), [], 'nothing cut off');
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('no usable Claude account: the refusal names the accounts screen\'s key, not a command', async () => {
  for (const [setup, expected] of [
    ['none', 'Claude Code cannot use Claude: no Claude account (a on the accounts screen adds one)'],
    ['paused', 'every Claude account is paused (dana@example.com): resume one with: p on the accounts screen'],
  ] as const) {
    const ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
    if (setup === 'paused') ccs.writeToken('claude-dana@example.com.json', tokenFixture('claude', 'dana@example.com'), 'auth-paused');
    // Wide enough for the refusal on one row.
    const tui = await renderTui({paths: ccs.paths, width: 160, height: 30, route: {screen: 'proxy', params: {}}});
    try {
      const frame = await tui.waitFor(expected);
      assert.ok(!frame.includes('ccs-tui login') && !frame.includes('ccs-tui resume'), frame);
    } finally {
      tui.unmount();
      ccs.cleanup();
    }
  }
});

test('more accounts waiting than the screen lists: it says how many more and where each is, not a command', async () => {
  const ccs = makeUiCcs();
  const until = new Date(Date.now() + 60_000).toISOString();
  const cooling = ['a', 'b', 'c', 'd', 'e'].map((name) => ({provider: 'claude', account: `${name}@example.com`, until, reason: 'rate limited (429)'}));
  const fake = slowSupervisor({target: {provider: 'claude'}, account: 'alice@example.com', port: 18997, pid: 4242, startedAt: Date.now(), cooling});
  const tui = await renderTui({paths: ccs.paths, width: 120, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: fake.supervisor as never}});
  try {
    const frame = await tui.waitFor('more (');
    assert.match(frame, /… and 3 more \(each has its line in the proxy's log\)/);
    assert.doesNotMatch(frame, /ccs-tui proxy status/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a config.yaml that does not parse: the exports section says why it is empty (its place and fault) and what to do', async () => {
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\noauth-excluded-models:\n  claude: [a, b\n`);
  const tui = await renderTui({paths: ccs.paths, width: 160, height: 40, route: {screen: 'proxy', params: {}}});
  try {
    const frame = await tui.waitFor('no exports:');
    const joined = frame.replace(/\s*\n\s*│?\s*/g, ' ');
    assert.match(joined, /no exports: \S*config\.yaml:\d+:\d+: invalid YAML: .*; fix it by hand/);
    // Its place and fault only: what else stops until it is fixed is the banner's to say, once.
    assert.doesNotMatch(joined, /no exports: [^│]*model rules are unknown/);
    assert.ok(!frame.includes('export ANTHROPIC'), frame);
    // `c` says the same, not "not ready yet": they wait on a fix by hand.
    await tui.press('c');
    const status = (await tui.waitFor((f) => f.split('\n').at(-1)!.includes('no exports:') || f.split('\n').at(-2)!.includes('no exports:'))).split('\n').slice(-2).join(' ');
    assert.match(status, /no exports: \S*config\.yaml:\d+:\d+: invalid YAML/);
    assert.doesNotMatch(tui.frame(), /not ready yet/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a proxy stopped from outside says who stopped it and that s starts it again; the Serving row follows a live switch', async () => {
  const ccs = makeUiCcs();
  const fake = slowSupervisor({target: {provider: 'claude'}, account: 'alice@example.com', port: 18997, pid: 4242, startedAt: Date.now()});
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 24, route: {screen: 'proxy', params: {}}, services: {proxy: fake.supervisor as never}});
  try {
    await tui.waitFor('claude / pool');
    // `ccs-tui run` switched it: the supervisor's target follows the proxy's status.
    fake.set({target: {provider: 'claude', account: 'bob@example.com'}, account: 'bob@example.com'});
    await tui.waitFor(/Serving\s+claude \/ bob@example\.com/);
    fake.set({phase: 'stopped', pid: undefined, stoppedBy: 'stopped by ccs-tui proxy stop (pid 17001)'});
    await tui.waitFor('stopped by ccs-tui proxy stop (pid 17001) (s starts it again)');
    // The status line says it at once (a "proxy running on port …" from the start stood there for 10 s).
    await tui.waitFor((f) => f.split('\n').at(-2)!.startsWith('proxy stopped by ccs-tui proxy stop (pid 17001)'));
    // The hints offer the start first, no stop or rotate.
    const frame = await tui.waitFor((f) => /^s start/.test(f.split('\n').at(-1)!));
    assert.doesNotMatch(frame.split('\n').at(-1)!, /x stop|r rotate/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('a proxy that ran on another port and stopped: the exports name the port s starts on (config.yaml\'s), not the dead one', async () => {
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', `port: 18999\napi-keys:\n  - "${KEY}"\n`);
  const state: ProxyState = {phase: 'stopped', managed: 'none', kind: 'builtin', target: {provider: 'claude'}, port: 42863, requestsPerMinute: 0, totalRequests: 0, refusedPerMinute: 0, refusedRequests: 0, logTail: [], restarts: 0};
  const stopped = {current: state, subscribe: () => () => {}, adopt: async () => {}} as unknown as ProxySupervisor;
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 30, route: {screen: 'proxy', params: {}}, services: {proxy: stopped}});
  try {
    const frame = await tui.waitFor("export ANTHROPIC_BASE_URL='http://127.0.0.1:18999'");
    assert.match(frame, /○ stopped/);
    assert.doesNotMatch(frame, /42863/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});

test('R on a proxy serving one account alone: the status names it as the Serving row does (its nickname), not by its id', async () => {
  const ccs = makeUiCcs();
  const fake = slowSupervisor({target: {provider: 'claude', account: 'alice@example.com'}, account: 'work', pinned: true, port: 18996, pid: 4243, startedAt: Date.now()});
  const tui = await renderTui({paths: ccs.paths, width: 100, height: 24, route: {screen: 'proxy', params: {}}, services: {proxy: fake.supervisor as never}});
  try {
    await tui.waitFor(/claude \/ work/);
    await tui.press('R');
    await tui.waitFor('restarting the proxy for claude / work');
    fake.finish();
    const frame = await tui.waitFor('proxy running on port 18996 for claude / work');
    assert.doesNotMatch(frame, /alice@example\.com/);
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
});
