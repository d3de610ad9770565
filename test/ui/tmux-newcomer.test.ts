// The built binary in a real terminal (tmux) as a newcomer meets it: a refused login ends with its
// cause, typed filter text runs no command, keys from one read all count, CI=true still draws,
// TERM=dumb is told where to go.
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {startFakeServer} from '../helpers/fake-providers/server.js';
import {binInTmux, binInTmuxSkipReason} from '../helpers/tmux.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();
const registry = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('tmux: claude paste login with a refused code ends on the error screen with the cause and Enter: try again', {skip}, async () => {
  const server = await startFakeServer({'POST /v1/oauth/token': () => ({status: 400, json: {error: 'invalid_grant', error_description: 'Invalid code'}})});
  try {
    const ccs = makeUiCcs();
    writeFileSync(ccs.paths.settings, JSON.stringify({endpoints: {claude: {authorize: `${server.url}/oauth/authorize`, token: `${server.url}/v1/oauth/token`}}}));
    const t = startBin(ccs);
    await t.waitFor(/work\s+alice@example\.com/);
    t.keys(['a']);
    await t.waitFor('Which provider?');
    t.keys(['Enter']);
    await t.waitFor('v: paste it here');
    t.keys(['v']);
    await t.waitFor(/^›\s*$/m);
    t.keys(['some-code-from-the-page'], {literal: true});
    t.keys(['Enter']);
    const screen = await t.waitFor('Enter: try again');
    // The server's words, then its code (the row may wrap before it).
    assert.match(screen, /Login failed: [\s\S]*\(invalid_grant\)/);
    assert.doesNotMatch(screen, /storing the account/);
    // Esc goes back one step: to the provider picker the login was chosen in, then to the accounts.
    t.keys(['Escape']);
    await t.waitFor(/Which provider\?[\s\S]*› Claude/);
    t.keys(['Escape']);
    await t.waitFor(/work\s+alice@example\.com/);
    t.keys(['q']);
    assert.equal(await t.waitForExit(), 0);
  } finally {
    await server.close();
  }
});

test('tmux: / on Quota filters; /work (in one read, or typed in the field) and q typed there run nothing; workq runs nothing', {skip}, async () => {
  const ccs = makeUiCcs();
  const before = registry(ccs.paths.registry);
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['2']);
  await t.waitFor('claude · work');
  // In one read (typed over a laggy SSH link), `/work` opens the filter with the letters in it.
  t.keys(['/work'], {literal: true});
  let screen = await t.waitFor((s) => s.includes('/work') && !s.includes('bob@example.com'));
  assert.doesNotMatch(screen, /paste ignored/);
  t.keys(['Escape']);
  await t.waitFor('bob@example.com');
  // Letters with no filter key in front are a paste: they run nothing and say how to filter.
  t.keys(['workq'], {literal: true});
  await t.waitFor('paste ignored — press / to filter');
  t.keys(['/']);
  await t.waitFor('Enter done');
  t.keys(['work'], {literal: true});
  await t.waitFor('/work');
  t.keys(['q']);
  screen = await t.waitFor('/workq');
  assert.match(screen, /no account matches the filter/);
  assert.deepEqual(registry(ccs.paths.registry), before, 'no default changed, nothing rotated');
  t.keys(['Escape']);
  await t.waitFor('bob@example.com');
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: a burst that opens a field types the rest into it (/ : n on home, a on Models); the Enter behind it is the field\'s', {skip}, async () => {
  const ccs = makeUiCcs();
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['l']);
  await t.waitFor('▶ Claude accounts');
  t.keys(['/bo'], {literal: true});
  let screen = await t.waitFor((s) => s.includes('/bo') && !s.includes('alice@example.com'));
  assert.doesNotMatch(screen, /paste ignored/);
  t.keys(['Escape']);
  await t.waitFor('alice@example.com');
  t.keys([':carol'], {literal: true});
  await t.waitFor(':carol');
  t.keys(['Enter']);
  await t.waitFor('▶ Codex accounts (1)');
  t.keys([':work\r'], {literal: true});
  await t.waitFor('▶ Claude accounts');
  // bob (not the default) selected, then a rename with its Enter in the same read: bob stays not the default.
  t.keys(['j']);
  await t.waitFor(/›\s+bob@example\.com/);
  t.keys(['nnewbieX\r'], {literal: true});
  await t.waitFor(/newbieX\s+bob@example\.com/);
  const after = registry(ccs.paths.registry).providers.claude;
  assert.equal(after.accounts['bob@example.com'].nickname, 'newbieX');
  assert.equal(after.default, 'alice@example.com', 'the Enter renamed; it made no account the default');
  t.keys(['3']);
  await t.waitFor('Models 15/15');
  t.keys(['agpt-*'], {literal: true});
  screen = await t.waitFor('gpt-*');
  assert.doesNotMatch(screen, /paste ignored/);
  t.keys(['Escape']);
  t.keys(['C-c']);
  await t.waitFor((s) => s.includes('[y/N') || !s.includes('Model rules'));
  t.keys(['y']);
  assert.equal(await t.waitForExit(), 0);
});

/** The binary in tmux with the rename field open on alice (`work`), Claude's accounts pane focused. */
async function renamingAlice() {
  const ccs = makeUiCcs();
  const t = startBin(ccs);
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['l']);
  await t.waitFor('▶ Claude accounts');
  t.keys(['n']);
  await t.waitFor('rename: work');
  return {ccs, t};
}

test('tmux: two Backspaces sent in one write delete two characters in the rename field', {skip}, async () => {
  const {ccs, t} = await renamingAlice();
  t.keys(['-H', '7f', '7f']);
  await t.waitFor(/rename: wo(?!r)/);
  t.keys(['-H', '15', '68', '6f', '6d', '65', '0d']);
  await t.waitFor('renamed to home');
  assert.equal(registry(ccs.paths.registry).providers.claude.accounts['alice@example.com'].nickname, 'home');
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: an Enter sent with the next keys submits (rename `ali⏎j`, alias `model⏎alias⏎`); a pasted line break does not', {skip}, async () => {
  const {ccs, t} = await renamingAlice();
  t.keys(['\u0015ali\rj'], {literal: true});
  await t.waitFor(/›\s+bob@example\.com/);
  assert.equal(registry(ccs.paths.registry).providers.claude.accounts['alice@example.com'].nickname, 'ali');
  // A paste (tmux paste-buffer -p: bracketed, as the TUI asks) keeps its line break as text.
  t.keys(['n']);
  await t.waitFor('rename:');
  t.keys(['C-u']);
  t.paste('two\nlines\n');
  await t.waitFor('rename: two lines');
  t.keys(['Enter']);
  await t.waitFor('renamed to two lines');
  t.keys(['3']);
  await t.waitFor('Models 15/15');
  t.keys(['A']);
  t.keys(['claude-opus-4-7', 'Enter', 'team-x', 'Enter']);
  const screen = await t.waitFor('team-x ← claude-opus-4-7');
  assert.doesNotMatch(screen, /claude-opus-4-7 team-x/);
  t.keys(['C-c']);
  await t.waitFor('[y/N');
  t.keys(['y']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: CI=true in a terminal still draws every frame, in colour', {skip}, async () => {
  const ccs = makeUiCcs();
  // Only what a person's shell would have (the test runner's FORCE_COLOR=0 would hide colours).
  const t = startBin(ccs, {env: {PATH: process.env.PATH, CCS_DIR: ccs.paths.root, HOME: ccs.env.HOME}, terminalEnv: {CI: 'true'}});
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['j']);
  await t.waitFor('Codex accounts (1)');
  assert.match(t.screen({colors: true}), /\u001b\[[0-9;]*3[0-9]/, 'colour escapes present');
  t.keys(['q']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: TERM=dumb gets a clear message pointing at the commands, no escape codes', {skip}, async () => {
  const t = startBin(makeUiCcs(), {terminalEnv: {TERM: 'dumb'}});
  const screen = await t.waitFor('TERM=dumb');
  assert.match(screen, /Use the commands instead: ccs-tui accounts/);
  assert.equal(await t.waitForExit(), 2);
  assert.equal(t.display('#{alternate_on}'), '0');
});

test('tmux: Ctrl-C with unsaved rules asks first; n keeps them; y quits', {skip}, async () => {
  const t = startBin(makeUiCcs());
  await t.waitFor(/work\s+alice@example\.com/);
  t.keys(['3']);
  await t.waitFor('Models 15/15');
  t.keys(['a']);
  await t.waitFor('typing the pattern');
  t.keys(['*haiku*'], {literal: true});
  await t.waitFor('*haiku*');
  t.keys(['Enter']);
  await t.waitFor('* unsaved');
  t.keys(['C-c']);
  await t.waitFor('Quit and discard unsaved rule changes?');
  t.keys(['n']);
  await t.waitFor((s) => s.includes('* unsaved') && !s.includes('[y/N'));
  t.keys(['C-c']);
  await t.waitFor('Quit and discard unsaved rule changes?');
  t.keys(['y']);
  assert.equal(await t.waitForExit(), 0);
  assert.equal(t.display('#{alternate_on}'), '0');
});

test('tmux: at 60×20 the compact layout keeps the accounts list and a login usable; 59×20 is too small', {skip}, async () => {
  const t = startBin(makeUiCcs(), {width: 60, height: 20});
  await t.waitFor('work · alice@');
  t.keys(['a']);
  await t.waitFor('Which provider?');
  t.keys(['Enter']);
  const login = await t.waitFor('v: paste it here');
  assert.match(login, /Claude — add an account/);
  t.keys(['Escape']);
  await t.waitFor('Which provider?');
  t.keys(['Escape']);
  await t.waitFor('work · alice@');
  t.resize(59, 20);
  await t.waitFor(/Terminal too small[\s\S]*59×20/);
  t.resize(60, 20);
  await t.waitFor('work · alice@');
  t.keys(['C-c']);
  assert.equal(await t.waitForExit(), 0);
});

test('tmux: a CCS dir that is a file (CCS_DIR naming one), or whose cliproxy/ is: ccs-tui says so and exits 2, no stack trace', {skip}, async () => {
  for (const make of [(root: string) => writeFileSync(root, 'not a dir'), (root: string) => (mkdirSync(root, {recursive: true}), writeFileSync(path.join(root, 'cliproxy'), 'x'))]) {
    const c = makeUiCcs();
    const root = path.join(c.env.HOME!, 'file-ccs');
    make(root);
    const t = startBin({...c, env: {...c.env, CCS_DIR: root}});
    await t.waitFor(/__program_exited_with=/);
    const screen = t.screen({joined: true});
    assert.match(screen, /ccs-tui: \S+file-ccs(\/cliproxy)? is a file, not a directory: the CCS dir('s cliproxy\/| \(CCS_DIR, else ~\/\.ccs\)) must be a directory/);
    assert.doesNotMatch(screen, /unexpected|at \S+ \(/);
    assert.equal(await t.waitForExit(), 2);
    // Two sessions in one test: the helper's afterEach kills only the last one started.
    t.kill();
  }
});

for (const keys of [['Escape', 'q'], ['q']]) {
  test(`tmux: ${keys.join(' then ')} while a login stores its account: the screen is given back, ccs-tui says it waits for that login, then how it ended, and the account is stored`, {skip}, async () => {
    let release!: () => void;
    const {fakeClaude} = await import('../helpers/fake-providers/providers.js');
    const fake = await fakeClaude({tokenGate: new Promise<void>((r) => (release = r))});
    try {
      const ccs = makeUiCcs();
      writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
      const t = startBin(ccs);
      await t.waitFor(/work\s+alice@example\.com/);
      t.keys(['a']);
      await t.waitFor('Which provider?');
      t.keys(['Enter']);
      await t.waitFor('v: paste it here');
      t.keys(['v']);
      await t.waitFor(/^›\s*$/m);
      t.keys(['a-code-from-the-page'], {literal: true});
      t.keys(['Enter']);
      await t.waitFor('checking with the provider and storing the account');
      if (keys[0] === 'Escape') {
        t.keys(['Escape']);
        await t.waitFor('still storing the account');
      }
      // q at once, on the storing screen: it quit and lost the login unsaid (found by the newcomer).
      t.keys(['q']);
      // Before, the process went on silently on a blank screen, and Ctrl-C there lost the login unsaid.
      await t.waitFor((s) => s.replace(/\n/g, '').includes('ccs-tui: waiting for the Claude login that is storing its account (Ctrl-C ends it, and the login is lost)'));
      assert.equal(t.display('#{alternate_on}'), '0', 'the screen was given back');
      release();
      await t.waitFor((s) => s.replace(/\n/g, '').includes('ccs-tui: ✓ Added Claude account claude-user@example.com'));
      assert.equal(await t.waitForExit(), 0);
      assert.ok(readFileSync(ccs.paths.registry, 'utf8').includes('claude-user@example.com'), 'the account is stored');
    } finally {
      release();
      await fake.server.close();
    }
  });
}

