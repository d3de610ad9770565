// rv11 attack review: bracketed paste (mode 2004) is off while an agent has the terminal (the agent
// reads a paste as plain text, no ESC[200~ markers it never asked for), on again when the TUI is back.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {binPath} from '../helpers/cli.js';
import {binInTmuxSkipReason, startTmux} from '../helpers/tmux.js';
import {startAgentTui} from './agent-tui.js';
import {makeUiCcs} from './fixtures.js';

const skip = binInTmuxSkipReason();
const KEY = 'rv11-agent-key-0123456789abcdef';
// Prints what it reads, escapes made visible, and exits on `bye`.
const FAKE_AGENT = [
  "process.stdout.write('agent ready\\n');",
  "process.stdin.setEncoding('utf8');",
  "process.stdin.on('data', (d) => { process.stdout.write('read ' + JSON.stringify(d) + '\\n'); if (d.includes('bye')) process.exit(0); });",
].join('\n');

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test('outside tmux: a paste reaches the agent without bracketed paste markers, and the TUI has them again after', {skip}, async () => {
  const {tmux} = await startAgentTui(FAKE_AGENT, KEY, cleanups);
  tmux.keys(['l']);
  await tmux.waitFor('▶ Claude accounts');
  tmux.keys(['e']);
  await tmux.waitFor('agent ready', 20_000);
  tmux.paste('pasted\n');
  const read = await tmux.waitFor(/read ".*pasted.*"/);
  assert.doesNotMatch(read, /200~/, 'the agent got bracketed paste markers it never asked for');
  tmux.keys(['b', 'y', 'e', 'Enter'], {literal: false});
  await tmux.waitFor('exited with code 0', 10_000);
  // Back in the TUI: a paste with a line break into the rename field does not submit.
  tmux.keys(['n']);
  await tmux.waitFor('rename:');
  tmux.keys(['C-u']);
  tmux.paste('two\nlines');
  await tmux.waitFor('rename: two lines');
});

/** The built TUI in tmux (100×24) on the UI fixture's accounts, once its home screen lists them. */
async function homeInTmux() {
  const ccs = makeUiCcs();
  const tmux = startTmux([process.execPath, binPath], {env: ccs.env, width: 100, height: 24});
  cleanups.push(() => {
    tmux.kill();
    ccs.cleanup();
  });
  await tmux.waitFor(/work\s+alice@example\.com/);
  return tmux;
}

test('pasted coloured text (SGR escapes, as `tmux capture-pane -e` copies it) goes into a field without its colours; the TUI stays', {skip}, async () => {
  const tmux = await homeInTmux();
  tmux.keys(['l', 'n']);
  await tmux.waitFor('rename: work');
  tmux.keys(['C-u']);
  tmux.paste('\u001b[1;31mred\u001b[0m team');
  await tmux.waitFor('rename: red team');
  // Outside a paste too (a terminal without bracketed paste sends the text as keys).
  tmux.keys(['\u001b[0m'], {literal: true});
  tmux.keys(['Enter']);
  await tmux.waitFor('renamed to red team');
});

test('keys Ink 6.8 has no name for with a Ctrl modifier (Ctrl+Tab as CSI 1;5I, ESC[5I, ESC O5I) are ignored; named keys (Ctrl+Up, Ctrl+Delete) still reach it', {skip}, async () => {
  const tmux = await homeInTmux();
  tmux.keys(['l']);
  for (const sequence of ['\u001b[1;5I', '\u001b[5I', '\u001bO5I', '\u001b[25;5~', '\u001b[1;5A', '\u001b[3;5~']) tmux.keys([sequence], {literal: true});
  // Still running and reading keys: `j` moves to bob.
  tmux.keys(['j']);
  await tmux.waitFor(/›\*? +bob@example\.com/);
  assert.doesNotMatch(tmux.screen(), /unexpected error/);
});
