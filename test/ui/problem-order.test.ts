// One severity per problem, the same in the CLI and the TUI, and the banner puts the most pressing
// first: a corrupt accounts.json (rebuilt: an error) before token files left at 0644 (warnings),
// and among equals the newest first.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {chmodSync} from 'node:fs';
import {afterEach, test} from 'node:test';
import {orderProblems} from '../../source/core/problems.js';
import type {TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

const auth = (dir: TempCcs, name: string) => `${dir.paths.authDir}/${name}`;

test('orderProblems: errors first, then the newest, problems met together in their order', () => {
  const order = orderProblems([
    {id: 'old warning', severity: 'warning', seenAt: 0},
    {id: 'new warning', severity: 'warning', seenAt: 2},
    {id: 'old error', severity: 'error', seenAt: 0},
    {id: 'error met with it', severity: 'error', seenAt: 0},
  ] as const);
  assert.deepEqual(order.map((p) => p.id), ['old error', 'error met with it', 'new warning', 'old warning']);
});

test('a corrupt accounts.json comes before two 0644 token files in the banner; the CLI says the same severities', async () => {
  ccs = makeUiCcs();
  chmodSync(auth(ccs, 'claude-alice@example.com.json'), 0o644);
  chmodSync(auth(ccs, 'codex-carol@example.com.json'), 0o644);
  ccs.writeRaw('cliproxy/accounts.json', '{"version": 1, "providers": {');
  tui = await renderTui({paths: ccs.paths, width: 80, height: 24});
  const frame = await tui.waitFor('more problems');
  const banner = frame.split('\n').filter((line) => /^(!| {2}\S)/.test(line));
  assert.match(banner[0]!, /^! error: cliproxy\/accounts\.json:1:\d+: invalid JSON/, frame);
  assert.equal(banner.at(-1), '! 2 more problems (M lists them all)');
  await tui.press('M');
  const list = await tui.waitFor('Messages, newest first');
  assert.match(list, /error: cliproxy\/accounts\.json[\s\S]*warning: cliproxy\/auth\/claude-alice@example\.com\.json: readable by group/);
  tui.unmount();
  tui = undefined;
  // The CLI, on the files as the TUI left them (the registry was rebuilt: its backup is said).
  ccs.writeRaw('cliproxy/accounts.json', '{"version": 1, "providers": {');
  const run = await runBin(['accounts'], ccs.env);
  assert.match(run.stderr, /^ccs-tui: error: .*accounts\.json:1:\d+: invalid JSON.*a copy is kept at/m);
  assert.match(run.stderr, /^ccs-tui: warning: .*claude-alice@example\.com\.json: readable by group and others \(mode 0644\)/m);
  assert.doesNotMatch(run.stderr, /error: .*readable by group/);
});

test('among warnings the newest is first: a file left readable later goes above the one before it', async () => {
  ccs = makeUiCcs();
  chmodSync(auth(ccs, 'claude-alice@example.com.json'), 0o644);
  tui = await renderTui({paths: ccs.paths, width: 100, height: 24});
  await tui.waitFor('readable by group');
  chmodSync(auth(ccs, 'codex-carol@example.com.json'), 0o644);
  const frame = await tui.waitFor('codex-carol@example.com.json: readable');
  const at = (name: string) => frame.indexOf(name);
  assert.ok(at('codex-carol@example.com.json') < at('claude-alice@example.com.json'), frame);
  assert.match(frame.split('\n')[1]!, /^! warning: cliproxy\/auth\/codex-carol/);
});
