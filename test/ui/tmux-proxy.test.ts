// The built binary in tmux: `s` on an account starts the proxy child, the proxy screen shows it, it
// answers requests, and quitting the TUI leaves no proxy process behind.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {isProcessAlive} from '../../source/services/proxy/pid-file.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const KEY = 'tmux-proxy-key-0123456789abcdef';
const startBin = binInTmux();

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The built binary in tmux with `s` pressed on claude's work account (the proxy starting). */
async function servingAlice() {
  const port = await freePort();
  const ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/config.yaml', `port: ${port}\napi-keys:\n  - "${KEY}"\n`);
  const tmux = startBin(ccs);
  await tmux.waitFor(/work\s+alice@example\.com/);
  tmux.keys(['l']);
  await tmux.waitFor('▶ Claude accounts');
  tmux.keys(['s']);
  return {port, ccs, tmux};
}

test('s serves the account, the proxy answers, q quits and no proxy process is left', {skip}, async () => {
  const {port, ccs, tmux} = await servingAlice();
  await tmux.waitFor(/running · child of this TUI[\s\S]*claude \/ work/, 15_000);
  // The exports are computed once the port is known: they follow the running line.
  const screen = await tmux.waitFor(new RegExp(`export ANTHROPIC_BASE_URL='http://127\\.0\\.0\\.1:${port}'`));
  assert.ok(!screen.includes(KEY), 'the API key is masked on screen');

  const entry = JSON.parse(readFileSync(path.join(ccs.paths.state, 'proxy.json'), 'utf8')) as {pid: number; port: number; owner: string};
  assert.equal(entry.port, port);
  assert.equal(entry.owner, 'tui');
  assert.ok(isProcessAlive(entry.pid));
  const models = await fetch(`http://127.0.0.1:${port}/v1/models`, {headers: {'x-api-key': KEY}});
  assert.equal(models.status, 200);

  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
  await waitUntil(() => !isProcessAlive(entry.pid));
  assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'the pid file goes with it');
});

test('tmux: R then x at once: the restart is called off and the proxy stays stopped; x says stopping… first', {skip}, async () => {
  const {port, ccs, tmux} = await servingAlice();
  await tmux.waitFor(/running · child of this TUI/, 15_000);
  const pid = JSON.parse(readFileSync(path.join(ccs.paths.state, 'proxy.json'), 'utf8')).pid as number;
  // Two keys, two reads (in one read they would be a paste, which runs nothing).
  tmux.keys(['R']);
  await tmux.waitFor(/restarting/);
  tmux.keys(['x']);
  await tmux.waitFor(/restart called off: the proxy was stopped meanwhile|proxy stopped/, 10_000);
  await tmux.waitFor(/○ stopped/, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const screen = await tmux.waitFor(/○ stopped/);
  assert.doesNotMatch(screen, /● running/);
  await waitUntil(() => !isProcessAlive(pid));
  assert.equal(existsSync(path.join(ccs.paths.state, 'proxy.json')), false, 'no proxy left running');
  // x on a running proxy: the panel says stopping… (or is already stopped) — never running.
  tmux.keys(['s']);
  await tmux.waitFor(/● running · child of this TUI/, 15_000);
  tmux.keys(['x']);
  // How soon is proxy-transitions.test.ts's (stopping… while the child still runs): a real binary in tmux on a busy machine takes its time.
  const after = await tmux.waitFor(/◌ stopping…|○ stopped/);
  assert.doesNotMatch(after.split('\n').find((l) => /[●◌○]/.test(l)) ?? '', /running/);
  await tmux.waitFor(/○ stopped/, 10_000);
  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
  ccs.cleanup();
});
