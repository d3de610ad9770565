// What a terminal draws of text, line by line, for tests that check no credential is shown whole:
// escape sequences act or vanish (cursor back, forward, to a column), `\r` and backspace move the
// cursor back so a later piece overwrites, a tab moves to the next stop of 8, and controls, format
// characters, combining marks and default-ignorable characters take no cell.

// eslint-disable-next-line no-control-regex
const PIECE = /\u001b\[([0-9;]*)([ -/]*[@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[P^_X][^\u001b]*(?:\u001b\\)?|\u001b[@-Z\\-_]|[\s\S]/gu;
const NO_CELL = /^[\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}]$/u;

function drawLine(line: string): string {
  const cells: string[] = [];
  let col = 0;
  for (const [piece, params, final] of line.matchAll(PIECE)) {
    const n = Math.max(1, Number.parseInt(params ?? '', 10) || 1);
    if (final === 'D') col = Math.max(0, col - n);
    else if (final === 'C') col += n;
    else if (final === 'G') col = n - 1;
    else if (piece.startsWith('\u001b')) continue;
    else if (piece === '\r') col = 0;
    else if (piece === '\b') col = Math.max(0, col - 1);
    else if (piece === '\t') col = (Math.floor(col / 8) + 1) * 8;
    else if (NO_CELL.test(piece)) continue;
    else {
      while (cells.length < col) cells.push(' ');
      cells[col++] = piece;
    }
  }
  return cells.join('');
}

/** `text` as a terminal shows it (see above), lines kept. */
export function drawnOnTerminal(text: string): string {
  return text.split('\n').map(drawLine).join('\n');
}

/**
 * `secret` written so that only a terminal puts it together: its 8-character pieces 1, 3, 5… at
 * their tab stops, then `\r` and pieces 0, 2, 4… between them (no 12 characters of it in a row).
 */
export function writtenOutOfOrder(secret: string): string {
  const pieces = secret.match(/[\s\S]{1,8}/g) ?? [];
  const odd = pieces.filter((_, i) => i % 2 === 1);
  const even = pieces.filter((_, i) => i % 2 === 0);
  return `\t${odd.join('\t')}\r${even.join('\t')}`;
}
