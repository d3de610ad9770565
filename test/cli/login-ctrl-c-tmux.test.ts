// One Ctrl-C cancels a login at every wait, in a real terminal (tmux, the built binary): it says so,
// stores nothing and exits 130 (128 + SIGINT, as a shell reports it), and the terminal echoes again.
// The first press used to do nothing at `login claude`'s paste prompt (and the second killed it
// silently); a remote login's paste prompt kept the process waiting on stdin after its cancel.
import assert from 'node:assert/strict';
import {readdirSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

const AFTER = 'echo "login-exit=$?"; stty -a | tr " " "\\n" | grep -x -e echo -e -echo | sed "s/^/terminal: /"';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/**
 * Runs `login <args>` in tmux, waits for `waitingFor`, presses Ctrl-C once and returns the screen
 * once the login has ended (`extra`: more environment, e.g. SSH_CONNECTION for paste mode).
 */
async function ctrlCAt(ccs: TempCcs, args: string[], waitingFor: RegExp, extra: Record<string, string> = {}): Promise<string> {
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, ...extra};
  // The shell outlives the Ctrl-C the terminal sends its whole foreground group (in cooked mode).
  const term = startTmux(['sh', '-c', `trap true INT; "$0" "$1" login ${args.join(' ')}; ${AFTER}`, process.execPath, binPath], {width: 120, height: 40, env});
  cleanups.push(() => term.kill());
  await term.waitFor(waitingFor, 15_000);
  term.keys(['C-c']);
  // Within a few seconds of one press (a second press would kill it silently: never sent).
  return term.waitFor('terminal: ', 5000);
}

function assertCancelled(screen: string, ccs: TempCcs, said = /ccs-tui: login cancelled; no account stored/): void {
  assert.match(screen, said);
  assert.match(screen, /login-exit=130/);
  assert.match(screen, /^terminal: echo$/m);
  assert.deepEqual(readdirSync(ccs.paths.authDir), [], 'nothing stored');
}

function tempCcs(): TempCcs {
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  return ccs;
}

test('tmux: Ctrl-C at login claude\'s paste prompt (over SSH) cancels with one press', {skip: binInTmuxSkipReason()}, async () => {
  const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
  const fake = await fakeClaude();
  cleanups.push(() => fake.server.close());
  const ccs = tempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const screen = await ctrlCAt(ccs, ['claude', '--no-browser'], /After approving, paste the address/, {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'});
  assertCancelled(screen, ccs);
  assert.deepEqual(fake.server.requests, [], 'no code was exchanged');
});

test('tmux: Ctrl-C while login claude waits for the browser (loopback) cancels with one press and lets the port go', {skip: binInTmuxSkipReason()}, async () => {
  const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
  const fake = await fakeClaude();
  cleanups.push(() => fake.server.close());
  const ccs = tempCcs();
  const port = await freePort();
  writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {claude: port}}}));
  const screen = await ctrlCAt(ccs, ['claude', '--no-browser'], /Waiting for the browser to come back/, {DISPLAY: ':99'});
  assertCancelled(screen, ccs);
  const {createServer} = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const server = createServer().once('error', reject).listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
});

test('tmux: Ctrl-C while a device code waits for approval cancels with one press', {skip: binInTmuxSkipReason()}, async () => {
  const {oidcSettingsFor, startOidcServer} = await import('../helpers/oidc.js');
  const oidc = await startOidcServer({deviceInterval: 1});
  cleanups.push(() => oidc.close());
  const ccs = tempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(oidcSettingsFor(oidc, 'xai')));
  const screen = await ctrlCAt(ccs, ['xai', '--no-browser'], /Waiting for approval/);
  assertCancelled(screen, ccs);
});

test('tmux: Ctrl-C at login vertex\'s key prompt cancels with one press', {skip: binInTmuxSkipReason()}, async () => {
  const ccs = tempCcs();
  const screen = await ctrlCAt(ccs, ['vertex'], /then press Ctrl-D \(it is not shown\):/);
  assertCancelled(screen, ccs);
});

test('tmux: Ctrl-C at a remote login\'s paste prompt cancels with one press, drops the server\'s pending login and ends the process', {skip: binInTmuxSkipReason()}, async () => {
  const {remoteTarget} = await import('../helpers/fake-cliproxy/target.js');
  const {OIDC_CLIENT_ID, startOidcServer} = await import('../helpers/oidc.js');
  const oidc = await startOidcServer();
  cleanups.push(() => oidc.close());
  const ccs = tempCcs();
  const stand = await remoteTarget(ccs, {oauth: {anthropic: {clientId: OIDC_CLIENT_ID, token: `${oidc.issuer}/token`, userinfo: `${oidc.issuer}/me`, authorize: `${oidc.issuer}/auth`}}});
  cleanups.push(() => stand.close());
  const screen = await ctrlCAt(ccs, ['claude', '--no-browser', '--target', 'team'], /After approving, paste the address/);
  assert.match(screen, /ccs-tui: login cancelled; the server dropped the pending login/);
  assert.match(screen, /login-exit=130/);
  assert.match(screen, /^terminal: echo$/m);
  assert.equal(stand.files.size, 0, 'nothing stored on the server');
});
