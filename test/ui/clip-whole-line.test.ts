// The TUI's bundle draws a line of one-cell styled text that fits its box without cutting it
// (scripts/bundle-tui.mjs, ink's output.js), as Ink draws every line of a box that does not clip.
// For the lines the screens draw, slice-ansi's cut from the line's start to its full width gives the
// same cells, colours and links as the line itself; where it does not, the cut lost a style.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {styledCharsFromTokens, tokenize} from '@alcalzone/ansi-tokenize';
import {Chalk} from 'chalk';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {ONE_CELL_STYLED_TEXT} from '../../source/core/graphemes.js';

const chalk = new Chalk({level: 3});
const cells = (line: string) => styledCharsFromTokens(tokenize(line));

test('a one-cell styled line cut from its start to its width is the same cells as the line', () => {
  const lines = [
    'plain text',
    `${chalk.bold('bold')} x ${chalk.red.bgBlue('red on blue')}`,
    `${chalk.inverse(' › ★ user@example.com ')}${chalk.dim(' ⏸ paused')}`,
    `${chalk.hex('#ff8800')('5h ')}${chalk.green('█████▌    ')} 42 % · resets in 3h 05m`,
    `\u001b]8;;https://example.com\u0007a link\u001b]8;;\u0007 after`,
    '\u001b[1mbold never closed',
    `${chalk.underline('a')}${chalk.underline('b')}${chalk.bgRgb(10, 20, 30)('Ω Ж ─│┌ ✓')}`,
    '',
  ];
  for (const line of lines) {
    assert.ok(ONE_CELL_STYLED_TEXT.test(line), JSON.stringify(line));
    assert.deepEqual(cells(sliceAnsi(line, 0, stringWidth(line))), cells(line), JSON.stringify(line));
  }
});

test('bold and dim together: slice-ansi\'s cut keeps only dim, the whole line keeps both (a stale window at its limit)', () => {
  const line = chalk.bold.dim('100%');
  const styles = (text: string) => cells(text)[0]!.styles.map((style) => style.code);
  assert.deepEqual(styles(line), ['\u001b[1m', '\u001b[2m']);
  assert.deepEqual(styles(sliceAnsi(line, 0, stringWidth(line))), ['\u001b[2m']);
});

test('lines whose characters slice-ansi and string-width count apart are still cut by Ink: not one-cell styled text', () => {
  // string-width counts these as no cell and slice-ansi as one: its cut drops the line's last character.
  for (const line of ['tab\there', '\u00ad soft hyphen', 'zero\u200bwidth space']) {
    assert.ok(!ONE_CELL_STYLED_TEXT.test(line), JSON.stringify(line));
  }
});
