// `ccs-tui login aistudio` / `login vertex` in a real terminal (tmux, the built binary): a pasted API
// key or service-account key is never drawn (echo off, as sudo and ssh read passwords), Backspace
// still edits it, and the terminal's echo is back after every way out: Enter, Ctrl-D, Ctrl-C.
// A key pasted before the prompt (right after Enter, while the command loads) is drawn by the
// terminal itself: it is erased, never taken as the key, and the prompt says so. Those tests hold
// the command back (a fifo) until the paste is on the screen, so they do not depend on timing.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import path from 'node:path';
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

interface LoginTerm {
  term: TmuxSession;
  ccs: TempCcs;
  api: FakeServer;
  /** With `held`: lets the command start (until then the pane's shell waits, the terminal echoing what is typed). */
  start(): void;
}

/** `login <args>` in a 100×`height` tmux pane; `held`: started only once start() is called. */
async function loginInTmux(args: string[], {held = false, height = 30} = {}): Promise<LoginTerm> {
  const api = await fakeKeyedApi(KEY, '/v1beta/openai');
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {aistudio: {api: api.url}}}));
  const env = {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME};
  const gateDir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-gate-'));
  const gate = path.join(gateDir, 'gate');
  if (held) execFileSync('mkfifo', [gate]);
  const wait = held ? 'echo "shell: waiting"; cat "$2" >/dev/null; ' : '';
  const term = startTmux(['sh', '-c', `${wait}"$0" "$1" login ${args.join(' ')}; ${AFTER}`, process.execPath, binPath, gate], {width: 100, height, env});
  cleanups.push(() => rmSync(gateDir, {recursive: true, force: true}), () => term.kill(), () => api.close(), () => ccs.cleanup());
  if (held) await term.waitFor('shell: waiting');
  return {term, ccs, api, start: () => writeFileSync(gate, 'go\n')};
}

/** No run of 8 or more characters of `secret` is on the screen or in tmux's scrollback. */
function assertNotShown(term: TmuxSession, secret: string): void {
  const screen = term.screen({history: true});
  for (let i = 0; i + 8 <= secret.length; i++) assert.ok(!screen.includes(secret.slice(i, i + 8)), `"${secret.slice(i, i + 8)}" is on the screen:\n${screen}`);
}

/** Whether the pane's terminal echoes now (`stty -a` of its tty, read from outside). */
function echoes(term: TmuxSession): boolean {
  const modes = execFileSync('stty', ['-a', '-F', term.display('#{pane_tty}')], {encoding: 'utf8'}).split(/[\s;]+/);
  assert.ok(modes.includes('echo') || modes.includes('-echo'), modes.join(' '));
  return modes.includes('echo');
}

test('tmux: login aistudio: the pasted key is never drawn, Backspace edits it, the account is added and echo is back', {skip: binInTmuxSkipReason()}, async () => {
  const {term, api} = await loginInTmux(['aistudio', '--nickname', 'work']);
  await term.waitFor(/Paste the Google AI Studio API key, then press Enter \(it is not shown\):/);
  // The prompt is drawn only once echo is off: whatever is pasted when it shows is never echoed.
  assert.equal(echoes(term), false, 'the terminal echoes while the prompt is on the screen');
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

test('tmux: Ctrl-C while the key is typed cancels the login at once (exit 130) and gives the echo back', {skip: binInTmuxSkipReason()}, async () => {
  const {term, api} = await loginInTmux(['aistudio']);
  await term.waitFor(/press Enter \(it is not shown/);
  term.keys([KEY.slice(0, 20)], {literal: true});
  term.keys(['C-c']);
  const screen = await term.waitFor('terminal: ');
  assert.match(screen, /ccs-tui: login cancelled; no account stored/);
  assert.match(screen, /login-exit=130/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, KEY.slice(0, 20));
  assert.equal(api.requests.length, 0, 'nothing was sent');
});

test('tmux: Ctrl-D at the prompt (no key) ends the login as the person chose, and gives the echo back', {skip: binInTmuxSkipReason()}, async () => {
  const {term} = await loginInTmux(['aistudio']);
  await term.waitFor(/press Enter \(it is not shown/);
  term.keys(['C-d']);
  const screen = await term.waitFor('terminal: ');
  // Not the advice for scripts (stdin was empty … pipe it in): the person is at the terminal.
  assert.match(screen, /no Google AI Studio API key was entered; no account stored/);
  assert.doesNotMatch(screen, /stdin was empty/);
  assert.match(screen, /login-exit=1/);
  assert.match(screen, /^terminal: echo$/m);
});

/** A service-account key of the fake Google, its JSON as a person pastes it, and the private key's base64 body. */
async function vertexKey(): Promise<{json: string; body: string}> {
  const {startFakeGoogle} = await import('../helpers/fake-google/server.js');
  const google = await startFakeGoogle({users: {}});
  cleanups.push(() => google.close());
  const key = google.addServiceAccount('vertex-proj-5');
  return {json: JSON.stringify(key, null, 2), body: key.private_key!.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')};
}

test('tmux: login vertex with the key JSON pasted at the prompt: its private key is never drawn; Ctrl-D ends it', {skip: binInTmuxSkipReason()}, async () => {
  const key = await vertexKey();
  const {term} = await loginInTmux(['vertex']);
  await term.waitFor(/Paste the service-account key JSON, then press Ctrl-D \(it is not shown\):/);
  assert.equal(echoes(term), false, 'the terminal echoes while the prompt is on the screen');
  term.paste(key.json);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertNotShown(term, key.body.slice(0, 200));
  term.keys(['C-d']);
  const screen = await term.waitFor('terminal: ', 15_000);
  assert.match(screen, /Added vertex account ccs-tui-test@vertex-proj-5/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, key.body);
});

test('tmux: the key JSON pasted right after Enter (before the prompt): the echo the terminal drew is erased, it is not imported, the prompt asks again', {skip: binInTmuxSkipReason()}, async () => {
  const key = await vertexKey();
  // Tall enough that the terminal's echo of the JSON does not scroll into the scrollback.
  const {term, start} = await loginInTmux(['vertex'], {held: true, height: 50});
  term.paste(key.json);
  // The terminal draws it: the command has not started (the newcomer's paste right after Enter).
  await term.waitFor((screen) => screen.includes(key.body.slice(0, 40)));
  start();
  const prompt = await term.waitFor(/then press Ctrl-D \(it is not shown\):/);
  assert.match(prompt, new RegExp(`ccs-tui: ${[...key.json].length} characters typed before this prompt were discarded; paste the key JSON at the prompt\\.`));
  assert.match(term.screen({joined: true}), /\(the terminal drew them before its echo was off: erased from the screen now, its scrollback may still hold them\)/);
  assertNotShown(term, key.body);
  // Pasted again at the prompt: imported, never drawn.
  term.paste(key.json);
  await new Promise((resolve) => setTimeout(resolve, 300));
  term.keys(['C-d']);
  const screen = await term.waitFor('terminal: ', 15_000);
  assert.match(screen, /Added vertex account ccs-tui-test@vertex-proj-5/);
  assert.match(screen, /^terminal: echo$/m);
  assertNotShown(term, key.body);
});

test('tmux: an API key typed ahead (send-keys before the command runs) is erased and never sent; the key typed at the prompt is', {skip: binInTmuxSkipReason()}, async () => {
  const ahead = 'AIzaSyTypedAheadKey98765432100zyxwvuTS';
  const {term, api, start} = await loginInTmux(['aistudio'], {held: true});
  term.keys([ahead], {literal: true});
  await term.waitFor(ahead);
  start();
  const prompt = await term.waitFor(/press Enter \(it is not shown\):/);
  assert.match(prompt, new RegExp(`${ahead.length} characters typed before this prompt were discarded; paste the key at the prompt`));
  assertNotShown(term, ahead);
  term.keys([KEY], {literal: true});
  term.keys(['Enter']);
  const screen = await term.waitFor('terminal: ');
  assert.match(screen, /Added aistudio account/);
  assert.match(screen, /login-exit=0/);
  assertNotShown(term, KEY);
  assert.deepEqual(
    api.requests.map((r) => r.headers.authorization),
    api.requests.map(() => `Bearer ${KEY}`),
    'only the key typed at the prompt was sent',
  );
});
