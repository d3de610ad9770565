// At a terminal, a pasted line that holds no code is said and the prompt waits for another paste, as
// the TUI's paste field stays open; the login ended on it before (the person had to start again and
// approve in the browser a second time). From a pipe it still ends the login (test/cli/login.test.ts).
import assert from 'node:assert/strict';
import {readdirSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {freePort} from '../helpers/fake-upstreams.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const WRONG_PASTES: Array<[string, RegExp]> = [
  ['http://localhost/elsewhere?foo=bar', /✗ that is not a redirect URL or a code/],
  ['the-code#another-logins-state', /✗ the pasted state does not match this login/],
  ['http://localhost:54545/callback?error=access_denied', /✗ the provider refused the login: access_denied/],
  // Another login's refusal is not this one's.
  ['http://localhost:54545/callback?error=access_denied&state=x', /✗ the pasted state does not match this login/],
];

/** `login claude --no-browser` in tmux against the fake provider; `mode`: over SSH (paste only) or on a desktop (the callback port listens too). */
async function startLogin(mode: 'paste' | 'loopback', options: {tokenGate?: Promise<void>} = {}) {
  const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
  const fake = await fakeClaude(options);
  cleanups.push(() => fake.server.close());
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  const port = await freePort();
  writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {claude: port}}}));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, ...(mode === 'paste' ? {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'} : {DISPLAY: ':99'})};
  const term = startTmux(['sh', '-c', '"$0" "$1" login claude --no-browser; echo "login-exit=$?"', process.execPath, binPath], {width: 200, height: 50, env});
  cleanups.push(() => term.kill());
  await term.waitFor(mode === 'paste' ? /After approving, paste the address/ : /Waiting for the browser to come back/, 15_000);
  return {fake, ccs, port, term};
}

/** Types `text` and Enter; waits for one more "Paste again:" than the screen held. */
async function pasteWrong(term: Awaited<ReturnType<typeof startLogin>>['term'], text: string): Promise<string> {
  const before = term.screen({history: true}).split('Paste again:').length;
  term.keys([text], {literal: true});
  term.keys(['Enter']);
  return term.waitFor(() => term.screen({history: true}).split('Paste again:').length > before, 10_000).then(() => term.screen({history: true}));
}

for (const mode of ['paste', 'loopback'] as const) {
  test(`tmux: login claude (${mode === 'paste' ? 'over SSH, paste only' : 'waiting for the browser too'}): a paste that holds no code is said and another is asked for; the right one logs in`, {skip: binInTmuxSkipReason()}, async () => {
    const {fake, ccs, term} = await startLogin(mode);
    // Four rounds: more than Node's ten listeners per signal (one was added per read, and kept).
    for (let round = 0; round < 4; round++) {
      for (const [wrong, said] of WRONG_PASTES) {
        const screen = await pasteWrong(term, wrong);
        assert.match(screen, said, wrong);
        assert.doesNotMatch(screen, /login-exit=/, `${wrong}: the login goes on`);
      }
    }
    assert.doesNotMatch(term.screen({history: true}), /MaxListeners|Warning/);
    assert.deepEqual(fake.server.requests, [], 'no wrong paste was sent anywhere');
    assert.deepEqual(readdirSync(ccs.paths.authDir), [], 'nothing stored yet');
    term.keys(['the-right-code'], {literal: true});
    term.keys(['Enter']);
    const screen = await term.waitFor(/login-exit=\d+/, 15_000);
    assert.doesNotMatch(screen, /Warning/);
    assert.match(screen, /Added claude account claude-user@example\.com/);
    assert.match(screen, /login-exit=0/);
    assert.equal(readdirSync(ccs.paths.authDir).length, 1, 'one account stored');
  });
}

for (const mode of ['paste', 'loopback'] as const) {
  test(`tmux: login claude (${mode}): an Enter with nothing pasted is said and the prompt keeps reading; the right code then logs in`, {skip: binInTmuxSkipReason()}, async () => {
    const {ccs, term} = await startLogin(mode);
    for (let round = 0; round < 2; round++) {
      const before = term.screen({history: true}).split('Nothing was pasted:').length;
      term.keys(['Enter']);
      await term.waitFor(() => term.screen({history: true}).split('Nothing was pasted:').length > before, 10_000);
    }
    assert.doesNotMatch(term.screen({history: true}), /login-exit=/, 'the login goes on');
    term.keys(['the-right-code'], {literal: true});
    term.keys(['Enter']);
    const screen = await term.waitFor(/login-exit=\d+/, 15_000);
    assert.match(screen, /Added claude account claude-user@example\.com/);
    assert.match(screen, /login-exit=0/);
    assert.equal(readdirSync(ccs.paths.authDir).length, 1);
  });
}

test('tmux: a wrong paste, then text ended with Ctrl-D (no Enter): the login ends on that text (exit 1, said), as from a pipe; it does not wait on an input that has ended', {skip: binInTmuxSkipReason()}, async () => {
  const {term, ccs} = await startLogin('paste');
  await pasteWrong(term, 'a b');
  term.keys(['not a code'], {literal: true});
  term.keys(['C-d']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  term.keys(['C-d']);
  const screen = await term.waitFor(/login-exit=\d+/, 10_000);
  assert.match(screen, /login-exit=1\b/);
  assert.match(screen, /ccs-tui: that is not a redirect URL or a code/);
  assert.deepEqual(readdirSync(ccs.paths.authDir), [], 'nothing stored');
});

test('tmux: the browser comes back while a slow exchange runs, then a line is typed: it is not judged as a paste (no ✗), one exchange, the account stored', {skip: binInTmuxSkipReason()}, async () => {
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const {fake, term, port} = await startLogin('loopback', {tokenGate: gate});
  const state = /[?&]state=([^&\s]+)/.exec(term.screen({joined: true}))?.[1];
  assert.ok(state, 'the address names its state');
  const callback = fetch(`http://127.0.0.1:${port}/callback?code=from-the-browser&state=${state}`).then((response) => response.status);
  await term.waitFor(/The browser came back; checking the code/, 10_000);
  term.keys(['some words'], {literal: true});
  term.keys(['Enter']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  openGate();
  const screen = await term.waitFor(/login-exit=\d+/, 15_000);
  assert.doesNotMatch(screen, /✗|Paste again:/);
  assert.match(screen, /Added claude account claude-user@example\.com/);
  assert.match(screen, /login-exit=0/);
  assert.equal(await callback, 200);
  assert.equal(fake.server.requests.filter((request) => request.path.includes('/oauth/token')).length, 1, 'one exchange');
});
