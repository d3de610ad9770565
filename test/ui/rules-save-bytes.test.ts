// Every edit the model rules screen can make is saved into config.yaml as a splice: the file's bytes
// are the original's with only the edited piece changed (comments, quoting and spacing of the rest
// stay; a changed scalar keeps its quotes). The CLI's `alias add` writes the same way.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {afterEach, beforeEach, describe, test} from 'node:test';
import {makeTempCcs, type TempCcs} from '../helpers/ccs.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';

const OPUS = `    - name: claude-opus-4-6   # big
      alias: opus
`;
const SONNET = `    - name: claude-sonnet-4-5   # main
      alias: sonnet    # short
`;
const HAIKU = `    - name: 'claude-haiku-4-5-20251001'
      alias: "haiku"  # fast
      fork: true
`;
const CONFIG = `# shared with CLIProxyAPI
port: 8317
oauth-excluded-models:
  claude:
    - 'claude-3-*'    # old ones
    - "*-opus-4-1*"  # retired
oauth-model-alias:
  claude:
${OPUS}${SONNET}${HAIKU}debug: false   # keep
`;
/** Rows of the rules pane, top first: the two exclusions, then the three aliases. */
const ROW = {exclusion: 0, opus: 2, sonnet: 3, haiku: 4};

describe('rules screen saves only what it changed', () => {
  let ccs: TempCcs;
  let tui: TuiHandle | undefined;
  beforeEach(() => {
    ccs = makeTempCcs();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
  });
  afterEach(() => {
    tui?.unmount();
    tui = undefined;
    ccs.cleanup();
  });

  /** Opens the screen, moves to `row`, presses each key (`{text}` is typed), saves; the file after. */
  async function edit(row: number, keys: (string | {text: string})[]): Promise<string> {
    tui = await renderTui({paths: ccs.paths, width: 120, height: 40, route: {screen: 'models', params: {provider: 'claude'}}});
    await tui.waitFor(/Models \d+\/\d+ visible/);
    for (let i = 0; i < row; i++) await tui.press('j');
    for (const key of keys) await (typeof key === 'string' ? tui.press(key) : tui.type(key.text));
    await tui.waitFor('* unsaved');
    await tui.press('s');
    await tui.waitFor('saved claude rules');
    return readFileSync(ccs.paths.config, 'utf8');
  }

  test("editing an alias's model name changes that name only, plain as it was, comments kept", async () => {
    const text = await edit(ROW.sonnet, ['e', 'backspace', {text: '6'}, 'enter', 'enter']);
    assert.equal(text, CONFIG.replace('claude-sonnet-4-5   # main', 'claude-sonnet-4-6   # main'));
  });

  test('editing the alias field keeps its quotes and comment', async () => {
    const text = await edit(ROW.haiku, ['e', 'enter', {text: '-x'}, 'enter']);
    assert.equal(text, CONFIG.replace('alias: "haiku"  # fast', 'alias: "haiku-x"  # fast'));
  });

  test('editing an exclusion keeps its single quotes and comment', async () => {
    const text = await edit(ROW.exclusion, ['e', 'backspace', {text: '7*'}, 'enter']);
    assert.equal(text, CONFIG.replace("'claude-3-*'    # old ones", "'claude-3-7*'    # old ones"));
  });

  test('adding an exclusion inserts one line, quoted like its neighbours', async () => {
    const text = await edit(0, ['a', {text: 'gpt*'}, 'enter']);
    assert.equal(text, CONFIG.replace('  # retired\n', "  # retired\n    - 'gpt*'\n"));
  });

  test('adding an alias inserts one entry after the last, styled like the first', async () => {
    const text = await edit(0, ['A', {text: 'claude-opus-4-7'}, 'enter', {text: 'o47'}, 'enter']);
    assert.equal(text, CONFIG.replace(HAIKU, `${HAIKU}    - name: claude-opus-4-7\n      alias: o47\n`));
  });

  test('removing an alias removes its lines only', async () => {
    const text = await edit(ROW.sonnet, ['x']);
    assert.equal(text, CONFIG.replace(SONNET, ''));
  });

  test('fork on adds one line; fork off removes one line', async () => {
    let text = await edit(ROW.opus, ['f']);
    assert.equal(text, CONFIG.replace(OPUS, `${OPUS}      fork: true\n`));
    tui!.unmount();
    ccs.writeRaw('cliproxy/config.yaml', CONFIG);
    text = await edit(ROW.haiku, ['f']);
    assert.equal(text, CONFIG.replace(HAIKU, HAIKU.replace('      fork: true\n', '')));
  });

  test('moving an alias up moves its lines, comments and quotes with it', async () => {
    const text = await edit(ROW.sonnet, ['K']);
    assert.equal(text, CONFIG.replace(OPUS + SONNET, SONNET + OPUS));
  });

  test('two edits in one save: a removal and an edit below it each touch only their own lines', async () => {
    const text = await edit(ROW.opus, ['x', 'j', 'e', 'enter', {text: '2'}, 'enter']);
    assert.equal(text, CONFIG.replace(OPUS, '').replace('alias: "haiku"  # fast', 'alias: "haiku2"  # fast'));
  });
});
