// The built binary in tmux (which draws no OSC 8 links here): a long auth URL copies cleanly with a
// mouse selection. `U` shows it alone on a cleared page as one line the terminal soft-wraps, so
// `capture-pane -J` (what a selection copies) gives it whole and byte-exact; Enter comes back to
// the same login, which then completes.
import assert from 'node:assert/strict';
import {readdirSync, writeFileSync} from 'node:fs';
import {test} from 'node:test';
import {fakeClaude} from '../helpers/fake-providers/providers.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {binInTmux, binInTmuxSkipReason, type TmuxOptions, type TmuxSession} from '../helpers/tmux.js';

const skip = binInTmuxSkipReason();
const startBin = binInTmux();

/** The built binary in tmux on a CCS dir pointed at `fake`, on Claude's login screen waiting for the pasted redirect. */
async function openClaudeLogin(fake: Awaited<ReturnType<typeof fakeClaude>>, options: TmuxOptions): Promise<{t: TmuxSession; ccs: TempCcs}> {
  const ccs = makeTempCcs();
  writeFileSync(ccs.paths.settings, JSON.stringify(fake.settings));
  const t = startBin(ccs, options);
  await t.waitFor('Providers (');
  t.keys(['a']);
  await t.waitFor('Which provider?');
  t.keys(['Enter']);
  await t.waitFor('v: paste it here');
  return {t, ccs};
}

test('tmux: U shows the auth URL as one soft-wrapped line (byte-exact, longer than two widths); Enter returns and the login completes', {skip}, async () => {
  const fake = await fakeClaude();
  try {
    const {t, ccs} = await openClaudeLogin(fake, {width: 80, height: 24});
    // The URL as `c` copies it (OSC 52, which this tmux turns into a paste buffer).
    t.keys(['c']);
    await t.waitFor('copied the login URL');
    const url = t.buffer();
    assert.ok(url.startsWith(`${fake.server.url}/oauth/authorize?`), url);
    assert.ok(url.length > 2 * 80, `the URL is longer than two terminal widths (${url.length})`);
    // In the TUI the URL is rows of the screen: a selection there would copy row breaks.
    assert.ok(!t.screen({joined: true}).split('\n').includes(url), 'the TUI draws it as rows');

    t.keys(['U']);
    await t.waitFor('Press Enter to return to ccs-tui');
    // A page of its own on the alternate screen: nothing of it lands on the shell's screen.
    assert.equal(t.display('#{alternate_on}'), '1', 'on a private page, not the shell screen');
    const lines = t.screen({joined: true}).split('\n');
    assert.ok(lines.includes(url), `one joined line is the URL, byte for byte:\n${lines.join('\n')}`);

    t.keys(['Enter']);
    await t.waitFor('v: paste it here');
    assert.equal(t.display('#{alternate_on}'), '1', 'back on the full screen');
    // The same login (same state), still waiting: paste the code the provider's page shows.
    const state = new URL(url).searchParams.get('state');
    t.keys(['v']);
    await t.waitFor(/Then paste[\s\S]*›/);
    t.keys([`a-code-from-the-page#${state}`], {literal: true});
    t.keys(['Enter']);
    await t.waitFor('claude-user@example.com');
    assert.ok(readdirSync(ccs.paths.authDir).some((f) => f.includes('claude-user@example.com')), 'the token file is written');
    t.keys(['C-c']);
    assert.equal(await t.waitForExit(), 0);
    // The shell's screen never had the URL page: it keeps none of it.
    const after = t.screen({joined: true});
    assert.doesNotMatch(after, /Press Enter to return|select the line below/);
    assert.ok(!after.includes(url), after);
  } finally {
    await fake.server.close();
  }
});

test('tmux: run inside tmux (TMUX set, as in a person\'s tmux shell), c copies the URL into tmux\'s clipboard with set-clipboard on, and the status says what it needs', {skip}, async () => {
  const fake = await fakeClaude();
  try {
    // allow-passthrough stays off (tmux 3.3's default): only the plain sequence can arrive.
    const {t} = await openClaudeLogin(fake, {width: 120, height: 24, insideTmux: true});
    t.keys(['c']);
    await t.waitFor('copied the login URL (OSC 52; inside tmux it arrives with `set -g set-clipboard on`)');
    assert.ok(t.buffer().startsWith(`${fake.server.url}/oauth/authorize?`), t.buffer());
  } finally {
    await fake.server.close();
  }
});
