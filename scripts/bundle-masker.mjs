#!/usr/bin/env node
// Bundles the masker (source/core/redact.ts and its parts in core/redact/) into its entry's built
// file, dist/source/core/redact.js, from the TypeScript source: tsc builds incrementally and does not
// write the entry again when only a part changed, so bundling its output would keep a stale masker.
// Why: every command's output passes the masker (cli/run.ts), and each module loaded adds to every
// command's start (`accounts --json` has a budget of 3× `node -e 0`, DESIGN.md). The binary now has its
// own bundle (bundle-cli.mjs, from the source); this one is what the TUI's bundle and the unbundled
// modules load. The masker is split by concern to be read; loaded, it is one module. Modules
// outside core/redact/ stay imports (their paths rewritten for the entry's folder).
import {build} from 'esbuild';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'source/core/redact.ts');
const parts = path.join(root, 'source/core/redact') + path.sep;
const outfile = path.join(root, 'dist/source/core/redact.js');

/** Imports of modules outside core/redact/ stay imports, relative to the entry's folder (the same in dist). */
const outsideStaysImported = {
  name: 'outside-stays-imported',
  setup(esbuild) {
    esbuild.onResolve({filter: /^\.\.?\//}, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      if (resolved === entry || resolved.startsWith(parts)) return undefined;
      const relative = path.relative(path.dirname(entry), resolved).split(path.sep).join('/');
      return {path: relative.startsWith('.') ? relative : `./${relative}`, external: true};
    });
  },
};

await build({
  plugins: [outsideStaysImported],
  entryPoints: [entry],
  outfile,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
