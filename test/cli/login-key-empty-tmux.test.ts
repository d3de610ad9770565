// At a terminal, an Enter at the API key's prompt with nothing pasted is said and the key asked for
// again; before, the login ended with advice for scripts ("stdin was empty … pipe it in") to a person
// already at the terminal. Ctrl-D at the prompt ends it ("no key was entered", login-secret-tmux);
// empty stdin from a pipe still ends it with that advice (login.test.ts).
import assert from 'node:assert/strict';
import {readdirSync, writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs} from '../helpers/ccs.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

test('tmux: login aistudio: an Enter with nothing (or only spaces) pasted asks for the key again; the key then pasted is stored', {skip: binInTmuxSkipReason()}, async () => {
  const key = 'AIzaSyExampleExampleExample1234567890';
  const {fakeKeyedApi} = await import('../helpers/fake-providers/providers.js');
  const studio = await fakeKeyedApi(key, '/v1beta/openai');
  cleanups.push(() => studio.close());
  const ccs = makeTempCcs();
  cleanups.push(() => ccs.cleanup());
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: studio.url}}}));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
  const term = startTmux(['sh', '-c', '"$0" "$1" login aistudio; echo "login-exit=$?"', process.execPath, binPath], {width: 200, height: 50, env});
  cleanups.push(() => term.kill());
  await term.waitFor(/Paste the Google AI Studio API key, then press Enter/, 15_000);
  for (let round = 1; round <= 2; round++) {
    // Only spaces is nothing too.
    if (round === 2) term.keys(['   '], {literal: true});
    term.keys(['Enter']);
    await term.waitFor(() => term.screen({history: true}).split('Nothing was entered.').length > round, 10_000);
  }
  const asked = term.screen({history: true});
  assert.doesNotMatch(asked, /login-exit=|stdin was empty/);
  assert.match(asked, /Nothing was entered\. Paste the Google AI Studio API key, then press Enter \(it is not shown; Ctrl-D or Ctrl-C stops\):/);
  term.keys([key], {literal: true});
  term.keys(['Enter']);
  const screen = await term.waitFor(/login-exit=\d+/, 15_000);
  assert.match(screen, /login-exit=0/);
  assert.doesNotMatch(screen, new RegExp(key));
  assert.equal(readdirSync(ccs.paths.authDir).length, 1, 'one account stored');
});
