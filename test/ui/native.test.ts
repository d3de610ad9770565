// Native mode from the TUI: `N` writes the selected account into the agent's own credential file,
// the accounts pane names the account the native CLI holds, and `r` (rotation) moves the file too.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import type {TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const credentials = (home: string) => JSON.parse(readFileSync(path.join(home, '.claude', '.credentials.json'), 'utf8')) as {claudeAiOauth: {refreshToken: string}};

test('N puts the account into Claude Code\'s credential file; the pane says which account the native CLI holds; r moves it', async () => {
  ccs = makeUiCcs();
  const home = ccs.env.HOME!;
  tui = await renderTui({paths: ccs.paths, env: {HOME: home}, width: 110});
  await tui.waitFor('alice@example.com');
  await tui.press('l', 'j', 'N');
  let frame = await tui.waitFor(`${path.join(home, '.claude', '.credentials.json')} now holds bob@example.com`);
  assert.equal(credentials(home).claudeAiOauth.refreshToken, 'rt-claude-bob@example.com-0123456789abcdef');
  frame = await tui.waitFor('native CLI: bob@example.com');
  assert.match(frame, /Claude accounts \(2\) · ok · native CLI: bob@example.com/);
  // The default is alice; rotating moves the default to bob and the native file stays with bob...
  // so first make alice native again through the command line, then rotate from the TUI.
  const cli = await runBin(['use', '--native', 'claude', 'work'], {...ccs.env, HOME: home});
  assert.equal(cli.code, 0, cli.stderr);
  await tui.waitFor('native CLI: work');
  await tui.press('r');
  await tui.waitFor(/default work → bob@example.com \(also in .*\.credentials\.json\)/);
  assert.equal(credentials(home).claudeAiOauth.refreshToken, 'rt-claude-bob@example.com-0123456789abcdef');
  await tui.waitFor('native CLI: bob@example.com');
});

test('the command line: rotate follows into native mode; native lists the holder', async () => {
  ccs = makeUiCcs();
  const env = {...ccs.env};
  assert.equal((await runBin(['use', '--native', 'claude', 'work'], env)).code, 0);
  const rotated = await runBin(['rotate', 'claude'], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /claude: work → bob@example.com\nclaude: .*\.credentials\.json now holds bob@example.com/);
  assert.equal(credentials(env.HOME!).claudeAiOauth.refreshToken, 'rt-claude-bob@example.com-0123456789abcdef');
  const listed = await runBin(['native', '--json'], env);
  assert.deepEqual(JSON.parse(listed.stdout).map((r: {provider: string; account: string}) => [r.provider, r.account]), [['claude', 'bob@example.com']]);
});

test('native names the holder as use --native does, and prints the state file\'s text without escapes', async () => {
  ccs = makeUiCcs();
  const env = {...ccs.env};
  assert.equal((await runBin(['use', '--native', 'claude', 'work'], env)).code, 0);
  const listed = await runBin(['native'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^claude: work in .*\.credentials\.json\n$/, 'the nickname, as `use --native` said it');
  // tui/native.json is a file like any other: what it holds is data.
  const statePath = path.join(ccs.paths.state, 'native.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  state.claude.files[0].account = 'ghost\u001b]0;PWNED\u0007\u001b[31m';
  writeFileSync(statePath, JSON.stringify(state));
  const hostile = await runBin(['native'], env);
  assert.equal(hostile.code, 0, hostile.stderr);
  assert.doesNotMatch(hostile.stdout, /\u001b/, JSON.stringify(hostile.stdout));
  assert.match(hostile.stdout, /^claude: ghost.* in /);
  // A file name no agent file has is ignored, and named without escapes.
  state.claude.files[0].file += '\u001b[2J';
  writeFileSync(statePath, JSON.stringify(state));
  const badFile = await runBin(['native'], env);
  assert.equal(badFile.code, 1, badFile.stderr);
  assert.doesNotMatch(badFile.stdout + badFile.stderr, /\u001b/, JSON.stringify(badFile.stderr));
  assert.match(badFile.stderr, /tui\/native\.json has a claude entry whose file is not/);
});

test('t on an account the agent holds (native mode) says the agent refreshes it, never "token refreshed"; nothing is sent', async () => {
  ccs = makeUiCcs();
  const env = {...ccs.env};
  // The token endpoint is a closed port: a refresh sent from here could only fail.
  writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {codex: {token: 'http://127.0.0.1:9/oauth/token'}}}));
  const used = await runBin(['use', '--native', 'codex', 'carol@example.com'], env);
  assert.equal(used.code, 0, used.stderr);
  const tokenFile = path.join(ccs.paths.authDir, 'codex-carol@example.com.json');
  const before = JSON.parse(readFileSync(tokenFile, 'utf8')) as {expired: string; refresh_token: string};
  tui = await renderTui({paths: ccs.paths, env: {HOME: env.HOME!}, width: 140});
  await tui.waitFor('alice@example.com');
  await tui.press('j', 'l');
  await tui.waitFor(/›\*?\s+carol@example\.com/);
  await tui.press('t');
  const frame = await tui.waitFor(/codex carol@example\.com: not refreshed/);
  assert.match(frame, /not refreshed: the agent \(Codex CLI\) refreshes it \(native mode\); valid until \d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.doesNotMatch(frame, /token refreshed/);
  const after = JSON.parse(readFileSync(tokenFile, 'utf8')) as {expired: string; refresh_token: string};
  assert.deepEqual([after.expired, after.refresh_token], [before.expired, before.refresh_token], 'the token file is as it was');
});
