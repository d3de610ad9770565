// rv10c attack: outside tmux, the launch key runs the agent in the TUI's terminal, on the proxy the
// TUI runs as its child. A Ctrl-C typed to the agent (Claude Code takes it as "stop this turn" and
// goes on) is sent by the terminal to its whole foreground process group: the TUI (which ignores it
// meanwhile), the agent, and the TUI's proxy child, which stopped; and since a proxy stopped from
// outside stays stopped, the agent went on without its proxy. The child is out of the terminal's
// reach now (a process group of its own): Ctrl-C is the agent's alone.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {binInTmuxSkipReason} from '../helpers/tmux.js';
import {startAgentTui} from './agent-tui.js';

const skip = binInTmuxSkipReason();
const KEY = 'rv10c-agent-key-0123456789abcdef';
// On Ctrl-C: asks the proxy it was given for its models, says what came back, and exits.
const FAKE_AGENT = [
  "process.stdout.write('agent reads its input\\n');",
  'process.stdin.resume();',
  "process.on('SIGINT', () => setTimeout(() => fetch(`${process.env.ANTHROPIC_BASE_URL}/v1/models`, {headers: {'x-api-key': process.env.ANTHROPIC_AUTH_TOKEN}})",
  "  .then((r) => process.stdout.write(`after Ctrl-C the proxy answered ${r.status}\\n`), () => process.stdout.write('after Ctrl-C the proxy is down\\n'))",
  '  .finally(() => setTimeout(() => process.exit(0), 1500)), 1000));',
].join('\n');

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test("outside tmux: Ctrl-C typed to an agent on the TUI's own proxy leaves that proxy running", {skip}, async () => {
  const {tmux} = await startAgentTui(FAKE_AGENT, KEY, cleanups);
  tmux.keys(['4']);
  await tmux.waitFor('○ stopped');
  tmux.keys(['s']);
  await tmux.waitFor(/● running · child of this TUI/, 20_000);
  tmux.keys(['1']);
  await tmux.waitFor(/work\s+alice@example\.com/);
  tmux.keys(['l']);
  await tmux.waitFor('▶ Claude accounts');
  tmux.keys(['e']);
  await tmux.waitFor('agent reads its input', 20_000);
  tmux.keys(['C-c']);
  const said = await tmux.waitFor(/after Ctrl-C the proxy (answered \d+|is down)/, 10_000);
  assert.match(said, /after Ctrl-C the proxy answered 200/);
  await tmux.waitFor(/exited with code 0/, 10_000);
  tmux.keys(['4']);
  const proxy = await tmux.waitFor(/Port\s+\d+|stopped/, 10_000);
  assert.match(proxy, /● running · child of this TUI/);
  tmux.keys(['q']);
  assert.equal(await tmux.waitForExit(), 0);
});
