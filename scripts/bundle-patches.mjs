// Changes made to dependencies while bundling the TUI (bundle-tui.mjs) and the command line
// (bundle-cli.mjs takes unicodeOnDemand), and one made to the TUI's bundle after esbuild made it
// (wrapsOncePerModule). Here so that their tests can build with them. Each names the exact text it
// replaces and fails the build when a dependency (or esbuild) no longer has it.
import {readFile} from 'node:fs/promises';

/** Replaces `from` with `to` in a dependency's source, or fails the build naming the patch to update. */
export function patchSource(file, source, from, to, patch) {
  if (!source.includes(from)) throw new Error(`${file}: the dependency changed; update the ${patch} patch (scripts/bundle-tui.mjs, bundle-patches.mjs)`);
  return source.replace(from, to);
}

/**
 * Unicode tables on demand. Ink's text helpers build their Unicode tables when they load, before the
 * first frame, though text of one-cell characters (most of a frame: ASCII, › ★ ⏸, box drawing)
 * needs none of them: the first Intl.Segmenter of a process loads ICU's break rules (~10 ms), and
 * string-width's RGI_Emoji regular expression compiles every emoji sequence (~20 ms). Here each
 * segmenter is made on first use and the emoji expression on first test (core/graphemes.ts).
 * - string-width 8 (Ink measures every line with it) also measures text made only of one-cell
 *   characters (graphemes.ts ONE_CELL_TEXT, checked there against string-width) by its length, as
 *   cellWidth does: past ASCII it tested each character against the emoji tables (~60 µs a line).
 *   wrap-ansi's own string-width 7 gets only the lazy segmenter.
 * - ansi-tokenize (Ink turns every new line into styled cells with it) walks text whose every code
 *   unit is a grapheme without a segmenter (graphemes.ts graphemes()).
 * - slice-ansi (Ink cuts lines clipped by a box with it, and every line with both bold and dim) asks
 *   which grapheme holds each index of a line (graphemes.ts graphemeSegments), without a segmenter
 *   for text whose every code unit is a grapheme: it made a C++ call and an object per character.
 * Done at bundle time on the pinned versions; the build fails if a line to change is gone.
 * `graphemesModule`: the path of core/graphemes (.ts or its built .js) in the bundle being made.
 */
export const unicodeOnDemand = (graphemesModule) => ({
  name: 'unicode-on-demand',
  setup(esbuild) {
    const patched = (file, source, changes) => {
      for (const [from, to] of changes) source = patchSource(file, source, from, to, 'unicode-on-demand');
      return {contents: `import {graphemes as __graphemes, graphemeSegments as __graphemeSegments, lazySegmenter as __lazySegmenter, ONE_CELL_TEXT as __ONE_CELL_TEXT} from ${JSON.stringify(graphemesModule)};\n${source}`, loader: 'js'};
    };
    const segmenter = ['const segmenter = new Intl.Segmenter();', 'const segmenter = __lazySegmenter();'];
    esbuild.onLoad({filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (/[\\/]wrap-ansi[\\/]/.test(args.path)) return patched(args.path, source, [segmenter]);
      return patched(args.path, source, [
        segmenter,
        ['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', 'let rgiEmojiMade;\nconst rgiEmojiRegex = {test: (text) => (rgiEmojiMade ??= /^\\p{RGI_Emoji}$/v).test(text)};'],
        ['if (/^[\\u0020-\\u007E]*$/.test(string)) {', 'if (/^[\\u0020-\\u007E]*$/.test(string) || (ambiguousIsNarrow && __ONE_CELL_TEXT.test(string))) {'],
      ]);
    });
    esbuild.onLoad({filter: /[\\/]node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return patched(args.path, source, [
        ['const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });\n', ''],
        ['of segmenter.segment(str)) {', 'of __graphemes(str)) {'],
      ]);
    });
    esbuild.onLoad({filter: /[\\/]node_modules[\\/]slice-ansi[\\/]tokenize-ansi\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return patched(args.path, source, [["const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});", 'const GRAPHEME_SEGMENTER = {segment: __graphemeSegments};']]);
    });
  },
});

/**
 * Ink 6.8 keeps its per-line caches (ANSI tokenising, string widths) on each frame's Output object,
 * so they are thrown away every frame and the whole screen is tokenised and measured again: at
 * 120×40 with colour that was ~20 % of a keypress's CPU, plus the garbage it makes. This keeps ONE
 * set of caches across frames (keyed by the line's text, so a line that did not change costs a map
 * look-up), emptied when it grows past a bound, and keeps the slices of clipped lines the same way.
 * Done at bundle time on the pinned Ink version; the build fails if Ink's code no longer has the line
 * to change.
 */
export const inkFrameCaches = (graphemesModule) => ({
  name: 'ink-frame-caches',
  setup(esbuild) {
    // Ink keys its wrap cache by text, width and mode run together: "ab1" cut at 23 cells and "ab12"
    // cut at 3 shared a key, so a text ending in digits could be drawn as cut for another width.
    esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]wrap-text\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return {contents: patchSource(args.path, source, 'const cacheKey = text + String(maxWidth) + String(wrapType);', "const cacheKey = String(maxWidth) + ':' + String(wrapType) + ':' + text;", 'ink-frame-caches'), loader: 'js'};
    });
    // Each text node's width is measured again every frame; measure-text.js already caches it by text.
    esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/}, async (args) => {
      let source = await readFile(args.path, 'utf8');
      source = patchSource(args.path, source, 'const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;', 'ink-frame-caches');
      source = patchSource(args.path, source, "import wrapText from './wrap-text.js';", "import wrapText from './wrap-text.js';\nimport measureText from './measure-text.js';", 'ink-frame-caches');
      return {contents: source, loader: 'js'};
    });
    esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]output\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const shared = `
const MAX_CACHED_LINES = 20000;
let sharedCaches;
function framesCaches() {
  if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size > MAX_CACHED_LINES) sharedCaches = new OutputCaches();
  return sharedCaches;
}
let slicedLines = new Map();
function slicedLine(line, from, to) {
  const key = from + ':' + to + ':' + line;
  let sliced = slicedLines.get(key);
  if (sliced === undefined) {
    if (slicedLines.size >= MAX_CACHED_LINES) slicedLines = new Map();
    sliced = sliceAnsi(line, from, to);
    slicedLines.set(key, sliced);
  }
  return sliced;
}
const BLANK_CELL = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([])});
// A wide character's second cell, one per character cell (those are kept per line: getStyledChars):
// Ink made a new one each frame, so a row holding a wide character never matched last frame's
// cells (sameCells) and was turned into text again every frame.
const continuations = new WeakMap();
function continuationOf(character) {
  let cell = continuations.get(character);
  if (cell === undefined) continuations.set(character, (cell = {type: 'char', value: '', fullWidth: false, styles: character.styles}));
  return cell;
}
let lastRows = [];
// Cell by cell, holes included: a frame laid out wider than the terminal (the first one after a
// resize, drawn before React has the new size) writes past the row's end and leaves holes between
// its writes, which the row's text drops (Ink's filter below). every() skips holes, so such a row
// matched the full row of the next frame with the same text at the same places, and the footer
// kept its glued, narrower text after the window grew again.
function sameCells(last, cells) {
  if (last.length !== cells.length) return false;
  for (let x = 0; x < cells.length; x++) if (last[x] !== cells[x]) return false;
  return true;
}
function rowText(y, cells) {
  const last = lastRows[y];
  if (last && sameCells(last.cells, cells)) return last.text;
  // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
  const text = styledCharsToString(cells.filter(item => item !== undefined)).trimEnd();
  lastRows[y] = {cells, text};
  return text;
}
`;
      let patched = patchSource(args.path, source, 'caches = new OutputCaches();', 'caches = framesCaches();', 'ink-frame-caches');
      // A line clipped by an overflow-hidden box is sliced again every frame (~11 % of a frame during a quota poll): kept too.
      // A line that fits its clip whole is drawn as it is, as in a box that does not clip, when every
      // character is one cell (slice-ansi and string-width count zero-width characters apart, so such
      // a line is still cut), and it has not both bold and dim (graphemes.ts drawnUncut: the cut and the
      // line differ there). Cutting it cost a first frame 6-42 ms.
      patched = patchSource(args.path, patched, 'return sliceAnsi(line, from, to);', 'return from === 0 && to === width && __drawnUncut(line) ? line : slicedLine(line, from, to);', 'ink-frame-caches');
      // Every blank cell was a new object, so no screen row was ever the same as the last frame's:
      // blanks are one shared cell, and a row made of the same cells as last frame's keeps its text
      // (turning 4,800 cells into text was ~10 % of a frame's CPU at 120×40).
      patched = patchSource(args.path, patched, "row.push({\n                    type: 'char',\n                    value: ' ',\n                    fullWidth: false,\n                    styles: [],\n                });", 'row.push(BLANK_CELL);', 'ink-frame-caches');
      patched = patchSource(
        args.path,
        patched,
        "currentLine[offsetX + index] = {\n                                    type: 'char',\n                                    value: '',\n                                    fullWidth: false,\n                                    styles: character.styles,\n                                };",
        'currentLine[offsetX + index] = continuationOf(character);',
        'ink-frame-caches',
      );
      patched = patchSource(
        args.path,
        patched,
        '.map(line => {\n            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742\n            const lineWithoutEmptyItems = line.filter(item => item !== undefined);\n            return styledCharsToString(lineWithoutEmptyItems).trimEnd();',
        '.map((line, y) => {\n            return rowText(y, line);',
        'ink-frame-caches',
      );
      return {contents: `import {drawnUncut as __drawnUncut} from ${JSON.stringify(graphemesModule)};\n${patchSource(args.path, patched, 'export default class Output', `${shared}export default class Output`, 'ink-frame-caches')}`, loader: 'js'};
    });
  },
});

/**
 * Styled runs without per-character work. Ink turns each screen row into text with ansi-tokenize's
 * styledCharsToString, which asked diffAnsiCodes for the codes between every two characters (three
 * Sets and four arrays each), though nearly every neighbour has the same styles: ~4,800 diffs a
 * 120×40 frame, a third of Ink's output in the first frame. Here the characters of one run share
 * one styles array (reduceAnsiCodesIncremental returns a new array for each code and changes none,
 * and no reader changes one), and two neighbours whose styles hold the same code objects in the same
 * order, which diffAnsiCodes answers with no codes, are joined without asking it; a row that ends
 * unstyled needs no closing codes either. The same text, checked against the published library
 * (test/scripts/bundle-patches.test.ts). Ink is the only user of styledChars.js in either bundle.
 */
export const styledRuns = {
  name: 'styled-runs',
  setup(esbuild) {
    esbuild.onLoad({filter: /[\\/]node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/}, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const patch = (from, to) => (source = patchSource(args.path, source, from, to, 'styled-runs'));
      // A char token is {type, value, fullWidth} (tokenize.js): named, not spread, which cold code does slowly.
      patch('                ...token,\n                styles: [...codes],', '                type: token.type,\n                value: token.value,\n                fullWidth: token.fullWidth,\n                styles: codes,');
      patch(
        '            ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
        '            if (!sameCodes(chars[i - 1].styles, char.styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
      );
      patch('        if (i === chars.length - 1) {', '        if (i === chars.length - 1 && char.styles.length > 0) {');
      patch(
        'export function styledCharsToString(chars) {',
        'function sameCodes(from, to) {\n    if (from === to) return true;\n    if (from.length !== to.length) return false;\n    for (let i = 0; i < from.length; i++) if (from[i] !== to[i]) return false;\n    return true;\n}\nexport function styledCharsToString(chars) {',
      );
      return {contents: source, loader: 'js'};
    });
  },
};

/**
 * esbuild's `__toESM` (the helper that turns a CommonJS module's exports into what an ES import
 * reads) makes a new object with one getter per export at every import of the module: 62 of the
 * bundle's modules import React, and twenty import node:fs or node:path, ~8,000 getters in all, 10 ms
 * of every start. The wrapper is the same for the same module and mode, so right after esbuild's
 * helper (on the bundle's first line) the helper is replaced by one that makes it once and keeps it,
 * made again if the module's export names have changed since (one half-loaded in a require cycle,
 * or one that replaced an export by another name). Each wrapper's getters still read the module's
 * current exports. One difference stays: importers share the wrapper, so a property an importer
 * added to it (no bundled code writes to an import) would be seen by the others. Fails the build when
 * esbuild's helper no longer has the shape looked for. Returns the body and where on its first line
 * text was added.
 */
export function wrapsOncePerModule(body) {
  const firstLineEnd = body.indexOf('\n');
  // Minified names are letters, digits, `_` and `$` (esbuild's minifier uses `$`).
  // The helper ends its `var` statement (`;`), or esbuild declares the next helper in it (`,`, when
  // the bundle has ES modules required from CommonJS: __toCommonJS follows).
  const helper = /var ([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\4=\2!=null\?[\w$]+\([\w$]+\(\2\)\):\{\},[\w$]+\(\3\|\|!\2\|\|!\2\.__esModule\?[\w$]+\(\4,"default",\{value:\2,enumerable:!0\}\):\4,\2\)\)([;,])/.exec(firstLineEnd < 0 ? body : body.slice(0, firstLineEnd));
  if (!helper) throw new Error("bundle-tui: esbuild's __toESM helper is not on the bundle's first line as it was; update wrapsOncePerModule in scripts/bundle-patches.mjs");
  const toEsm = helper[1];
  const once = `${toEsm}=(each=>{const made=new WeakMap;const same=(a,b)=>{if(a.length!==b.length)return false;for(let i=0;i<a.length;i++)if(a[i]!==b[i])return false;return true};return(module,nodeMode)=>{if(module===null||typeof module!=="object"&&typeof module!=="function")return each(module,nodeMode);const names=Object.getOwnPropertyNames(module);let kept=made.get(module);if(kept===undefined)made.set(module,kept=[]);const mode=nodeMode?1:0;if(kept[mode]===undefined||!same(kept[mode].names,names))kept[mode]={wrapper:each(module,nodeMode),names};return kept[mode].wrapper}})(${toEsm});${helper[5] === ',' ? 'var ' : ''}`;
  // After the helper's `;`, or in place of its `,`: the declarations after it start a `var` of their own.
  const at = helper.index + helper[0].length - (helper[5] === ',' ? 1 : 0);
  const rest = helper[5] === ',' ? body.slice(at + 1) : body.slice(at);
  const added = helper[5] === ',' ? `;${once}` : once;
  return {body: body.slice(0, at) + added + rest, added: {column: at, length: added.length - (helper[5] === ',' ? 1 : 0)}};
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A source map line's mappings (segments of base64 VLQ fields, the first a generated column relative
 * to the segment before) with the code from `column` on moved right by `length`: only the first
 * segment at or past it changes, the later ones being relative to it (Source Map Revision 3).
 */
export function shiftColumns(lineMappings, column, length) {
  if (lineMappings === '') return lineMappings;
  const segments = lineMappings.split(',');
  let generated = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s];
    let value = 0;
    let shift = 0;
    let end = 0;
    for (;;) {
      const char = segment[end++];
      const digit = char === undefined ? -1 : BASE64.indexOf(char);
      if (digit < 0) throw new Error(`bundle-tui: the source map's first line has a segment that is not base64 VLQ (${JSON.stringify(segment)}); update shiftColumns in scripts/bundle-patches.mjs`);
      value += (digit & 31) << shift;
      shift += 5;
      if (!(digit & 32)) break;
    }
    const delta = value & 1 ? -(value >>> 1) : value >>> 1;
    generated += delta;
    if (generated < column) continue;
    const moved = delta + length;
    let rest = moved < 0 ? (-moved << 1) | 1 : moved << 1;
    let encoded = '';
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest > 0) digit |= 32;
      encoded += BASE64[digit];
    } while (rest > 0);
    segments[s] = encoded + segment.slice(end);
    break;
  }
  return segments.join(',');
}
