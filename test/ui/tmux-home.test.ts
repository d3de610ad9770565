// The built binary in a real terminal (tmux, 80×24): keys, the registry on disk, and the terminal
// left as it was found (alternate screen off, cursor shown) on q, SIGTERM and SIGHUP.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();
const start = () => startBin(makeUiCcs());

test('j moves, u sets the default on disk, q quits and leaves the alternate screen', {skip}, async () => {
  const ccs = makeUiCcs();
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  assert.equal(t.display('#{alternate_on}'), '1', 'runs on the alternate screen');
  assert.equal(t.display('#{cursor_flag}'), '0', 'cursor hidden while running');
  t.keys(['l']);
  await t.waitFor('▶ Claude accounts');
  t.keys(['j']);
  await t.waitFor(/›\s+bob@example.com/);
  t.keys(['u']);
  await t.waitFor('bob@example.com is now the default claude account');
  const registry = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
  assert.equal(registry.providers.claude.default, 'bob@example.com');
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
  assert.equal(t.display('#{alternate_on}'), '0', 'left the alternate screen');
  assert.equal(t.display('#{cursor_flag}'), '1', 'cursor shown again');
});

test('a resize to below 60×20 shows the too-small screen; back to 80×24 shows home', {skip}, async () => {
  const t = start();
  await t.waitFor(/work\s+alice@example\.com/);
  t.resize(58, 20);
  await t.waitFor(/Terminal too small[\s\S]*58×20/);
  t.resize(80, 24);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['C-c']);
  assert.equal(await t.waitForExit(), 0);
  assert.equal(t.display('#{alternate_on}'), '0');
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} restores the terminal before exiting`, {skip}, async () => {
    const t = start();
    await t.waitFor(/work\s+alice@example\.com/);
    process.kill(t.programPid(), signal);
    const status = await t.waitForExit();
    assert.equal(status, signal === 'SIGTERM' ? 143 : 129);
    assert.equal(t.display('#{alternate_on}'), '0', 'left the alternate screen');
    assert.equal(t.display('#{cursor_flag}'), '1', 'cursor shown again');
  });
}
