// `ccs-tui login aistudio` / `login vertex` in a real terminal (tmux, the built binary): a pasted API
// key or service-account key is never drawn (echo off, as sudo and ssh read passwords), Backspace
// still edits it, and the terminal's echo is back after every way out: Enter, Ctrl-D, Ctrl-C.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {fakeKeyedApi} from '../helpers/fake-providers/providers.js';
import type {FakeServer} from '../helpers/fake-providers/server.js';
import {binInTmuxSkipReason, startTmux, type TmuxSession} from '../helpers/tmux.js';

const KEY = 'AIzaSyTheRightKey0123456789abcdefXYZ';
/** After the login: its exit status, then whether the terminal echoes again (`stty -a` says echo or -echo). */
const AFTER = 'echo "login-exit=$?"; stty -a | tr " " "\\n" | grep -x -e echo -e -echo | sed "s/^/terminal: /"';

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function loginInTmux(args: string[]): Promise<{term: TmuxSession; ccs: TempCcs; api: FakeServer}> {
  const api = await fakeKeyedApi(KEY, '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: api.url}}}));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
  const term = startTmux(['sh', '-c', `"$0" "$1" login ${args.join(' ')}; ${AFTER}`, process.execPath, binPath], {width: 100, height: 30, env});
  cleanups.push(() => term.kill(), () => api.close(), () => ccs.cleanup());
  return {term, ccs, api};
}

/** No run of 8 or more characters of `secret` is on the screen (or in tmux's scrollback). */
function assertNotShown(term: TmuxSession, secret: string): void {
  const screen = term.screen();
  for (let i = 0; i + 8 <= secret.length; i++) assert.ok(!screen.includes(secret.slice(i, i + 8)), `"${secret.slice(i, i + 8)}" is on the screen:\n${screen}`);
}

test('tmux: login aistudio: the pasted key is never drawn, Backspace edits it, the account is added and echo is back', {skip: binInTmuxSkipReason()}, async () => {
  const {term, api} = await loginInTmux(['aistudio', '--nickname', 'work']);
  await term.waitFor(/Paste the Google AI Studio API key and press Enter \(it is not shown/);
  term.keys([KEY], {literal: true});
  term.keys(['x', 'BSpace']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertNotShown(term, KEY);
  term.keys(['Enter']);
  const screen = await term.waitFor('terminal: ');
  assert.match(screen, /Added aistudio account work/);
  assert.match(screen, /login-exit=0/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, KEY);
  assert.equal(api.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`, 'Backspace took the x off: the key sent is the one typed');
});

test('tmux: Ctrl-C while the key is typed cancels the login and gives the echo back', {skip: binInTmuxSkipReason()}, async () => {
  const {term, api} = await loginInTmux(['aistudio']);
  await term.waitFor(/press Enter \(it is not shown/);
  term.keys([KEY.slice(0, 20)], {literal: true});
  term.keys(['C-c']);
  const screen = await term.waitFor('terminal: ');
  assert.match(screen, /login cancelled/);
  assert.match(screen, /login-exit=1/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, KEY.slice(0, 20));
  assert.equal(api.requests.length, 0, 'nothing was sent');
});

test('tmux: Ctrl-D at the prompt (no key) says stdin was empty and gives the echo back', {skip: binInTmuxSkipReason()}, async () => {
  const {term} = await loginInTmux(['aistudio']);
  await term.waitFor(/press Enter \(it is not shown/);
  term.keys(['C-d']);
  const screen = await term.waitFor('terminal: ');
  assert.match(screen, /no Google AI Studio API key: stdin was empty/);
  assert.match(screen, /login-exit=2/);
  assert.match(screen, /^terminal: echo$/m);
});

test('tmux: login vertex with the key JSON pasted: its private key is never drawn; Ctrl-D ends it', {skip: binInTmuxSkipReason()}, async () => {
  const {startFakeGoogle} = await import('../helpers/fake-google/server.js');
  const google = await startFakeGoogle({users: {}});
  cleanups.push(() => google.close());
  const key = google.addServiceAccount('vertex-proj-5');
  const {term} = await loginInTmux(['vertex']);
  await term.waitFor(/Paste the service-account key JSON, then Ctrl-D; it is not shown/);
  const json = JSON.stringify(key, null, 2);
  term.keys([json], {literal: true});
  await new Promise((resolve) => setTimeout(resolve, 300));
  const body = key.private_key!.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  assertNotShown(term, body.slice(0, 200));
  term.keys(['C-d']);
  const screen = await term.waitFor('terminal: ', 15_000);
  assert.match(screen, /Added vertex account ccs-tui-test@vertex-proj-5/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, body.slice(0, 200));
});
