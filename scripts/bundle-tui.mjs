#!/usr/bin/env node
// Bundles the TUI (dist/source/ui/launch.js and everything it imports) into dist/tui/launch-script.js.
// Why: loading Ink, React and Yoga as hundreds of separate modules takes ~400 ms on Node 20, which
// has no compile cache; one bundle loads in ~100 ms, which is what makes the first frame fast.
// It is one script, not an ES module: Node 20 keeps V8's compiled code only for scripts
// (vm.Script's cachedData), which source/ui/load-bundle.ts uses. The script is a function expression
// `(async function (require, __ccsMetaUrl, __ccsImport) {…})` that resolves to launch.ts's exports: the bundle's
// ES module code, its top-level awaits (Yoga's WebAssembly) inside the async function, its imports of
// Node's modules and of the CommonJS packages left out of it turned into require().
// The command line has its own bundle, split so that its commands load only what they need (bundle-cli.mjs).
import {build} from 'esbuild';
import {createHash} from 'node:crypto';
import {builtinModules, createRequire} from 'node:module';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';
import {inkFrameCaches, patchSource, shiftColumns, styledRuns, unicodeOnDemand, wrapsOncePerModule} from './bundle-patches.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Imported into patched dependencies: text of one grapheme per code unit, segmenters made on first use. */
const graphemesModule = path.join(root, 'dist/source/core/graphemes.js');

/**
 * Yoga (Ink's layout engine) carries its WebAssembly inside its code as a base64 `data:` URL, and its
 * loader decodes it in place only when there is no global `fetch`. On Node there is one, so it
 * fetched its own data: URL, which loads Node's built-in fetch implementation (undici) just for that:
 * 10-20 ms before the first frame, and nothing else in the TUI uses that fetch. Patched to decode
 * an embedded binary in place, with Node's own base64 decoder (its atob and a loop over the 70 KB took
 * 4-7 ms on Node 20, Buffer.from a quarter of a millisecond). Done at bundle time on the pinned
 * yoga-layout; the build fails if the loader no longer has the line to change.
 */
const yogaEmbeddedWasm = {
  name: 'yoga-embedded-wasm',
  setup(esbuild) {
    esbuild.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const from = 'function ya(){return w||"function"!=typeof fetch?';
      const patched = patchSource(args.path, source, from, 'function ya(){return w||ua(H)||"function"!=typeof fetch?', 'yoga-embedded-wasm');
      const decode = 'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';
      return {contents: patchSource(args.path, patched, decode, 'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))', 'yoga-embedded-wasm'), loader: 'js'};
    });
  },
};

/**
 * Ink 6.8 writes a full-screen frame (clear the terminal, then every line) on every React commit,
 * even when the text is the one already on screen: its "same output, no write" check is only on the
 * path for output shorter than the terminal. A commit that changes nothing visible (a quota batch for
 * rows scrolled away, an account re-read that changed nothing shown) then still cleared and redrew
 * the whole terminal. This makes the full-screen path skip a frame equal to the last one written; a
 * resize (and the redraw after a suspended agent, which emits one) still redraws everything.
 */
const inkSkipSameFrame = {
  name: 'ink-skip-same-frame',
  setup(esbuild) {
    esbuild.onLoad({filter: /[\\/]ink[\\/]build[\\/]ink\.js$/}, async (args) => {
      let source = await readFile(args.path, 'utf8');
      source = patchSource(
        args.path,
        source,
        'if (this.lastOutputHeight >= this.options.stdout.rows) {',
        'if (this.lastOutputHeight >= this.options.stdout.rows) {\n            if (output === this.lastOutput && !hasStaticOutput) return;',
        'ink-skip-same-frame',
      );
      // resized(): forget the last frame, so the next one is written whole.
      source = patchSource(args.path, source, '        this.calculateLayout();\n        this.onRender();\n        this.lastTerminalWidth = currentWidth;', "        this.lastOutput = '';\n        this.calculateLayout();\n        this.onRender();\n        this.lastTerminalWidth = currentWidth;", 'ink-skip-same-frame');
      return {contents: source, loader: 'js'};
    });
  },
};

/**
 * signal-exit (Ink's exit hook) checks its callback with node:assert at every hook Ink sets, before
 * the first frame: loading assert was ~3 ms of every start. The check is made first by hand, and
 * assert (loaded lazily, LAZY_BUILTINS) only says what failed, as before.
 */
const signalExitCheck = {
  name: 'signal-exit-check',
  setup(esbuild) {
    esbuild.onLoad({filter: /[\\/]signal-exit[\\/]index\.js$/}, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const check = "    assert.equal(typeof cb, 'function', 'a callback must be provided for exit handler')";
      return {contents: patchSource(args.path, source, check, `    if (typeof cb !== 'function')\n${check}`, 'signal-exit-check'), loader: 'js'};
    });
  },
};

/**
 * Loaded from node_modules at run time, by require(): qrcode-terminal (its encoder is required by
 * path), undici (imported lazily for its named exports; services/http.ts loads only the three modules
 * of it that its requests need, services/extra-ca-certs.ts its Agent), and react-devtools-core (only
 * in Ink's dev mode).
 */
const fromNodeModules = ['qrcode-terminal', 'undici', 'undici/lib/api/api-request.js', 'undici/lib/global.js', 'undici/lib/core/util.js', 'undici/lib/dispatcher/agent.js', 'react-devtools-core'];
const required = new Set([...fromNodeModules, ...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/**
 * Node's modules that the bundle's code imports at its top (its modules' imports all run when the
 * script starts) but that nothing before the first frame calls: each is loaded (compiled, with the
 * modules it needs) at its first call instead. child_process came with Ink's terminal-size and the
 * proxy supervisor, crypto with the store and the proxy's translators, fs/promises with the store's
 * reads after the first frame, assert with signal-exit and conf: ~13 ms of compiling Node's own
 * modules before the first frame.
 */
const LAZY_BUILTINS = new Set(['assert', 'child_process', 'crypto', 'fs/promises']);

/**
 * An ES module standing for the Node module `specifier` that loads it at the first call of any of its
 * functions (named exports, the same names as Node's; `new` works through them too) or the first use
 * of its default export. Only functions are named: importing one of its other values (`constants`)
 * fails the build, rather than running with a stand-in.
 */
function lazyBuiltin(specifier) {
  const real = createRequire(import.meta.url)(specifier);
  const names = Object.keys(real).filter((name) => typeof real[name] === 'function' && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default');
  const load = `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(specifier)}));\n`;
  const each = names.map((name) => `export function ${name}(...args) { return new.target ? Reflect.construct(load().${name}, args, new.target) : load().${name}.apply(this, args); }`);
  const whole = 'export default new Proxy({}, {get: (_, key) => load()[key], has: (_, key) => key in load(), ownKeys: () => Reflect.ownKeys(load()), getOwnPropertyDescriptor: (_, key) => ({...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true})});';
  return `${load}${each.join('\n')}\n${whole}\n`;
}

/**
 * Node's modules and the packages above, imported in the bundle's code: a require() of them (the
 * script's own). `open` (it finds its xdg-open script by path) is an ES module, which a script cannot
 * import() without a Node flag: its default export (the one used) imports it through the loader's
 * `__ccsImport` when called.
 */
const requireShim = {
  name: 'require-shim',
  setup(esbuild) {
    esbuild.onResolve({filter: /.*/}, (args) => {
      if (args.namespace === 'require-shim') return {path: args.path, external: true};
      if (args.path === 'open') return {path: args.path, namespace: 'import-shim'};
      return required.has(args.path) ? {path: args.path, namespace: 'require-shim'} : undefined;
    });
    esbuild.onLoad({filter: /.*/, namespace: 'require-shim'}, (args) => ({contents: LAZY_BUILTINS.has(args.path.replace(/^node:/, '')) ? lazyBuiltin(args.path) : `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js'}));
    esbuild.onLoad({filter: /.*/, namespace: 'import-shim'}, (args) => ({contents: `export default (...args) => __ccsImport(${JSON.stringify(args.path)}).then((module) => module.default(...args));`, loader: 'js'}));
  },
};

// Chunks of an earlier build: else they pile up in dist/tui.
await rm(path.join(root, 'dist/tui'), {recursive: true, force: true});

const outfile = path.join(root, 'dist/tui/launch-script.js');
const built = await build({
  plugins: [requireShim, inkFrameCaches(graphemesModule), yogaEmbeddedWasm, inkSkipSameFrame, signalExitCheck, unicodeOnDemand(graphemesModule), styledRuns],
  entryPoints: [path.join(root, 'dist/source/ui/launch.js')],
  outfile,
  write: false,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // The shipped TUI runs React's production build (as start.ts asks); this also drops the
  // development builds of react and react-reconciler from the bundle.
  // import.meta.url (finding files beside the bundle) is the bundle's URL, which the script is given.
  define: {'process.env.NODE_ENV': '"production"', 'import.meta.url': '__ccsMetaUrl'},
  sourcemap: 'external',
  // Licence comments where their code is: the script must end with its return.
  legalComments: 'inline',
  logLevel: 'warning',
});

const code = built.outputFiles.find((file) => file.path === outfile)?.text;
const map = built.outputFiles.find((file) => file.path === `${outfile}.map`)?.text;
// The ES module's one export statement, last: the script returns the same names instead.
const exported = code && /export\s*\{([^}]*)\};?\s*$/.exec(code);
if (!exported || !map) throw new Error('bundle-tui: the bundle no longer ends with its export statement; update scripts/bundle-tui.mjs');
const names = exported[1].split(',').map((entry) => {
  const [local, name = local] = entry.trim().split(/\s+as\s+/);
  return `${name}:${local}`;
});
const {body, added} = wrapsOncePerModule(code.slice(0, exported.index));
// The script's first line is the function's head: the source map's lines move down one. "use strict"
// on that line: an ES module's code is strict, a script's is not unless it says so (a write to a
// frozen object or an undeclared name would pass silently instead of throwing as in the modules).
const script = `(async function (require, __ccsMetaUrl, __ccsImport) {"use strict";\n${body}\nreturn {${names.join(',')}};\n})\n//# sourceMappingURL=${path.basename(outfile)}.map\n`;
const sourceMap = JSON.parse(map);
// The head line first, and the first line's code after what wrapsOncePerModule added moved right.
const [firstLineMappings, ...laterLineMappings] = sourceMap.mappings.split(';');
sourceMap.mappings = ['', shiftColumns(firstLineMappings, added.column, added.length), ...laterLineMappings].join(';');
// A leftover import or export statement, or top-level code a script cannot hold, fails the build here.
new Script(script, {filename: outfile});
if (/\bimport(\.meta\b|\()/.test(body)) throw new Error('bundle-tui: import.meta or import() left in the bundle (a script has neither)');
// One character past ASCII makes V8 hold the whole ~1 MB source as UTF-16: twice the memory, and its
// UTF-8 decode at every start takes twice as long (~4 ms). esbuild escapes strings, not regular
// expression literals: write such a character as \u escape in the source.
const nonAscii = /[^\x00-\x7f]/.exec(script);
if (nonAscii) throw new Error(`bundle-tui: the bundle holds ${JSON.stringify(nonAscii[0])} (U+${nonAscii[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}) at ${JSON.stringify(script.slice(Math.max(0, nonAscii.index - 60), nonAscii.index + 20))}; write it as a \\u escape in the source`);
await mkdir(path.dirname(outfile), {recursive: true});
// Its id, last: what the TUI's code cache is kept under (source/ui/load-bundle.ts BUNDLE_ID_MARK),
// so that a start need not hash the ~1 MB bundle itself.
await writeFile(outfile, `${script}//# ccs-tui-bundle ${createHash('sha256').update(script).digest('hex')}\n`);
await writeFile(`${outfile}.map`, JSON.stringify(sourceMap));
