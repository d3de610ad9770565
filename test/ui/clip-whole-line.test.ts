// The TUI's bundle draws a line of one-cell styled text that fits its box without cutting it
// (scripts/bundle-tui.mjs, ink's output.js), as Ink draws every line of a box that does not clip.
// For the lines the screens draw, slice-ansi's cut from the line's start to its full width gives the
// same cells, colours and links as the line itself; where it does not, the cut lost a style.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {styledCharsFromTokens, styledCharsToString, tokenize} from '@alcalzone/ansi-tokenize';
import {Chalk} from 'chalk';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {drawnUncut, ONE_CELL_STYLED_TEXT} from '../../source/core/graphemes.js';
import {seededRandom} from '../helpers/seeded-random.js';

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

const ON: Record<number, string> = {1: 'bold', 2: 'dim', 3: 'italic', 4: 'underline', 7: 'inverse', 9: 'strike'};
const OFF: Record<number, string[]> = {22: ['bold', 'dim'], 23: ['italic'], 24: ['underline'], 27: ['inverse'], 29: ['strike']};

/**
 * What a terminal shows for each cell of a row of Ink's (styledCharsToString): the character and the
 * attributes in force, with SGR 22 ending both bold and dim as terminals do.
 */
function onScreen(row: string): string[] {
  const off = {bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false, fg: '', bg: '', link: ''};
  let now = {...off};
  const shown: string[] = [];
  for (let i = 0; i < row.length; ) {
    const sgr = /^\u001b\[([0-9;]*)m/.exec(row.slice(i));
    if (sgr) {
      const codes = sgr[1] === '' ? ['0'] : sgr[1]!.split(';');
      for (let k = 0; k < codes.length; k++) {
        const code = Number(codes[k]);
        if (code === 38 || code === 48) {
          const n = codes[k + 1] === '5' ? 3 : 5;
          now = {...now, [code === 38 ? 'fg' : 'bg']: codes.slice(k, k + n).join(';')};
          k += n - 1;
        } else if (code === 0) now = {...off, link: now.link};
        else if (code in ON) now = {...now, [ON[code]!]: true};
        else if (code in OFF) for (const name of OFF[code]!) now = {...now, [name]: false};
        else if (code === 39 || code === 49) now = {...now, [code === 39 ? 'fg' : 'bg']: ''};
        else now = {...now, [(code >= 40 && code <= 47) || code >= 100 ? 'bg' : 'fg']: String(code)};
      }
      i += sgr[0].length;
    } else if (row.startsWith('\u001b]8;', i)) {
      const end = row.indexOf('\u0007', i);
      const body = row.slice(i + 4, end);
      now = {...now, link: body.slice(body.indexOf(';') + 1)};
      i = end + 1;
    } else shown.push(`${row[i++]} ${JSON.stringify(now)}`);
  }
  return shown;
}

const drawn = (line: string) => onScreen(styledCharsToString(cells(line)));

test('bold and dim together: the line is cut as before, since drawn whole its text after the bold part loses dim', () => {
  // <Text dimColor><Text bold>Name</Text> rest</Text>: cut, `Name` is bold and ` rest` dim.
  const line = chalk.dim(`${chalk.bold('Name')} rest`);
  const cut = drawn(sliceAnsi(line, 0, stringWidth(line)));
  assert.match(cut.at(-1)!, /"bold":false,"dim":true/);
  assert.notDeepEqual(drawn(line), cut, 'drawn whole, the terminal shows other cells');
  assert.equal(drawnUncut(line), false);
  assert.equal(drawnUncut(chalk.bold.dim('100%')), false);
  assert.equal(drawnUncut(chalk.dim('dim') + chalk.italic(' italic')), true);
});

test('random nested styles as Ink writes them: every line drawn whole shows what its cut shows', () => {
  const next = seededRandom(61);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const styles = [chalk.bold, chalk.dim, chalk.italic, chalk.underline, chalk.inverse, chalk.strikethrough, chalk.red, chalk.cyan, chalk.gray, chalk.bgBlue, chalk.hex('#ff8800')];
  const text = () => Array.from({length: 1 + Math.floor(next() * 5)}, () => pick(['a', 'b', ' ', '─', '★', '›'])).join('');
  const styled = (depth: number): string =>
    Array.from({length: 1 + Math.floor(next() * 3)}, () => (depth < 3 && next() < 0.5 ? pick(styles)(styled(depth + 1)) : text())).join('');
  let whole = 0;
  for (let round = 0; round < 3000; round++) {
    const line = styled(0);
    if (!drawnUncut(line)) continue;
    whole++;
    assert.deepEqual(drawn(line), drawn(sliceAnsi(line, 0, stringWidth(line))), JSON.stringify(line));
  }
  assert.ok(whole > 1000, `${whole} lines drawn whole`);
});

test('lines whose characters slice-ansi and string-width count apart are still cut by Ink: not one-cell styled text', () => {
  // string-width counts these as no cell and slice-ansi as one: its cut drops the line's last character.
  for (const line of ['tab\there', '\u00ad soft hyphen', 'zero\u200bwidth space']) {
    assert.ok(!ONE_CELL_STYLED_TEXT.test(line), JSON.stringify(line));
  }
});
