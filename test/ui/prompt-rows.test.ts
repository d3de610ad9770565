// A question in the status area always shows its choices and its reason: at 120 columns the model
// rules clash was cut to `…removed elsewhere. Reload, dropping yo… [y/N, s: keep mine]`. Every
// confirm prompt of the TUI, at 80 and 120 columns.
import assert from 'node:assert/strict';
import {afterEach, describe, test} from 'node:test';
import {cellWidth} from '../../source/core/cells.js';
import {promptMaxRows, promptRows, PROMPT_MAX_ROWS} from '../../source/ui/components/Chrome.js';
import {makeTempCcs, tokenFixture, type TempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';
import {renderTui, type TuiHandle} from '../helpers/ink.js';

/** The frame's rows as one text, each row's trailing spaces gone, rows joined by a space (a wrapped prompt reads as one line). */
const joined = (frame: string) => frame.split('\n').map((row) => row.trimEnd()).join(' ').replace(/ +/g, ' ');

/** Asserts the frame shows `prompt` and `choices` whole, and no row is wider than the screen. */
function assertWhole(frame: string, prompt: string, choices: string, width: number) {
  assert.ok(joined(frame).includes(`${prompt} ${choices}`), `the whole question at ${width} columns:\n${frame}`);
  for (const row of frame.split('\n')) assert.ok(cellWidth(row) <= width, `a row wider than ${width}: ${row}`);
}

describe('confirm prompts at 80 and 120 columns', () => {
  let ccs: TempCcs | undefined;
  const opened: TuiHandle[] = [];
  afterEach(() => {
    for (const screen of opened.splice(0)) screen.unmount();
    ccs?.cleanup();
  });

  for (const width of [80, 120]) {
    test(`the rules clash at ${width} columns: reason, question and choices`, async () => {
      ccs = makeTempCcs();
      ccs.writeRaw('cliproxy/config.yaml', "port: 8317\noauth-excluded-models:\n  claude:\n    - 'claude-3-*'\n");
      const screen = await renderTui({paths: ccs.paths, width, height: 30, route: {screen: 'models', params: {provider: 'claude'}}});
      opened.push(screen);
      await screen.waitFor('✕ claude-3-*');
      await screen.press('e', 'backspace');
      await screen.type('5*');
      await screen.press('enter');
      await screen.waitFor('✕ claude-3-5*');
      assert.equal((await runBin(['exclude', 'rm', 'claude', 'claude-3-*'], ccs.env)).code, 0);
      await screen.press('s');
      const frame = await screen.waitFor('keep mine]');
      assertWhole(frame, 'exclusion "claude-3-*": changed here to "claude-3-5*", removed elsewhere. Reload, dropping your edits?', '[y/N, s: keep mine]', width);
      assert.equal(frame.split('\n').length, 30, 'the frame keeps the terminal height');
    });

    test(`removing an account with a long name at ${width} columns`, async () => {
      ccs = makeTempCcs();
      const email = 'a.very.long.mailbox.name.for.testing.prompts@subdomain.example-corporation.com';
      ccs.writeToken('claude-long.json', tokenFixture('claude', email));
      const screen = await renderTui({paths: ccs.paths, width, height: 30});
      opened.push(screen);
      await screen.waitFor(email.slice(0, 20));
      await screen.press('l', 'd');
      const frame = await screen.waitFor('[y/N]');
      assertWhole(frame, `Remove claude account ${email}? This deletes its token file and the grant it holds (only a new login gets it back).`, '[y/N]', width);
    });
  }

  test('past its row limit a question loses the start of its reason, never its end or its choices', () => {
    const reason = Array.from({length: 60}, (_, i) => `word${i}`).join(' ');
    const rows = promptRows(`${reason}. Reload, dropping your edits?`, '[y/N, s: keep mine]', 40);
    assert.equal(rows.length, PROMPT_MAX_ROWS);
    assert.ok(rows[0]!.startsWith('…'));
    assert.ok(rows.join(' ').endsWith('Reload, dropping your edits? [y/N, s: keep mine]'), rows.join('\n'));
    for (const row of rows) assert.ok(cellWidth(row) <= 40, row);
  });

  // The newcomer's long `e` question (an account's refusal quoted, then "Serve anyway?") lost its
  // reason's start at 120×40, where the screen had room for all of it.
  test('a taller terminal gives a question more rows: a quarter of them, at least four', () => {
    assert.equal(promptMaxRows(12), PROMPT_MAX_ROWS);
    assert.equal(promptMaxRows(20), 5);
    assert.equal(promptMaxRows(24), 6);
    assert.equal(promptMaxRows(40), 10);
    const reason = Array.from({length: 60}, (_, i) => `word${i}`).join(' ');
    const rows = promptRows(`${reason}. Reload, dropping your edits?`, '[y/N, s: keep mine]', 80, promptMaxRows(40));
    assert.ok(rows.length > PROMPT_MAX_ROWS && rows.length <= 10, rows.join('\n'));
    assert.equal(rows.join(' '), `${reason}. Reload, dropping your edits? [y/N, s: keep mine]`, 'whole, its start too');
  });
});
