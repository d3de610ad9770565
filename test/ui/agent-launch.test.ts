// The launch key's refusals, on the status line before anything starts: an agent the proxy cannot
// serve for the provider, a bad agents setting in tui.json.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';
import {addRunningAgent} from '../../source/services/agents/running.js';
import {runBin} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

test('e with an agent the proxy cannot serve says why and starts no proxy', async () => {
  ccs = makeUiCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({agents: {default: 'gemini'}}));
  tui = await renderTui({paths: ccs.paths, width: 120});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'e');
  await tui.waitFor('Gemini CLI cannot use Claude through the proxy: the proxy has no gemini-api route');
  assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'no proxy was started');
});

test('e with a malformed agents setting names the field', async () => {
  ccs = makeUiCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({agents: {claude: {command: 42}}}));
  tui = await renderTui({paths: ccs.paths, width: 120});
  await tui.waitFor('alice@example.com');
  await tui.press('e');
  await tui.waitFor('tui.json: agents.claude.command must be a path or a non-empty array of strings');
});

test('e on the shared proxy says which running agents it moves to another account', async () => {
  ccs = makeUiCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "agent-launch-key-0123456789abcdef"\n`);
  const started = await runBin(['proxy', 'start'], ccs.env);
  assert.equal(started.code, 0, started.stderr);
  const paths = ccs.paths;
  try {
    // An agent running on "work" (this test process stands in for it: agents.json keeps live pids).
    await addRunningAgent(paths, {pid: process.pid, agent: 'claude', provider: 'claude', account: 'work', port, startedAt: new Date().toISOString(), where: 'tmux'});
    tui = await renderTui({paths, width: 200, env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'}});
    await tui.waitFor('alice@example.com');
    await tui.press('l', 'j', 'e');
    await tui.waitFor(`warning: the proxy is shared with agents still running: claude pid ${process.pid} (started on claude / work) is now served by bob@example.com`);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
  }
});

test("e with the providers pane focused runs the agent on the provider's pool, not the highlighted account", async () => {
  ccs = makeUiCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "agent-launch-key-0123456789abcdef"\n`);
  try {
    tui = await renderTui({paths: ccs.paths, width: 200, env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'}});
    await tui.waitFor('alice@example.com');
    await tui.press('e');
    await tui.waitFor('Claude Code on claude pool exited with code 0');
    // The accounts pane focused: the highlighted account.
    await tui.press('l', 'j', 'e');
    await tui.waitFor('Claude Code on claude / bob@example.com exited with code 0');
    // The proxy the first run started outlives the TUI: said, with the key that stops it (the
    // message log has every message whole).
    await tui.press('M');
    const log = await tui.waitFor('Messages, newest first');
    const pid = Number(JSON.parse(readFileSync(path.join(ccs.paths.state, 'proxy.json'), 'utf8')).pid);
    assert.ok(log.includes(`Claude Code on claude pool exited with code 0; started the proxy in the background (pid ${pid}, port ${port}; x on the proxy screen (4) stops it), serving the claude pool (work first)`), log);
    assert.ok(log.includes(`Claude Code on claude / bob@example.com exited with code 0; using the running proxy (pid ${pid}, port ${port}), now serving claude / bob@example.com`), log);
    assert.doesNotMatch(log, /ccs-tui proxy/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
  }
});

test('e on a pool with every account paused says how to resume one with the key, not a command', async () => {
  const {makeTempCcs, tokenFixture} = await import('../helpers/ccs.js');
  ccs = makeTempCcs();
  ccs.writeToken('claude-dana@example.com.json', tokenFixture('claude', 'dana@example.com'), 'auth-paused');
  tui = await renderTui({paths: ccs.paths, width: 200});
  await tui.waitFor('dana@example.com');
  await tui.press('e');
  const frame = await tui.waitFor('every Claude account is paused (dana@example.com): resume one with: p on the accounts screen');
  assert.ok(!frame.includes('ccs-tui resume'), frame);
});

test('e on an account cooling down after a limit asks first, naming the healthy pool; no launches nothing, yes launches', async () => {
  ccs = makeUiCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "agent-launch-key-0123456789abcdef"\n`);
  const {AccountStore} = await import('../../source/store/accounts.js');
  const store = new AccountStore(ccs.paths);
  const bob = (await store.load()).accounts.find((a) => a.email === 'bob@example.com')!;
  await store.setCooldown('claude', bob.id, {until: new Date(Date.now() + 600_000).toISOString(), kind: 'quota', reason: 'usage limit reached'});
  try {
    tui = await renderTui({paths: ccs.paths, width: 260, env: {...ccs.env, CCS_TUI_AGENT_CLAUDE: '/bin/true'}});
    await tui.waitFor('alice@example.com');
    await tui.press('l', 'j', 'e');
    await tui.waitFor(/claude account bob@example\.com is cooling down .*\(usage limit reached\): served alone, its requests would be refused until then; run the claude pool instead \(work is healthy\): e on the claude provider row\. Launch anyway\? \[y\/N\]/);
    await tui.press('n');
    await tui.waitFor('not launched: claude account bob@example.com is cooling down');
    assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'no proxy was started');
    await tui.press('e');
    await tui.waitFor(/claude account bob@example\.com is cooling down.*Launch anyway\?/);
    await tui.press('y');
    await tui.waitFor(/Claude Code on claude \/ bob@example\.com exited with code 0; warning: claude account bob@example\.com is cooling down/);
  } finally {
    await runBin(['proxy', 'stop'], ccs.env);
  }
});
