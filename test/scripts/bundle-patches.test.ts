// The changes the bundles make to Ink's text libraries (scripts/bundle-patches.mjs): built as the
// bundles build them, slice-ansi, string-width and ansi-tokenize give what the libraries as published
// give, on styled lines of one-cell text (where the changes take their shortcuts) and of text that
// needs a segmenter (wide, joined and combining characters, controls), for every cut of each line.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {SourceMap} from 'node:module';
import {test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {styledCharsFromTokens, styledCharsToString, tokenize} from '@alcalzone/ansi-tokenize';
import {Chalk} from 'chalk';
import {build} from 'esbuild';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {repoRoot} from '../helpers/cli.js';
import {seededRandom} from '../helpers/seeded-random.js';

type Libraries = {
  sliceAnsi: typeof sliceAnsi;
  stringWidth: typeof stringWidth;
  tokenize: typeof tokenize;
  styledCharsFromTokens: typeof styledCharsFromTokens;
  styledCharsToString: typeof styledCharsToString;
};

/** scripts/bundle-patches.mjs: the changes the bundles make, as the build scripts import them. */
type Patches = {
  inkFrameCaches: (graphemesModule: string) => import('esbuild').Plugin;
  unicodeOnDemand: (graphemesModule: string) => import('esbuild').Plugin;
  styledRuns: import('esbuild').Plugin;
  wrapsOncePerModule: (body: string) => {body: string; added: {column: number; length: number}};
  shiftColumns: (lineMappings: string, column: number, length: number) => string;
};
const bundlePatches = async () => (await import(pathToFileURL(path.join(repoRoot, 'scripts/bundle-patches.mjs')).href)) as Patches;
/** core/graphemes as built, which the patched libraries import. */
const graphemesModule = path.join(repoRoot, 'dist/source/core/graphemes.js');

/** The three libraries bundled with the patches, as scripts/bundle-tui.mjs bundles them. */
async function patchedLibraries(): Promise<Libraries> {
  const {unicodeOnDemand, styledRuns} = await bundlePatches();
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-bundle-patches-'));
  try {
    const outfile = path.join(dir, 'patched.mjs');
    await build({
      stdin: {contents: "export {default as sliceAnsi} from 'slice-ansi';\nexport {default as stringWidth} from 'string-width';\nexport {tokenize, styledCharsFromTokens, styledCharsToString} from '@alcalzone/ansi-tokenize';\n", resolveDir: repoRoot, loader: 'js'},
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile,
      logLevel: 'silent',
      plugins: [unicodeOnDemand(graphemesModule), styledRuns],
    });
    return (await import(pathToFileURL(outfile).href)) as Libraries;
  } finally {
    // The module is loaded by now; the file is not needed.
    rmSync(dir, {recursive: true, force: true});
  }
}

const chalk = new Chalk({level: 3});
const ONE_CELL = ['a', 'Z', '0', ' ', '@', '.', '·', '…', '›', '★', '⏸', '─', '│', '┌', '█', '▌', '░', 'é', 'Ω', 'Ж', '✓', '⠋', '—'];
const NEEDS_SEGMENTER = ['研', '究', '👩‍💻', '🇯🇵', 'e\u0301', '\u200b', '\u00ad', '☺\ufe0f', '\t', '\u0007', '\r\n', 'ｱ', '\u1100\u1161'];
const STYLES = [chalk.bold, chalk.dim, chalk.red, chalk.bgBlue, chalk.inverse, chalk.underline, chalk.italic, chalk.hex('#ff8800'), (s: string) => `\u001b]8;;https://example.com\u0007${s}\u001b]8;;\u0007`];

/** A line of `pieces` characters, parts of it styled (nested at times); `wide` mixes in text that needs a segmenter. */
function line(next: () => number, wide: boolean): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const text = (n: number) => Array.from({length: n}, () => (wide && next() < 0.25 ? pick(NEEDS_SEGMENTER) : pick(ONE_CELL))).join('');
  let out = '';
  for (let part = Math.floor(next() * 5); part >= 0; part--) {
    const inner = text(1 + Math.floor(next() * 8));
    const styled = next() < 0.6 ? pick(STYLES)(next() < 0.4 ? `${text(2)}${pick(STYLES)(inner)}${text(2)}` : inner) : inner;
    out += styled;
  }
  return out;
}

test('slice-ansi, string-width and ansi-tokenize as bundled give what the published libraries give, on every cut of 400 styled lines', async () => {
  const patched = await patchedLibraries();
  const next = seededRandom(19);
  let oneCellLines = 0;
  for (let round = 0; round < 400; round++) {
    const text = line(next, round % 2 === 1);
    if (round % 2 === 0) oneCellLines++;
    const label = JSON.stringify(text);
    const width = stringWidth(text);
    assert.equal(patched.stringWidth(text), width, label);
    assert.deepEqual(patched.tokenize(text), tokenize(text), label);
    for (let from = 0; from <= width; from++) {
      for (const to of [from, from + 1, Math.ceil((from + width) / 2), width, width + 3]) {
        assert.equal(patched.sliceAnsi(text, from, to), sliceAnsi(text, from, to), `${label} [${from}, ${to})`);
      }
    }
  }
  assert.equal(oneCellLines, 200);
});

type StyledChar = ReturnType<typeof styledCharsFromTokens>[number];
type Pipeline = {styledCharsFromTokens: typeof styledCharsFromTokens; styledCharsToString: typeof styledCharsToString; tokenize: typeof tokenize};

/** Where each line's cells go in a row of 60, as Ink's output writes them over blank cells. */
type RowPlan = {blanks: boolean[]; writes: {text: string; from: number; to: number; x: number}[]};

/** A row of `plan` with one library's cells: blanks are Ink's shared blank cell or one of their own. */
function row(plan: RowPlan, library: Pipeline): StyledChar[] {
  // Ink's blank (bundle-tui.mjs BLANK_CELL: one frozen styles array for every blank) or a new one each.
  const shared = {type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([])} as unknown as StyledChar;
  const cells = plan.blanks.map((isShared) => (isShared ? shared : ({type: 'char', value: ' ', fullWidth: false, styles: []} as unknown as StyledChar)));
  for (const write of plan.writes) {
    const written = library.styledCharsFromTokens(library.tokenize(write.text)).slice(write.from, write.to);
    written.forEach((cell, i) => {
      if (write.x + i < cells.length) cells[write.x + i] = cell;
    });
  }
  return cells;
}

test('ansi-tokenize as bundled turns screen rows into the text the published library makes: whole lines, and rows pieced from cuts of several lines over blanks', async () => {
  const patched = await patchedLibraries();
  const published: Pipeline = {styledCharsFromTokens, styledCharsToString, tokenize};
  const next = seededRandom(23);
  let styledRows = 0;
  for (let round = 0; round < 400; round++) {
    const texts = Array.from({length: 1 + Math.floor(next() * 4)}, () => line(next, next() < 0.3));
    for (const text of texts) {
      const label = JSON.stringify(text);
      const cells = patched.styledCharsFromTokens(patched.tokenize(text));
      assert.deepEqual(cells, styledCharsFromTokens(tokenize(text)), label);
      assert.equal(patched.styledCharsToString(cells), styledCharsToString(styledCharsFromTokens(tokenize(text))), label);
    }
    const plan: RowPlan = {blanks: Array.from({length: 60}, () => next() < 0.5), writes: []};
    let x = Math.floor(next() * 4);
    for (const text of texts) {
      const length = styledCharsFromTokens(tokenize(text)).length;
      const from = next() < 0.5 ? 0 : Math.floor(next() * length);
      const to = from + 1 + Math.floor(next() * length);
      plan.writes.push({text, from, to, x});
      x += to - from + Math.floor(next() * 3);
    }
    const expected = styledCharsToString(row(plan, published));
    if (expected.includes('\u001b')) styledRows++;
    assert.equal(patched.styledCharsToString(row(plan, patched)), expected, JSON.stringify(plan));
  }
  assert.ok(styledRows > 300, `only ${styledRows} of 400 rows had styles`);
});

test("esbuild's __toESM made once per module: imports of a CommonJS module share one wrapper that reads its current exports, each mode its own, one whose export names changed gets a new one, and the source map still points each name at its source", async () => {
  const {wrapsOncePerModule, shiftColumns} = await bundlePatches();
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-to-esm-'));
  const files: Record<string, string> = {
    'shared.cjs': 'exports.count = 1;\nexports.bump = () => { exports.count++; };\n',
    // Grows after a first import, as a module half-loaded in a require cycle does; swaps one name for another.
    'grows.cjs': 'exports.first = 1;\n',
    'swaps.cjs': 'exports.before = 1;\n',
    // Marked as compiled from an ES module: its default is `exports.default` unless imported in node mode.
    'flagged.cjs': "Object.defineProperty(exports, '__esModule', {value: true});\nexports.default = 'its default';\nexports.named = 'named';\n",
    'fn.cjs': "module.exports = function answer() { return 42; };\nmodule.exports.extra = 'extra';\n",
    // .mjs: node mode (esbuild's isNodeMode); d.js, outside a "type": "module" package: not.
    'a.mjs': "import shared from './shared.cjs';\nimport * as sharedNamespace from './shared.cjs';\nimport * as grows from './grows.cjs';\nimport * as swaps from './swaps.cjs';\nimport flagged from './flagged.cjs';\nimport fn from './fn.cjs';\nimport * as fnNamespace from './fn.cjs';\nexport const a = {shared, sharedNamespace, grows, swaps, flagged, fn, fnNamespace};\n",
    'b.mjs': "import {bump} from './shared.cjs';\nimport * as shared from './shared.cjs';\nexport const b = {bump, shared};\n",
    'd.js': "import flagged from './flagged.cjs';\nimport * as fnNamespace from './fn.cjs';\nexport const d = {flagged, fnNamespace};\n",
    'c.mjs': "import * as grows from './grows.cjs';\nimport * as swaps from './swaps.cjs';\nexport const c = {grows, swaps};\n",
    'entry.mjs': "import {a} from './a.mjs';\nimport {b} from './b.mjs';\nimport {d} from './d.js';\nimport growsModule from './grows.cjs';\nimport swapsModule from './swaps.cjs';\ngrowsModule.second = 2;\ndelete swapsModule.before;\nswapsModule.after = 2;\nconst {c} = await import('./c.mjs');\nexport const result = {a, b, c, d};\n",
  };
  type Namespace = Record<string, unknown>;
  type Result = {
    a: {shared: {count: number}; sharedNamespace: unknown; grows: Namespace; swaps: Namespace; flagged: unknown; fn: () => number; fnNamespace: Namespace};
    b: {bump: () => void; shared: {count: number}};
    c: {grows: Namespace; swaps: Namespace};
    d: {flagged: unknown; fnNamespace: Namespace};
  };
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const built = await build({entryPoints: [path.join(dir, 'entry.mjs')], bundle: true, format: 'esm', platform: 'node', minify: true, write: false, sourcemap: 'external', outfile: path.join(dir, 'out.js'), logLevel: 'silent'});
    const code = built.outputFiles.find((file) => file.path.endsWith('out.js'))!.text;
    const map = JSON.parse(built.outputFiles.find((file) => file.path.endsWith('.map'))!.text) as {mappings: string; sources: string[]};
    const {body, added} = wrapsOncePerModule(code.replace(/export\s*\{[^}]*\};?\s*$/, ''));
    assert.ok(added.length > 0 && body.includes('new WeakMap'));
    // Run as the TUI's script runs: the bundle's body in a function, its results taken by name.
    const names = [...code.matchAll(/export\s*\{([^}]*)\}/g)][0]![1]!.split(',').map((entry) => entry.trim().split(/\s+as\s+/));
    const run = new Function(`return (async () => {${body}\nreturn {${names.map(([local, name = local]) => `${name}:${local}`).join(',')}};})()`) as () => Promise<{result: Result}>;
    const {result} = await run();
    result.b.bump();
    assert.equal(result.b.shared.count, 2, 'a wrapper reads the module as it is now');
    assert.equal(result.a.shared.count, 2);
    assert.equal(result.a.sharedNamespace, result.b.shared, 'two imports of one module share its wrapper');
    assert.deepEqual(Object.keys(result.a.grows).sort(), ['default', 'first']);
    assert.deepEqual(Object.keys(result.c.grows).sort(), ['default', 'first', 'second'], 'a module that grew since its first import is wrapped again');
    assert.deepEqual(Object.keys(result.c.swaps).sort(), ['after', 'default'], 'a module that swapped an export for another is wrapped again');
    assert.equal(result.c.swaps.after, 2);
    assert.deepEqual(Object.keys(result.a.swaps).sort(), ['before', 'default'], 'a wrapper made before keeps the names it was made with, as esbuild\'s own does');
    assert.equal((result.a.flagged as {named?: string}).named, 'named', 'in node mode the default is the whole module');
    assert.equal(result.d.flagged, 'its default', "outside node mode the default of an __esModule module is its exports.default");
    assert.equal(result.a.fn(), 42, 'a module that is a function');
    assert.equal(result.a.fnNamespace.default, result.a.fn);
    assert.equal(result.a.fnNamespace.extra, 'extra');
    assert.equal(result.d.fnNamespace.extra, 'extra');
    // The source map after the column moved: a position past the added text maps as before, and the
    // added text maps as what was before it (no segment left inside it).
    const [firstLine, ...rest] = map.mappings.split(';');
    const shifted = new SourceMap({...map, version: 3, mappings: [shiftColumns(firstLine!, added.column, added.length), ...rest].join(';')} as never);
    const original = new SourceMap({...map, version: 3} as never);
    const entry = (sourceMap: SourceMap, column: number) => {
      const found = sourceMap.findEntry(0, column) as Partial<import('node:module').SourceMapping>;
      return [found.originalSource, found.originalLine, found.originalColumn];
    };
    const firstBodyLine = code.split('\n')[0]!;
    let checked = 0;
    for (let column = added.column; column < firstBodyLine.length; column += 3) {
      const before = entry(original, column);
      assert.deepEqual(entry(shifted, column + added.length), before, `column ${column}`);
      if (before[0]) checked++;
    }
    assert.ok(checked > 10, `only ${checked} mapped positions after the added text`);
    for (let column = added.column; column < added.column + added.length; column++) assert.deepEqual(entry(shifted, column), entry(original, added.column - 1), `added text at column ${column}`);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("the __toESM change finds esbuild's helper whatever its minified names (letters, digits, _ and $), and shiftColumns leaves an unmapped line alone and refuses a malformed one", async () => {
  const {wrapsOncePerModule, shiftColumns} = await bundlePatches();
  const helper = 'var T$=($,t,n)=>(n=$!=null?E$(I_(($))):{},w0(t||!$||!$.__esModule?$Q(n,"default",{value:$,enumerable:!0}):n,$));'.replace('I_(($))', 'I_($)');
  const {body, added} = wrapsOncePerModule(`var E$=Object.create;${helper}var x=1;\nrest`);
  assert.ok(body.startsWith(`var E$=Object.create;${helper}T$=(each=>`), body.slice(0, 200));
  assert.equal(added.column, `var E$=Object.create;${helper}`.length);
  assert.throws(() => wrapsOncePerModule('var x=1;\nvar T=(e,t,n)=>(n);'), /__toESM helper is not on the bundle's first line/);
  // esbuild declaring the next helper in the same statement (`,`: __toCommonJS follows when ES modules
  // are required from CommonJS): that declaration starts a `var` of its own, in strict code too, and
  // a source map segment after the helper moves by what was added.
  const {body: joined, added: joinedAdded} = wrapsOncePerModule(`var E$=Object.create,w0=(a)=>a,$Q=(a)=>a,I_=(a)=>a;${helper.slice(0, -1)},zQ=e=>e+1;var x=1;\nrest`);
  assert.match(joined, /T\$=\(each=>.*\(T\$\);var zQ=e=>e\+1;var x=1;\nrest$/s, joined.slice(0, 300));
  assert.equal(new Function(`"use strict";${joined.split('\n')[0]}return [typeof T$, zQ(1)];`)().join(), 'function,2');
  const column = `var E$=Object.create,w0=(a)=>a,$Q=(a)=>a,I_=(a)=>a;${helper.slice(0, -1)}`.length;
  assert.deepEqual(joinedAdded, {column, length: joined.indexOf('zQ=e=>') - column - 1});
  assert.equal(shiftColumns('', 5, 3), '', 'a first line without mappings');
  assert.equal(shiftColumns('AAAA,KAAC', 5, 3), 'AAAA,QAAC', 'the segment at the column moves');
  assert.equal(shiftColumns('AAAA,KAAC,EAAE', 10, 3), 'AAAA,KAAC,EAAE', 'segments before the column stay');
  assert.equal(shiftColumns('gBAAA', 16, 1), 'iBAAA', 'a two-digit column');
  assert.throws(() => shiftColumns('AAAA,,CAAC', 5, 3), /not base64 VLQ/, 'an empty segment fails the build instead of hanging it');
});

type InkOutput = {write(x: number, y: number, text: string, options: {transformers: ((line: string, index: number) => string)[]}): void; clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void; unclip(): void; get(): {output: string; height: number}};
type OutputClass = new (options: {width: number; height: number}) => InkOutput;

test("Ink's output as bundled (its frame caches, blank cells, cut lines and styled runs) draws every frame as the published Ink does, over frames that repeat, move and clip wide and styled text", async () => {
  const {inkFrameCaches, unicodeOnDemand, styledRuns} = await bundlePatches();
  const inkOutput = path.join(repoRoot, 'node_modules/ink/build/output.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-tui-ink-output-'));
  let Patched: OutputClass;
  try {
    const outfile = path.join(dir, 'output.mjs');
    await build({entryPoints: [inkOutput], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'silent', plugins: [inkFrameCaches(graphemesModule), unicodeOnDemand(graphemesModule), styledRuns]});
    Patched = ((await import(pathToFileURL(outfile).href)) as {default: OutputClass}).default;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
  const Published = ((await import(pathToFileURL(inkOutput).href)) as {default: OutputClass}).default;
  const next = seededRandom(29);
  const width = 48;
  const height = 6;
  // A pool of lines, so that frames repeat lines (the caches' case) as well as change them.
  const lines = Array.from({length: 24}, (_, i) => line(next, i % 3 !== 0));
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  let frame: {op: 'write' | 'clip' | 'unclip'; x?: number; y?: number; text?: string; clip?: {x1?: number; x2?: number; y1?: number; y2?: number}}[] = [];
  let wideRowsDrawn = 0;
  for (let round = 0; round < 300; round++) {
    // Most frames are the last one with a row or two changed, as a TUI's are.
    if (round % 10 === 0) frame = [];
    frame = frame.filter(() => next() < 0.8);
    for (let i = 0; i < 1 + Math.floor(next() * 3); i++) {
      if (next() < 0.2) {
        frame.push({op: 'clip', clip: next() < 0.5 ? {x1: Math.floor(next() * 10), x2: 20 + Math.floor(next() * 28)} : {x1: 2, x2: 30, y1: 1, y2: 4}});
        frame.push({op: 'write', x: Math.floor(next() * 12), y: Math.floor(next() * height), text: pick(lines)});
        frame.push({op: 'unclip'});
      } else frame.push({op: 'write', x: Math.floor(next() * 20), y: Math.floor(next() * height), text: next() < 0.2 ? `${pick(lines)}\n${pick(lines)}` : pick(lines)});
    }
    const draw = (Output: OutputClass) => {
      const output = new Output({width, height});
      for (const op of frame) {
        if (op.op === 'write') output.write(op.x!, op.y!, op.text!, {transformers: []});
        else if (op.op === 'clip') output.clip(op.clip!);
        else output.unclip();
      }
      return output.get().output;
    };
    const expected = draw(Published);
    if (/[研究👩🇯ｱ]/u.test(expected)) wideRowsDrawn++;
    assert.equal(draw(Patched), expected, `round ${round}: ${JSON.stringify(frame)}`);
  }
  assert.ok(wideRowsDrawn > 50, `only ${wideRowsDrawn} frames drew wide characters`);
});
