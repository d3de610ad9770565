// The launch key (`e`) in a real terminal. Inside tmux the agent opens in a new tmux window and the
// TUI stays usable; outside tmux the TUI suspends (leaves the alternate screen), the agent has the
// terminal (Ctrl-C goes to it, not to the TUI), and the TUI comes back where it was.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {runBin, binPath} from '../helpers/cli.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {binInTmuxSkipReason, startTmux, type TmuxSession} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const KEY = 'tmux-agent-key-0123456789abcdef';
const FAKE_AGENT = [
  "process.stdout.write(`fake agent on ${process.env.ANTHROPIC_BASE_URL}\\n`);",
  "process.on('SIGINT', () => { process.stdout.write('agent got SIGINT\\n'); process.exit(130); });",
  "process.stdin.setEncoding('utf8');",
  "process.stdin.on('data', (d) => { if (d.includes('bye')) process.exit(3); });",
  "process.stdout.write(`agent ${process.pid} reads its input\n`);",
].join('\n');

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function setup(insideTmux: boolean, agentCommand?: string[]): Promise<{tmux: TmuxSession; port: number; ccs: ReturnType<typeof makeUiCcs>}> {
  const ccs = makeUiCcs();
  const port = await freePort();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${KEY}"\n`);
  const agent = ccs.writeRaw('fake-agent.mjs', FAKE_AGENT);
  const env = {...ccs.env, CCS_TUI_AGENT_CLAUDE: JSON.stringify(agentCommand ?? [process.execPath, agent])};
  const tmux = startTmux([process.execPath, binPath], {env, width: 100, height: 24, insideTmux});
  cleanups.push(async () => {
    tmux.kill();
    await runBin(['proxy', 'stop'], ccs.env);
    ccs.cleanup();
  });
  await tmux.waitFor(/work\s+alice@example\.com/);
  tmux.keys(['l']);
  await tmux.waitFor('▶ Claude accounts');
  return {tmux, port, ccs};
}

test('inside tmux: e opens the agent in a new window; the TUI stays usable and lists it on the proxy screen', {skip}, async () => {
  const {tmux, port} = await setup(true);
  tmux.keys(['e']);
  // tmux shows the new window; the TUI keeps running in the first one.
  await waitUntil(() => tmux.windows().length === 2, 20_000);
  const windows = tmux.windows();
  tmux.selectWindow(0);
  const screen = await tmux.waitFor(/Claude Code runs on claude \/ work in a new tmux window \(pid (\d+)/, 10_000);
  const pid = Number(/in a new tmux window \(pid (\d+)/.exec(screen)![1]);
  assert.ok(isProcessAlive(pid));
  assert.match(windows[1]!, new RegExp(`claude:claude ${pid}$`));
  await waitUntil(() => tmux.windowScreen(1).includes('fake agent on'), 10_000);
  assert.match(tmux.windowScreen(1), new RegExp(`fake agent on http://127\\.0\\.0\\.1:${port}/api/provider/claude`));
  // The TUI (window 0) still answers keys.
  tmux.keys(['j']);
  await tmux.waitFor(/›\s+bob@example.com/);
  tmux.keys(['4']);
  await tmux.waitFor(new RegExp(`Agents\\s+claude pid ${pid} \\(claude / work, tmux\\)`), 10_000);
  process.kill(pid, 'SIGTERM');
  await tmux.waitFor(/Agents\s+—/, 10_000);
});

test('outside tmux: e suspends the TUI, the agent has the terminal and Ctrl-C, then the TUI comes back where it was', {skip}, async () => {
  const {tmux, port} = await setup(false);
  tmux.keys(['j']);
  await tmux.waitFor(/›\s+bob@example.com/);
  tmux.keys(['e']);
  const running = await tmux.waitFor(new RegExp(`fake agent on http://127\\.0\\.0\\.1:${port}/api/provider/claude\\s+agent \\d+ reads its input`), 20_000);
  const first = /agent (\d+) reads its input/.exec(running)![1];
  assert.equal(tmux.display('#{alternate_on}'), '0', 'the TUI left the alternate screen');
  assert.equal(tmux.display('#{cursor_flag}'), '1', 'cursor shown for the agent');
  tmux.keys(['C-c']);
  const back = await tmux.waitFor('Claude Code on claude / bob@example.com exited with code 130', 10_000);
  assert.equal(tmux.display('#{alternate_on}'), '1', 'back on the alternate screen');
  assert.match(back, /›\s+bob@example.com/, 'the cursor is where it was');
  assert.ok(!back.includes('fake agent on'), 'the screen was redrawn');
  // And once more, ending the agent normally: its exit code is on the status line.
  tmux.keys(['e']);
  // The normal screen still shows the first agent's lines: wait for the second one.
  await tmux.waitFor((text) => [...text.matchAll(/agent (\d+) reads its input/g)].some((m) => m[1] !== first), 20_000);
  tmux.keys(['bye', 'Enter'], {literal: false});
  await tmux.waitFor('exited with code 3', 10_000);
  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
});

test('outside tmux: an agent that exits at once brings the TUI back with its exit code, and q still quits', {skip}, async () => {
  const {tmux} = await setup(false, ['/bin/sh', '-c', 'exit 7']);
  tmux.keys(['e']);
  const back = await tmux.waitFor('Claude Code on claude / work exited with code 7', 20_000);
  assert.equal(tmux.display('#{alternate_on}'), '1', 'back on the alternate screen');
  assert.match(back, /▶ Claude accounts/);
  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
});

test('outside tmux: keys typed while the agent runs (and it does not read) never reach the TUI when it comes back', {skip}, async () => {
  const {tmux} = await setup(false, ['/bin/sh', '-c', 'echo agent runs; sleep 2; exit 0']);
  tmux.keys(['e']);
  await tmux.waitFor('agent runs', 20_000);
  // One key: several read at once would be a paste, ignored anyway (key-routing.ts).
  tmux.keys(['q'], {literal: true});
  await tmux.waitFor('Claude Code on claude / work exited with code 0', 20_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(tmux.display('#{alternate_on}'), '1', 'q typed for the agent did not quit the TUI');
  assert.match(tmux.screen(), /▶ Claude accounts/);
  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
});

test('quitting, y, when an agent used the proxy this TUI started: the shell is told which agent lost it and the command that serves it again, which does', {skip}, async () => {
  const {tmux, port, ccs} = await setup(false);
  tmux.keys(['s']);
  await tmux.waitFor(new RegExp(`proxy running on port ${port}`), 20_000);
  // A `ccs-tui run` in another shell uses it (this test's own process stands for the agent).
  ccs.writeRaw('tui/agents.json', JSON.stringify([{pid: process.pid, agent: 'claude', provider: 'claude', port, startedAt: new Date().toISOString(), where: 'foreground'}]));
  tmux.keys(['q']);
  await tmux.waitFor(/Quit\s+anyway\?/, 10_000);
  tmux.keys(['y']);
  assert.equal(await tmux.waitForExit(), 0);
  const shell = tmux.screen({joined: true});
  const line = new RegExp(`ccs-tui: the proxy on port ${port} stopped with this TUI; 1 running agent \\(claude pid ${process.pid}\\) used it and has none now: (ccs-tui proxy start --port ${port} --provider claude[^:]*?) serves it again in the background`).exec(shell);
  assert.ok(line, shell);
  // The command it names brings the proxy back on that port.
  const started = await runBin(line[1]!.split(' ').slice(1), ccs.env);
  assert.equal(started.code, 0, started.stderr);
  const status = await runBin(['proxy', 'status'], ccs.env);
  assert.match(status.stdout, new RegExp(`proxy running: pid \\d+, http://127\\.0\\.0\\.1:${port} \\(background\\)[^]*serving: claude / work`));
});
