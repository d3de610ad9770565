// The Ink helper comes first: it forces colour before chalk loads (see test/helpers/force-color.ts).
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {readFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import {afterEach, test} from 'node:test';
import {keyLabel, KEY_BINDINGS} from '../../source/core/keymap.js';
import {FEATURE_ROUTES, FEATURE_SCREENS} from '../../source/ui/screens/registry.js';
import {tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {makeUiCcs} from './fixtures.js';
import {quotaWindowFixture, writeQuotaCache} from '../helpers/quota.js';
import {quotaCacheFile} from '../../source/services/quota/cache.js';
import {makeManyAccounts} from '../../scripts/bench-fixture.js';
import {rmSync} from 'node:fs';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

async function open(options: {width?: number; height?: number; env?: NodeJS.ProcessEnv} = {}) {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, ...options});
  await tui.waitFor('alice@example.com');
  return {ccs, tui};
}

const registry = (c: TempCcs) => JSON.parse(readFileSync(c.paths.registry, 'utf8'));
/** The line of the frame that contains `text`. */
const lineWith = (frame: string, text: string) => frame.split('\n').find((line) => line.includes(text)) ?? '';

test('home lists every provider (also those without accounts) beside the selected provider\'s accounts', async () => {
  const {tui} = await open();
  const frame = tui.frame();
  assert.match(lineWith(frame, '› Claude'), /Claude\s+2 [┃│]/);
  assert.match(lineWith(frame, 'Codex'), /Codex\s+1 [┃│]/);
  assert.match(lineWith(frame, 'Gemini'), /Gemini\s+0 [┃│]/);
  assert.match(lineWith(frame, 'alice'), /›[*★]\s+work\s+alice@example.com\s+ok\s+in (1h|59m)/);
  assert.match(frame, /3 accounts · 2\/\d+ providers/);
  assert.ok(frame.includes(ccs!.paths.root.slice(-20)), 'status line shows the CCS dir');
});

test('j/k move between providers, Enter/l focuses the accounts, Enter on an account opens its detail, Esc goes back', async () => {
  const {tui} = await open();
  await tui.press('j');
  let frame = await tui.waitFor('Codex accounts (1)');
  assert.match(lineWith(frame, 'carol'), /\*\s+carol@example.com/);
  await tui.press('k', 'enter');
  frame = await tui.waitFor('▶ Claude accounts (2)');
  await tui.press('j');
  await tui.waitFor((f) => /›\s+bob@example.com/.test(lineWith(f, 'bob@')));
  await tui.press('G', 'g');
  await tui.waitFor((f) => /›[*★]/.test(lineWith(f, 'alice')));
  await tui.press('down', 'enter');
  frame = await tui.waitFor('Account id');
  assert.match(frame, /Email\s+bob@example.com/);
  assert.match(frame, /Default\s+no/);
  await tui.press('escape');
  await tui.waitFor('▶ Claude accounts (2)');
});

test('u makes the selected account the default, on disk and on screen', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'j', 'u');
  await tui.waitFor('bob@example.com is now the default claude account');
  // The list reloads right after the status line: the row shows the new default then.
  await tui.waitFor((f) => /›[*★]/.test(lineWith(f, 'bob@')));
  assert.equal(registry(ccs).providers.claude.default, 'bob@example.com');
});

test('Enter in the detail screen makes the account the default', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'j', 'enter');
  await tui.waitFor('Account id');
  await tui.press('enter');
  await tui.waitFor(/Default\s+\* yes/);
  assert.equal(registry(ccs).providers.claude.default, 'bob@example.com');
});

test('/ filters the accounts as you type; Enter keeps the filter; Esc clears it', async () => {
  const {tui} = await open();
  await tui.press('l', '/');
  await tui.type('bob');
  let frame = await tui.waitFor('Claude accounts (1 of 2)');
  assert.ok(!frame.includes('alice'));
  assert.match(frame, /\/bob/);
  await tui.press('enter');
  frame = await tui.waitFor('(Esc clears)');
  assert.ok(!frame.includes('alice'));
  await tui.press('escape');
  frame = await tui.waitFor('Claude accounts (2)');
  assert.ok(frame.includes('alice'));
  assert.ok(!frame.includes('Esc clears'));
});

test('n renames in place; Enter saves; a clashing nickname shows the store error and keeps editing', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'j', 'n');
  await tui.waitFor('rename:');
  await tui.type('work');
  await tui.press('enter');
  let frame = await tui.waitFor('error: nickname "work" is already used by alice@example.com');
  assert.ok(frame.includes('rename:'), 'still editing after the error');
  await tui.press('backspace', 'backspace', 'backspace', 'backspace');
  await tui.type('home');
  await tui.press('enter');
  frame = await tui.waitFor('renamed to home');
  assert.match(lineWith(frame, 'bob@'), /home\s+bob@example.com/);
  assert.equal(registry(ccs).providers.claude.accounts['bob@example.com'].nickname, 'home');
});

test('d asks y/N: Enter (the default) keeps the account, y removes it and its token file', async () => {
  const {tui, ccs} = await open();
  const tokenFile = path.join(ccs.paths.authDir, 'claude-bob@example.com.json');
  await tui.press('l', 'j', 'd');
  let frame = await tui.waitFor('[y/N]');
  // The command line's words (test/cli/remove-confirm.test.ts); the question may wrap.
  assert.match(frame.replace(/[│┃]/g, ' ').replace(/\s+/g, ' '), /Remove claude account bob@example.com\? This deletes its token file and the grant it holds \(only a new login gets it back\)\. \[y\/N\]/);
  assert.match(frame, /y\/Y Yes/);
  await tui.press('enter');
  frame = await tui.waitFor('kept bob@example.com');
  assert.ok(frame.includes('bob@example.com'));
  assert.ok(existsSync(tokenFile));
  await tui.press('d');
  await tui.waitFor('[y/N]');
  await tui.press('y');
  frame = await tui.waitFor('removed claude account bob@example.com');
  assert.ok(!lineWith(frame, 'Claude accounts').includes('(2)'));
  assert.ok(!existsSync(tokenFile));
  assert.equal(registry(ccs).providers.claude.accounts['bob@example.com'], undefined);
  // The default removed: the status line says where the default went (none left here), as p does.
  await tui.press('k', 'd');
  frame = await tui.waitFor('[y/N]');
  assert.match(frame, /Remove claude account work\? /);
  await tui.press('y');
  await tui.waitFor('removed claude account work; no usable account is left to be the default');
});

test('d then y takes the account\'s quota out of the quota cache; the others keep theirs', async () => {
  const {tui, ccs} = await open();
  const now = Date.now();
  writeQuotaCache(ccs, new Date(now), {claude: {'alice@example.com': [quotaWindowFixture(now, '5h', 40, 3600_000, 18_000)], 'bob@example.com': [quotaWindowFixture(now, '5h', 10, 3600_000, 18_000)]}});
  await tui.press('l', 'j', 'd');
  await tui.waitFor('[y/N]');
  await tui.press('y');
  await tui.waitFor('removed claude account bob@example.com');
  const cache = readFileSync(quotaCacheFile(ccs.paths), 'utf8');
  assert.doesNotMatch(cache, /bob/);
  assert.deepEqual(Object.keys(JSON.parse(cache).accounts.claude), ['alice@example.com']);
});

test('p pauses and resumes (⏸ marker), r rotates the default to the next usable account', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'j', 'p');
  let frame = await tui.waitFor('bob@example.com paused');
  // The list reloads right after the status line.
  frame = await tui.waitFor((f) => /⏸ paused/.test(lineWith(f, 'bob@')));
  assert.ok(existsSync(path.join(ccs.paths.pausedDir, 'claude-bob@example.com.json')));
  // The only other account is paused: rotating says why it cannot.
  await tui.press('r');
  frame = await tui.waitFor('error: no other usable claude account to rotate to');
  await tui.press('p');
  await tui.waitFor('bob@example.com resumed');
  await tui.press('r');
  frame = await tui.waitFor('claude: default work → bob@example.com');
  assert.equal(registry(ccs).providers.claude.default, 'bob@example.com');
});

test('1-4 and a switch screens; a route without a screen yet shows "not available yet"; Esc and 1 come back', async () => {
  const {tui} = await open();
  await tui.press('a');
  await tui.waitFor('ccs-tui · Add account');
  await tui.press('escape');
  await tui.waitFor('Providers (');
  for (const [key, id] of [['2', 'quota'], ['3', 'models'], ['4', 'proxy']] as const) {
    await tui.press(key);
    const frame = await tui.waitFor(`ccs-tui · ${FEATURE_ROUTES[id].title}`);
    if (!FEATURE_SCREENS[id]) assert.ok(frame.includes('This screen is not available yet'), id);
    await tui.press('1');
    await tui.waitFor('Providers (');
  }
});

test('below 60×20 a "terminal too small" screen says the current and the needed size; resizing back restores home', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 59, height: 20});
  let frame = await tui.waitFor('Terminal too small');
  assert.match(frame, /59×20/);
  assert.match(frame, /60×20/);
  await tui.resize(60, 20);
  frame = await tui.waitFor(/work · alice@e/);
  await tui.resize(100, 19);
  assert.match(await tui.waitFor('100×19'), /or press q or Ctrl-C to quit/);
  // As htop and k9s: q quits whatever the size (no field or prompt is open underneath).
  await tui.press('q');
  await tui.exited;
});

test('too small while renaming: typed keys and q do nothing, the field keeps its text when the terminal grows', async () => {
  const {tui} = await open();
  await tui.press('l', 'j', 'n');
  await tui.waitFor('rename:');
  await tui.type('hom');
  await tui.resize(59, 19);
  // The field underneath would take q: only Ctrl-C is named.
  assert.match((await tui.waitFor('Terminal too small')).replace(/\s+/g, ' '), /or press Ctrl-C to quit/);
  await tui.press('q');
  await tui.type('zz');
  await tui.resize(100, 30);
  const frame = await tui.waitFor('rename:');
  assert.match(frame, /rename:.*hom/);
  assert.doesNotMatch(frame, /homzz|homq/);
  await tui.type('e');
  await tui.press('enter');
  await tui.waitFor('renamed to home');
});

test('? shows every key of the active scopes, from the keymap table', async () => {
  const {tui} = await open({width: 120, height: 40});
  await tui.press('?');
  const frame = await tui.waitFor('Keys (Esc or ? closes)');
  for (const binding of KEY_BINDINGS.filter((b) => b.scopes.some((s) => s === 'home' || s === 'list' || s === 'global'))) {
    if (binding.scopes.includes('detail') && !binding.scopes.includes('home')) continue;
    assert.ok(frame.includes(binding.description.slice(0, 20)), `missing "${binding.description}"`);
    assert.ok(frame.includes(keyLabel(binding.keys[0]!)), `missing key ${binding.keys[0]}`);
  }
  await tui.press('escape');
  await tui.waitFor('Providers (');
});

test('colours are on by default and NO_COLOR removes every colour code (markers and words stay)', async () => {
  const colour = /\u001b\[(?:3[0-79]|4[0-79]|9[0-7]|10[0-7]|38;|48;)/;
  const {tui} = await open();
  assert.match(tui.rawFrame(), colour);
  tui.unmount();
  ccs!.cleanup();
  const plain = await open({env: {NO_COLOR: '1'}});
  await plain.tui.press('l', 'j', 'p');
  await plain.tui.waitFor('⏸ paused');
  assert.doesNotMatch(plain.tui.rawFrame(), colour);
  assert.match(lineWith(plain.tui.frame(), 'alice'), /\*\s+work/);
  assert.match(lineWith(plain.tui.frame(), 'bob@'), /›\s+bob@example.com\s+⏸ paused/);
});

test('problems (a corrupt registry, with its backup) show in a banner; the rebuilt list still works', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/accounts.json', '{"providers": {');
  tui = await renderTui({paths: ccs.paths});
  const frame = await tui.waitFor('listed from the token files');
  assert.match(frame, /! .*accounts\.json/);
  assert.match(frame, /backup/);
  assert.match(frame, /alice@example.com/);
  // An edit refuses (nothing is written) and says what can be done here: no --force in a TUI.
  await tui.press('l', 'j', 'u');
  await tui.waitFor((f) => /^error: .*accounts\.json/.test(f.split('\n').at(-2) ?? ''));
  await tui.press('M');
  const log = await tui.waitFor('Messages, newest first');
  const text = log.split('\n').map((l) => l.replace(/^│ ?|\s*│$/g, '').trim()).join(' ');
  assert.match(text, /Nothing was changed\. A copy of it is kept at .* \(fix the file, or remove it to have the account list rebuilt from the token files; what the rebuild cannot read from the broken file stays only in that copy\)/);
  assert.doesNotMatch(text, /--force|run the command/);
  // The banner's problem is in the message log too, whole.
  assert.match(text, /error: .*accounts\.json.*listed from the token files/);
});

test('more than two problems: the banner shows the first and says M lists them all, as it does', async () => {
  ccs = makeUiCcs();
  ccs.writeRaw('cliproxy/accounts.json', '{"providers": {');
  ccs.writeRaw('cliproxy/auth/claude-broken1.json', '{"type": ');
  ccs.writeRaw('cliproxy/auth/claude-broken2.json', '[1, ');
  tui = await renderTui({paths: ccs.paths, width: 120});
  const frame = await tui.waitFor('more problems');
  assert.match(frame, /! 2 more problems \(M lists them all\)/);
  assert.doesNotMatch(frame, /ccs-tui accounts/);
  await tui.press('M');
  const log = await tui.waitFor('Messages, newest first');
  for (const file of ['accounts.json', 'claude-broken1.json', 'claude-broken2.json']) assert.match(log, new RegExp(`error: .*${file.replace('.', '\\.')}`), file);
});

test('edits made by another program show up without a key press', async () => {
  const {tui, ccs} = await open();
  ccs.writeToken('claude-dave@example.com.json', tokenFixture('claude', 'dave@example.com'));
  await tui.waitFor('dave@example.com');
  await tui.waitFor('Claude accounts (3)');
});

test('text from files cannot reach the terminal: escape sequences in a nickname are stripped', async () => {
  ccs = makeUiCcs();
  const reg = JSON.parse(readFileSync(ccs.paths.registry, 'utf8'));
  reg.providers.claude.accounts['bob@example.com'].nickname = 'evil\u001b]0;pwned\u0007\u001b[2J';
  ccs.writeRegistry(reg);
  tui = await renderTui({paths: ccs.paths});
  await tui.waitFor('evil');
  assert.ok(!tui.rawFrame().includes('pwned'));
  assert.ok(!tui.rawFrame().includes('\u001b[2J'));
});

test('1,000 accounts: only the visible window is drawn; G, g and PgDn keep the cursor on screen', async () => {
  const paths = makeManyAccounts(1000);
  try {
    tui = await renderTui({paths, width: 100, height: 30});
    await tui.waitFor('Claude accounts (167)');
    await tui.press('l', 'G');
    let frame = await tui.waitFor(/›\s+user996\s+user0996@example.com/);
    assert.ok(!frame.includes('user0000@'), 'the top of the list scrolled away');
    // Rows drawn = the pane's height, not the list's length.
    assert.ok(frame.split('\n').filter((line) => /user\d+@example.com/.test(line)).length <= 30);
    await tui.press('g');
    frame = await tui.waitFor(/›[*★]\s+user0\s+user0000@example.com/);
    await tui.press('pagedown');
    frame = await tui.waitFor(/›\s+user\d+\s+user0\d+@example.com/);
    assert.ok(!frame.includes('user0000@'));
  } finally {
    rmSync(path.dirname(paths.root), {recursive: true, force: true});
  }
});

test('a held navigation key read at once is pressed per repeat; any other run of letters is a paste that runs nothing', async () => {
  const {tui} = await open();
  await tui.type('jj'); // Claude → Codex → Gemini, one read
  await tui.waitFor('Gemini accounts (0)');
  await tui.type('k'.repeat(12)); // a held k: twelve presses, back to the top (Claude)
  await tui.waitFor('Claude accounts (2)');
  await tui.type('j');
  await tui.waitFor('Codex accounts (1)');
  await tui.press('enter');
  await tui.waitFor('▶ Codex accounts (1)');
  await tui.type('workq'); // a paste: no reorder, no rotate, no quit
  await tui.waitFor('paste ignored — press / to filter');
  assert.match(tui.frame(), /▶ Codex accounts \(1\)/);
  await tui.type('qqqqqqqqqqqq');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(tui.frame(), /▶ Codex accounts \(1\)/);
  await tui.type('2');
  await tui.waitFor('[2 Quota]');
});

test('p on the default account moves the default to the next usable one; u on a paused account asks to resume it', async () => {
  const {tui, ccs} = await open();
  await tui.press('l', 'p');
  let frame = await tui.waitFor('work paused; default is now bob@example.com');
  assert.equal(registry(ccs).providers.claude.default, 'bob@example.com');
  // The list reloads right after the status line.
  frame = await tui.waitFor((f) => /\*\s+bob@example.com/.test(lineWith(f, 'bob@')));
  // alice is paused: u asks; No keeps everything.
  await tui.press('u');
  frame = await tui.waitFor('work is paused. Resume it and make it the default? [y/N]');
  await tui.press('n');
  await tui.waitFor('work stays paused; the default is unchanged');
  assert.equal(registry(ccs).providers.claude.default, 'bob@example.com');
  await tui.press('u');
  await tui.waitFor('[y/N]');
  await tui.press('y');
  await tui.waitFor('work resumed; it is now the default claude account');
  assert.equal(registry(ccs).providers.claude.default, 'alice@example.com');
  assert.equal(registry(ccs).providers.claude.accounts['alice@example.com'].paused, false);
});

test('60×20 (half of a 160-column terminal, compact): the accounts list and the tabs stay usable', async () => {
  ccs = makeUiCcs();
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  await tui.waitFor('work · alice@');
  await tui.press('l');
  const frame = await tui.waitFor('▶ Claude accounts (2)');
  assert.match(frame, /\[1 Accounts\]/);
  assert.match(lineWith(frame, 'alice'), /›[*★]\s+work · alice@e\S*…?\s+ok\s+in (1h|59m)/);
  assert.match(frame, /Antigravity\s+0/, 'provider names fit the compact pane');
  await tui.press('j', 'enter');
  await tui.waitFor(/Email\s+bob@example.com/);
});

test('columns follow the content: a long TOKEN cell is never cut while EMAIL has room; wide characters are measured in cells', async () => {
  const {tui, ccs} = await open({width: 160, height: 30});
  // A nickname in CJK (2 cells a character) must not push the row past its border.
  await tui.press('l', 'n', 'ctrl+u');
  await tui.type('仕事用アカウント');
  await tui.press('enter');
  const frame = await tui.waitFor('renamed to 仕事用アカウント');
  const row = lineWith(frame, 'alice@');
  const {default: stringWidth} = await import('string-width');
  assert.equal(stringWidth(row), stringWidth(lineWith(frame, 'bob@')), 'both rows end at the same cell');
  assert.match(row, /仕事用アカウント\s+alice@example.com\s+ok\s+in (1h|59m)/);
  void ccs;
});

test('two logins of one email are told apart by their #suffix id on home and in the quota list', async () => {
  ccs = makeUiCcs();
  ccs.writeToken('codex-1a2b3c4d-dup@corp.example.com-team.json', tokenFixture('codex', 'dup@corp.example.com'));
  ccs.writeToken('codex-5e6f7a8b-dup@corp.example.com-plus.json', tokenFixture('codex', 'dup@corp.example.com'));
  for (const width of [100, 160]) {
    tui = await renderTui({paths: ccs.paths, width, height: 30});
    await tui.waitFor('alice@example.com');
    await tui.press('j');
    const frame = await tui.waitFor('Codex accounts (3)');
    assert.ok(lineWith(frame, '1a2b3c4d').includes('dup@corp.example.com#1a2b3c4d-team'), `width ${width}: ${frame}`);
    assert.ok(lineWith(frame, '5e6f7a8b').includes('dup@corp.example.com#5e6f7a8b-plus'), `width ${width}: ${frame}`);
    // The account with an email of its own keeps the plain email.
    assert.doesNotMatch(lineWith(frame, 'carol'), /#/);
    tui.unmount();
  }
  tui = await renderTui({paths: ccs.paths, width: 120, height: 40});
  await tui.waitFor('alice@example.com');
  await tui.press('2');
  const quota = await tui.waitFor('5e6f7a8b');
  assert.match(quota, /codex · dup@corp\.example\.com#1a2b3c4d-team/);
  assert.match(quota, /codex · dup@corp\.example\.com#5e6f7a8b-plus/);
});

test('invisible characters in an email (zero-width space, ZWJ, BOM) show as \\u200b-style text at 60×20: look-alikes differ and every row keeps its border', async () => {
  ccs = makeUiCcs();
  ccs.writeToken('codex-zw.json', tokenFixture('codex', 'a\u200bb\u200bc\u200d\ufeff@zero.width'));
  ccs.writeToken('codex-plain.json', tokenFixture('codex', 'abc@zero.width'));
  tui = await renderTui({paths: ccs.paths, width: 60, height: 20});
  const {default: stringWidth} = await import('string-width');
  await tui.waitFor('Codex');
  await tui.press('j');
  const frame = await tui.waitFor((f) => f.includes('Codex accounts (3)') && f.includes('abc@zero') && f.includes('a\\u200bb'));
  for (const line of frame.split('\n')) {
    assert.ok(!/[\u200b-\u200d\ufeff]/.test(line), `no invisible character reaches the terminal: ${JSON.stringify(line)}`);
    assert.ok(stringWidth(line) <= 60, `within 60 cells: ${line}`);
  }
  const rows = frame.split('\n').filter((line) => line.includes('abc@zero') || line.includes('a\\u200bb'));
  assert.equal(rows.length, 2, frame);
  assert.equal(new Set(rows.map((row) => stringWidth(row))).size, 1, `both rows end at the same cell:\n${rows.join('\n')}`);
});

test('the status bar counts in words that agree with the number: 1 account', async () => {
  const {makeTempCcs} = await import('../helpers/ccs.js');
  ccs = makeTempCcs();
  ccs.writeToken('claude-solo@example.com.json', tokenFixture('claude', 'solo@example.com'));
  tui = await renderTui({paths: ccs.paths});
  const frame = await tui.waitFor('solo@example.com');
  assert.match(frame, /[^\d]1 account · 1\/\d+ providers/);
  assert.doesNotMatch(frame, /1 accounts/);
});
