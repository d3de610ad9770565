#!/usr/bin/env node
// Bundles the command line (source/cli/main.ts and every module it loads, at once or lazily) into its
// entry's built file, dist/source/cli/main.js, and `bundle-*.js` chunks beside it.
// Why: `accounts --json` has a budget of 3× `node -e 0` (DESIGN.md), and Node 20 loads each ES module
// on its own (resolve, stat, read, package scope, compile): the ~50 modules of a command were a fifth
// of its time. Split at every lazy import (`await import(...)`), so a command still loads only what it
// uses, and each module is in one chunk only: module state (the masker's remembered secrets, the token
// reads it is told of) stays one per process. From the TypeScript source, as bundle-masker.mjs does
// (tsc builds incrementally and would not write main.js again). The TUI is not in it: ui/start.js
// stays a module of its own and loads the TUI's bundle (bundle-tui.mjs). Source maps are linked:
// `node --enable-source-maps` shows the source files in a stack trace. Then chunks always loaded
// with an entry are merged into its file (merge-chunks.mjs): fewer files, nothing more loaded.
import {build} from 'esbuild';
import {readdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {unicodeOnDemand} from './bundle-patches.mjs';
import {mergeChunks} from './merge-chunks.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/source/cli');
/** The split build, before its chunks are merged: beside outdir, so that `../ui/start.js` means the same there. */
const stageDir = path.join(root, 'dist/source/.cli-split');
const tuiStart = path.join(root, 'source/ui/start.ts');

/** The TUI's entry stays an import of dist/source/ui/start.js (relative to outdir, where every chunk is). */
const tuiStaysOutside = {
  name: 'tui-stays-outside',
  setup(esbuild) {
    esbuild.onResolve({filter: /[\\/]ui[\\/]start\.js$/}, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (resolved !== tuiStart) return undefined;
      return {path: path.relative(stageDir, path.join(root, 'dist/source/ui/start.js')).split(path.sep).join('/'), external: true};
    });
  },
};

/**
 * string-width is bundled, not loaded from node_modules as the other packages are, so that it makes
 * its Unicode tables on first use (bundle-patches.mjs): loading it compiled its emoji expression,
 * ~20 ms of every command that prints a table, whose text mostly needs none of it.
 */
const stringWidthBundled = {
  name: 'string-width-bundled',
  setup(esbuild) {
    esbuild.onResolve({filter: /^string-width$/}, () => ({path: fileURLToPath(import.meta.resolve('string-width'))}));
  },
};

// Chunks of an earlier build (their names carry a hash of their content).
for (const name of readdirSync(outdir)) if (name.startsWith('bundle-')) rmSync(path.join(outdir, name));
rmSync(stageDir, {recursive: true, force: true});

const {metafile} = await build({
  plugins: [tuiStaysOutside, stringWidthBundled, unicodeOnDemand(path.join(root, 'source/core/graphemes.ts'))],
  entryPoints: [path.join(root, 'source/cli/main.ts')],
  outdir: stageDir,
  absWorkingDir: root,
  chunkNames: 'bundle-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
await mergeChunks({
  stageDir,
  outdir,
  metafile,
  workingDir: root,
  root: 'source/cli/main.ts',
  // The root's first lazy import, made by every run of the binary.
  alsoRoot: 'source/cli/run.ts',
  // Loaded by nearly every command, all together, each in a dozen chunks (the set of lazy imports
  // that reach each module differs): one file each. The providers table and what it imports are
  // apart from the store, so a secret login's early echo-off (cli/login-early.ts) loads no store.
  shared: [
    {name: 'providers', modules: ['source/providers/table.ts', 'source/core/accounts.ts', 'source/core/redact.ts']},
    {name: 'store', modules: ['source/store/accounts.ts', 'source/services/credential-redactor.ts']},
  ],
});
rmSync(stageDir, {recursive: true, force: true});
