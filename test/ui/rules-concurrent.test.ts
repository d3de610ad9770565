// The model rules screen and `ccs-tui exclude/alias` (a real CLI process) on one CCS dir: a save
// from the screen applies only its own edits onto config.yaml as it is now, so rules added
// elsewhere meanwhile survive; an edit that meets a change made elsewhere to the same rule is said
// and the person chooses (reload / keep mine); with nothing unsaved, outside changes just show up.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {parse} from 'yaml';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';

const CONFIG = `# shared with CLIProxyAPI
port: 8317
oauth-excluded-models:
  claude:
    - 'claude-3-*'    # old ones
`;

/** config.yaml's claude rules as CLIProxyAPI reads them. */
function claudeRules(ccs: TempCcs): {excluded: string[]; aliases: {name: string; alias: string}[]} {
  const doc = parse(readFileSync(ccs.paths.config, 'utf8')) as Record<string, Record<string, unknown> | undefined>;
  return {
    excluded: (doc['oauth-excluded-models']?.claude as string[] | undefined) ?? [],
    aliases: (doc['oauth-model-alias']?.claude as {name: string; alias: string}[] | undefined) ?? [],
  };
}

describe('rules screen and the CLI on one config.yaml', () => {
  let ccs: TempCcs;
  const opened: TuiHandle[] = [];
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
  });
  afterEach(() => {
    for (const screen of opened.splice(0)) screen.unmount();
    ccs.cleanup();
  });

  /** The TUI on the model rules screen for claude, once config.yaml's rules are shown. */
  async function open(): Promise<TuiHandle> {
    const screen = await renderTui({paths: ccs.paths, width: 140, height: 40, route: {screen: 'models', params: {provider: 'claude'}}});
    opened.push(screen);
    await screen.waitFor('✕ claude-3-*');
    return screen;
  }

  async function cli(...args: string[]): Promise<void> {
    const run = await runBin(args, ccs.env);
    assert.equal(run.code, 0, run.stderr);
  }

  test('an exclusion added by the CLI shows up on the open screen, and a save from the screen keeps it', async () => {
    const screen = await open();
    await cli('exclude', 'add', 'claude', 'claude-fable*');
    await screen.waitFor('✕ claude-fable*');
    await screen.press('a');
    await screen.type('gpt-*');
    await screen.press('enter', 's');
    await screen.waitFor('saved claude rules');
    assert.deepEqual(claudeRules(ccs).excluded, ['claude-3-*', 'claude-fable*', 'gpt-*']);
    assert.doesNotMatch(screen.frame(), /unsaved/);
  });

  test('an alias added by the CLI while the screen has unsaved edits survives the save, and is shown after it', async () => {
    const screen = await open();
    await screen.press('a');
    await screen.type('gpt-*');
    await screen.press('enter');
    await screen.waitFor('* unsaved ·');
    await cli('alias', 'add', 'claude', 'claude-opus-4-6', 'mid');
    // The edits stay; the header says the file changed too and that a save merges.
    await screen.waitFor('changed elsewhere too (save merges)');
    assert.match(screen.frame(), /✕ gpt-\*/);
    await screen.press('s');
    await screen.waitFor('saved claude rules');
    assert.deepEqual(claudeRules(ccs), {excluded: ['claude-3-*', 'gpt-*'], aliases: [{name: 'claude-opus-4-6', alias: 'mid'}]});
    await screen.waitFor('mid ← claude-opus-4-6');
  });

  test('a rule removed by the CLI whose edit is unsaved on the screen: the save says so, writes nothing, then keeps mine or reloads', async () => {
    const screen = await open();
    await screen.press('e', 'backspace');
    await screen.type('5*');
    await screen.press('enter');
    await screen.waitFor('✕ claude-3-5*');
    await cli('exclude', 'rm', 'claude', 'claude-3-*');
    await cli('exclude', 'add', 'claude', 'o1-*');
    await screen.press('s');
    await screen.waitFor('exclusion "claude-3-*": changed here to "claude-3-5*", removed elsewhere. Reload, dropping your edits? [y/N, s: keep mine]');
    assert.deepEqual(claudeRules(ccs).excluded, ['o1-*'], 'nothing written while the conflict is open');
    // n: no choice made, the edits stay and nothing is written.
    await screen.press('n');
    await screen.waitFor('your edits are kept');
    assert.deepEqual(claudeRules(ccs).excluded, ['o1-*']);
    // s again, then s (keep mine): the edited rule is written, the rule added elsewhere stays.
    await screen.press('s');
    await screen.waitFor('keep mine');
    await screen.press('s');
    await screen.waitFor('saved claude rules');
    assert.deepEqual(claudeRules(ccs).excluded, ['o1-*', 'claude-3-5*']);
  });

  test("an account's rules: an exclusion the CLI adds to its token file survives the screen's save, and the tokens stay", async () => {
    ccs.writeToken('claude-c.json', tokenFixture('claude', 'c@example.com'));
    const screen = await open();
    await screen.press('tab');
    await screen.waitFor('Rules: c@example.com (token file)');
    await screen.press('a');
    await screen.type('gpt-*');
    await screen.press('enter');
    await cli('exclude', 'add', 'claude', 'claude-fable*', '--account', 'c@example.com');
    await screen.waitFor('changed elsewhere too (save merges)');
    await screen.press('s');
    await screen.waitFor('saved claude rules');
    const token = JSON.parse(readFileSync(`${ccs.paths.authDir}/claude-c.json`, 'utf8'));
    assert.deepEqual(token.excluded_models, ['claude-fable*', 'gpt-*']);
    assert.equal(token.refresh_token, tokenFixture('claude', 'c@example.com').refresh_token);
    assert.deepEqual(claudeRules(ccs).excluded, ['claude-3-*']);
  });

  test('choosing reload drops the edits and shows the file as it is now', async () => {
    const screen = await open();
    await screen.press('e', 'backspace');
    await screen.type('5*');
    await screen.press('enter');
    await cli('exclude', 'rm', 'claude', 'claude-3-*');
    await screen.press('s');
    await screen.waitFor('keep mine');
    await screen.press('y');
    await screen.waitFor('your edits were dropped');
    await screen.waitFor((frame) => frame.includes('Exclusions (0)') && !frame.includes('unsaved'));
    assert.deepEqual(claudeRules(ccs).excluded, []);
  });
});
