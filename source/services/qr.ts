// QR codes for terminals that scan on dark AND light themes. qrcode-terminal's own small mode
// assumes a dark background; here the matrix comes from its bundled encoder and is drawn with half
// blocks whose glyphs are the LIGHT modules, meant to be shown with explicit white-on-black colours
// (QR_COLOURS / qrAnsi), with a quiet zone, so the terminal's theme never flips the code.
import {createRequire} from 'node:module';

interface QRCodeModel {
  addData(text: string): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, col: number): boolean;
}

const require = createRequire(import.meta.url);

/** Quiet zone in modules around the code (spec says 4; 2 scans fine on screens and saves rows). */
export const QR_QUIET_ZONE = 2;
export const QR_COLOURS = {foreground: 'whiteBright', background: 'black'} as const;

/** The module matrix, true = dark. Error correction L (the smallest code, as qrcode-terminal). */
export function qrMatrix(text: string): boolean[][] {
  const QRCode = require('qrcode-terminal/vendor/QRCode/index.js') as new (type: number, level: number) => QRCodeModel;
  const level = require('qrcode-terminal/vendor/QRCode/QRErrorCorrectLevel.js') as {L: number};
  const code = new QRCode(-1, level.L);
  code.addData(text);
  code.make();
  const n = code.getModuleCount();
  return Array.from({length: n}, (_, r) => Array.from({length: n}, (_, c) => code.isDark(r, c)));
}

/** Lines of half blocks (2 module rows per line) including the quiet zone; glyphs are light modules. */
export function qrLines(text: string, quiet: number = QR_QUIET_ZONE): string[] {
  const matrix = qrMatrix(text);
  const n = matrix.length;
  const size = n + quiet * 2;
  const dark = (r: number, c: number) => {
    const rr = r - quiet;
    const cc = c - quiet;
    return rr >= 0 && cc >= 0 && rr < n && cc < n && matrix[rr]![cc]!;
  };
  const lines: string[] = [];
  for (let r = 0; r < size; r += 2) {
    let line = '';
    for (let c = 0; c < size; c++) {
      const topLight = !dark(r, c);
      const bottomLight = r + 1 < size ? !dark(r + 1, c) : true;
      line += topLight && bottomLight ? '█' : topLight ? '▀' : bottomLight ? '▄' : ' ';
    }
    lines.push(line);
  }
  return lines;
}

/** The size a QR of `text` takes on screen: columns and lines. */
export function qrSize(text: string): {width: number; height: number} {
  const n = qrMatrix(text).length + QR_QUIET_ZONE * 2;
  return {width: n, height: Math.ceil(n / 2)};
}

/** The QR as ANSI text for a terminal (explicit bright-white on black, so themes cannot invert it). */
export function qrAnsi(text: string): string {
  return qrLines(text).map((line) => `\u001b[97;40m${line}\u001b[0m`).join('\n') + '\n';
}

/**
 * The one line shown instead of a QR that does not fit: the terminal size it needs (`columns` ×
 * `rows`) and what to do meanwhile (`otherwise`). A long authorize URL (Claude's ~400 characters,
 * Google's ~550) makes a code of 73-93 modules a side, 37-47 rows of half blocks: more than a
 * 120×40 terminal has room for beside the address and the prompt.
 */
export function qrTooBig(columns: number, rows: number, otherwise: string, why?: string): string {
  return `(a QR code needs a terminal of at least ${columns}×${rows}${why ? ` ${why}` : ''}; ${otherwise})`;
}

/**
 * The least terminal a QR of `lines` needs, the same whatever size the terminal has now (one
 * computation for `ccs-tui login` and the TUI's login screen): the QR's width plus `beside` columns of
 * text next to it (the TUI's text column; none for a command, which prints the QR alone), and at that
 * width the QR's rows plus `reservedRows(columns)` (what must stay on screen with it, as it wraps
 * there); `chrome`: the columns and rows around the space the QR is laid out in (the TUI's frame).
 */
export function qrTerminalNeeds(lines: readonly string[], reservedRows: (columns: number) => number, beside = 0, chrome = {columns: 0, rows: 0}): {columns: number; rows: number} {
  const columns = lines[0]!.length + beside;
  return {columns: columns + chrome.columns, rows: lines.length + reservedRows(columns) + chrome.rows};
}

/**
 * What a command line prints for a login's QR on a terminal of `columns` × `rows`: the QR when it
 * fits in width and leaves `reservedRows(columns)` rows below it (the address and the prompt, which
 * must stay on screen, as they wrap at that width), else qrTooBig's line with the least size that
 * fits, the same whatever size the terminal has now: the QR's width, and the rows at that width.
 * Unknown size (not a terminal): nothing.
 */
export function qrForTerminal(text: string, size: {columns?: number; rows?: number}, reservedRows: (columns: number) => number): string {
  if (!size.columns || !size.rows) return '';
  const lines = qrLines(text);
  const fits = lines[0]!.length <= size.columns && lines.length + reservedRows(size.columns) <= size.rows;
  const needs = qrTerminalNeeds(lines, reservedRows);
  // The TUI's login screen names a larger size, for the QR beside its text: this one is for the QR alone.
  return fits ? qrAnsi(text) : `${qrTooBig(needs.columns, needs.rows, 'enlarge it, or open the address below', 'for the QR alone')}\n`;
}

/** Rows `text` takes on a terminal `columns` wide (each line wraps). */
export function wrappedRows(text: string, columns: number): number {
  return text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / Math.max(1, columns))), 0);
}
