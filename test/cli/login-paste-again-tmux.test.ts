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
  ['http://localhost:54545/callback?error=access_denied&state=x', /✗ the provider refused the login: access_denied/],
];

for (const mode of ['paste', 'loopback'] as const) {
  test(`tmux: login claude (${mode === 'paste' ? 'over SSH, paste only' : 'waiting for the browser too'}): a paste that holds no code is said and another is asked for; the right one logs in`, {skip: binInTmuxSkipReason()}, async () => {
    const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
    const fake = await fakeClaude();
    cleanups.push(() => fake.server.close());
    const ccs = makeTempCcs();
    cleanups.push(() => ccs.cleanup());
    const port = await freePort();
    writeFileSync(ccs.paths.settings, JSON.stringify({...fake.settings, login: {callbackPorts: {claude: port}}}));
    const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME, ...(mode === 'paste' ? {SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22'} : {DISPLAY: ':99'})};
    const term = startTmux(['sh', '-c', '"$0" "$1" login claude --no-browser; echo "login-exit=$?"', process.execPath, binPath], {width: 120, height: 50, env});
    cleanups.push(() => term.kill());
    await term.waitFor(mode === 'paste' ? /After approving, paste the address/ : /Waiting for the browser to come back/, 15_000);
    for (const [wrong, said] of WRONG_PASTES) {
      const before = term.screen().split('Paste it again').length;
      term.keys([wrong], {literal: true});
      term.keys(['Enter']);
      const screen = await term.waitFor((text) => text.split('Paste it again').length > before, 10_000);
      assert.match(screen, said, wrong);
      assert.doesNotMatch(screen, /login-exit=/, `${wrong}: the login goes on`);
    }
    assert.deepEqual(fake.server.requests, [], 'no wrong paste was sent anywhere');
    assert.deepEqual(readdirSync(ccs.paths.authDir), [], 'nothing stored yet');
    term.keys(['the-right-code'], {literal: true});
    term.keys(['Enter']);
    const screen = await term.waitFor(/login-exit=\d+/, 15_000);
    assert.match(screen, /Added claude account claude-user@example\.com/);
    assert.match(screen, /login-exit=0/);
    assert.equal(readdirSync(ccs.paths.authDir).length, 1, 'one account stored');
  });
}
