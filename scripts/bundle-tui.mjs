#!/usr/bin/env node
// Bundles the TUI (dist/source/ui/launch.js and everything it imports) into dist/tui/launch.js.
// Why: loading Ink, React and Yoga as hundreds of separate modules takes ~400 ms on Node 20, which
// has no compile cache; one bundle loads in ~100 ms, which is what makes the first frame fast.
// The command line itself stays unbundled: its commands load only what they need.
import {build} from 'esbuild';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'dist/source/ui/launch.js')],
  outdir: path.join(root, 'dist/tui'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // The shipped TUI runs React's production build (as start.ts asks); this also drops the
  // development builds of react and react-reconciler from the bundle.
  define: {'process.env.NODE_ENV': '"production"'},
  sourcemap: 'linked',
  logLevel: 'warning',
  // Loaded from node_modules at run time: open (finds its xdg-open script by path), qrcode-terminal
  // (its encoder is required by path), undici (imported lazily for its named exports, which a split
  // CommonJS chunk would not have), and react-devtools-core (only in Ink's dev mode).
  external: ['open', 'qrcode-terminal', 'undici', 'react-devtools-core'],
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: {js: "import {createRequire as __ccsCreateRequire} from 'node:module'; const require = __ccsCreateRequire(import.meta.url);"},
});
