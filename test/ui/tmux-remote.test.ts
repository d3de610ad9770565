// The built binary with `--target team` in a real terminal (tmux, 80×24) against the Management API
// stand-in: the TUI opens on the server's accounts with the target in the header, acts on the
// server, switches back to local with T; a refused key ends it with a plain error before the screen.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {binPath} from '../helpers/cli.js';
import type {FakeCliproxy} from '../helpers/fake-cliproxy/server.js';
import {MANAGEMENT_KEY, remoteTarget} from '../helpers/fake-cliproxy/target.js';
import {binInTmuxSkipReason, startTmux, type TmuxSession} from '../helpers/tmux.js';

const skip = binInTmuxSkipReason();
let ccs: TempCcs | undefined;
let stand: FakeCliproxy | undefined;
let tmux: TmuxSession | undefined;
afterEach(async () => {
  tmux?.kill();
  await stand?.close();
  ccs?.cleanup();
  tmux = stand = ccs = undefined;
});

/** A local account, and the stand-in as target `team` with one account; `keyFile` replaces the right key. */
async function open(keyFile?: string): Promise<{t: TmuxSession; stand: FakeCliproxy}> {
  ccs = makeTempCcs();
  ccs.writeToken('claude-local.json', tokenFixture('claude', 'local@example.com'));
  stand = await remoteTarget(ccs);
  stand.addFile('claude-c.json', tokenFixture('claude', 'c@example.com'));
  if (keyFile !== undefined) ccs.writeRaw('team.key', keyFile);
  tmux = startTmux([process.execPath, binPath, '--target', 'team'], {env: ccs.env, width: 80, height: 24});
  return {t: tmux, stand};
}

test('ccs-tui --target team: the server\'s accounts under an @team header; p disables on the server; T switches to local', {skip}, async () => {
  const {t, stand} = await open();
  const first = await t.waitFor('c@example.com', 15_000);
  assert.match(first.split('\n')[0]!, /ccs-tui · Accounts · @team/);
  assert.doesNotMatch(first, /local@example\.com/);
  t.keys(['l']);
  await t.waitFor(/›\s+c@example\.com/);
  t.keys(['p']);
  await t.waitFor(/c@example\.com\s+⏸ paused/);
  assert.equal(stand.files.get('claude-c.json')!.disabled, true);

  t.keys(['T']);
  await t.waitFor('Live target: team');
  // Keys sent in one go (one read) each count: k k moves up twice (to local, the first row).
  t.keys(['k', 'k']);
  await t.waitFor(/❯ local/);
  t.keys(['Enter']);
  const local = await t.waitFor('local@example.com');
  assert.match(local.split('\n')[0]!, /@local/);
  assert.ok(!t.screen().includes(MANAGEMENT_KEY));
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
  assert.equal(t.display('#{alternate_on}'), '0', 'left the alternate screen');
});

test('ccs-tui --target team with a refused key: one line naming the key source, never the key, exit 1', {skip}, async () => {
  const {t} = await open('not-the-key-7f3a\n');
  assert.equal(await t.waitForExit(15_000), 1);
  const screen = t.screen();
  assert.match(screen.replace(/\n/g, ''), /ccs-tui: target team: the management key was refused/);
  assert.doesNotMatch(screen, /not-the-key-7f3a|mgmt-key/);
  assert.doesNotMatch(screen, /unexpected error|at .*\.js:/, 'one line, no stack');
});
