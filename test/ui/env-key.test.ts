// No api-keys in config.yaml: `ccs-tui env` and the proxy screen's copy key do the same thing (one
// is generated and saved in config.yaml) and say it in the same words; the screen says beforehand
// which keys make one.
import {cleanUp, renderTui, type TuiHandle} from '../helpers/ink.js';
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {Clipboard} from '../../source/services/clipboard.js';
import {loadCliproxyConfig} from '../../source/store/cliproxy-config.js';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {makeUiCcs} from './fixtures.js';

let ccs: TempCcs | undefined;
let tui: TuiHandle | undefined;
afterEach(() => ([tui, ccs] = cleanUp(tui, ccs)));

/** The proxy screen on `dir`, its clipboard's copies in `copied`. */
async function proxyScreen(dir: TempCcs): Promise<{t: TuiHandle; copied: string[]}> {
  ccs = dir;
  const copied: string[] = [];
  const clipboard: Clipboard = {copy: (text) => void copied.push(text)};
  tui = await renderTui({paths: dir.paths, width: 200, height: 30, route: {screen: 'proxy', params: {}}, services: {clipboard}});
  return {t: tui, copied};
}

test('the proxy screen: c on a config.yaml without api-keys generates and saves one, says so, copies it, and shows it masked', async () => {
  const dir = makeUiCcs();
  const {t, copied} = await proxyScreen(dir);
  await t.waitFor("ANTHROPIC_AUTH_TOKEN='<no api-keys in config.yaml yet: c or s generates and saves one>'");
  await t.press('c');
  const frame = await t.waitFor(/generated one and saved it in/);
  assert.match(frame, /config\.yaml had no api-keys; generated one and saved it in \S*config\.yaml; copied 2 export lines/);
  const key = (await loadCliproxyConfig(dir.paths)).config.apiKeys[0];
  assert.ok(key, 'saved in config.yaml');
  assert.match(copied.join(''), new RegExp(`export ANTHROPIC_AUTH_TOKEN='${key}'`));
  // The screen follows config.yaml: the key it now holds, masked.
  const shown = await t.waitFor(`export ANTHROPIC_AUTH_TOKEN='${key.slice(0, 4)}…${key.slice(-4)}'`);
  assert.ok(!shown.includes(key));
  // Pressed again: the same key, nothing generated.
  await t.press('c');
  await t.waitFor((f) => /copied 2 export lines/.test(f) && !/generated one/.test(f));
  assert.equal((await loadCliproxyConfig(dir.paths)).config.apiKeys.length, 1);
});

// Newcomer (s44): on an empty CCS dir, stopped, c said "copied 2 export lines" as if they worked;
// running, it refused them for having no Claude account.
test('the proxy screen, stopped, on an empty CCS dir: c copies the exports for later and says what they wait on', async () => {
  const {t, copied} = await proxyScreen(makeTempCcs());
  await t.waitFor('ANTHROPIC_AUTH_TOKEN');
  await t.press('c');
  const frame = await t.waitFor(/copied 2 export lines/);
  assert.match(frame.replace(/\s+/g, ' '), /copied 2 export lines \(OSC 52\); not usable yet, as the exports box says/);
  assert.match(frame.replace(/\s+/g, ' '), /Claude Code exports \(c copies them\) │ │ Claude Code cannot use Claude: no Claude account/);
  assert.match(copied.join(''), /export ANTHROPIC_AUTH_TOKEN='/);
});

test('ccs-tui env on a CCS dir without config.yaml generates and saves one and says it in the same words', async () => {
  ccs = makeUiCcs();
  const run = await runBin(['env'], ccs.env);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stderr.includes(`# config.yaml had no api-keys; generated one and saved it in ${ccs.paths.config}\n`), run.stderr);
  const key = (await loadCliproxyConfig(ccs.paths)).config.apiKeys[0]!;
  assert.ok(run.stdout.includes(`export ANTHROPIC_AUTH_TOKEN='${key}'`), run.stdout);
});

