// The second step of bundling the command line (bundle-cli.mjs): chunks of the split build that are
// always loaded with an entry are merged into that entry's file.
// Why: esbuild splits at every lazy import and makes a chunk of each set of entries that reach some
// modules, so `accounts --json` loaded 39 files; Node 20 loads each ES module on its own (resolve,
// read, compile, link, a resolve per import between them: ~0.5 ms a file), a fifth of the command's
// time over `node -e 0`. Merged only where it loads nothing more: a command still loads only what it uses.
import {build} from 'esbuild';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';

/**
 * The file each JavaScript output of a split build goes into (by its metafile path; itself when it
 * stays a file of its own). Chunk C goes into entry E's file when E's static imports reach C and E
 * is loaded before any other entry whose static imports reach C (E dominates them in the graph of
 * lazy imports from `root`): then C is loaded exactly when E is, and C's module code runs when it
 * ran before. `alsoRoot`: an entry the root always loads right away (cli/run.ts), counted as part of
 * the root; a chunk the root's own file reaches stays a file of its own.
 */
export function chunkGroups(outputs, root, alsoRoot) {
  const files = Object.keys(outputs);
  const entries = files.filter((file) => outputs[file].entryPoint);
  const closures = new Map();
  const closure = (file) => {
    let reached = closures.get(file);
    if (reached) return reached;
    closures.set(file, (reached = new Set([file])));
    for (const i of outputs[file].imports) if (i.kind === 'import-statement' && outputs[i.path]) for (const f of closure(i.path)) reached.add(f);
    return reached;
  };
  /** Entries whose static imports reach each file. */
  const reachedBy = new Map(files.map((file) => [file, new Set()]));
  for (const entry of entries) for (const file of closure(entry)) reachedBy.get(file).add(entry);
  // The entries each entry may be imported from: those that reach a file with a lazy import of it.
  const from = new Map(entries.map((entry) => [entry, new Set()]));
  for (const entry of entries) {
    for (const file of closure(entry)) for (const i of outputs[file].imports) if (i.kind === 'dynamic-import' && from.has(i.path)) from.get(i.path).add(entry);
  }
  // Dominators, by the plain iterative method (a few dozen entries).
  const dominators = new Map(entries.map((entry) => [entry, new Set(entry === root ? [root] : entries)]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const entry of entries) {
      if (entry === root) continue;
      let common;
      for (const importer of from.get(entry)) {
        const theirs = dominators.get(importer);
        common = common ? new Set([...common].filter((d) => theirs.has(d))) : new Set(theirs);
      }
      common ??= new Set();
      common.add(entry);
      if (common.size !== dominators.get(entry).size) {
        dominators.set(entry, common);
        changed = true;
      }
    }
  }
  const dominates = (d, entry) => dominators.get(entry).has(d) || (d === alsoRoot && dominators.get(entry).has(root));
  const groups = new Map();
  for (const file of files) {
    const by = [...reachedBy.get(file)];
    const into = outputs[file].entryPoint || by.includes(root) ? undefined : by.find((e) => by.every((other) => dominates(e, other)));
    groups.set(file, into ?? file);
  }
  return groups;
}

/**
 * Puts into one file, for each of `shared` in turn (`{name, modules}`: source paths), the chunks
 * holding those modules and the chunks they import, that `groups` (chunkGroups) left files of their
 * own: `bundle-<name>-<hash>.js`. For modules that most commands load all together (the store, the
 * providers table, the masker), which a few load in part: those load the rest with it.
 */
function shareChunks(outputs, groups, shared) {
  for (const {name, modules} of shared) {
    const members = new Set();
    const take = (file) => {
      if (members.has(file) || outputs[file].entryPoint || groups.get(file) !== file) return;
      members.add(file);
      for (const i of outputs[file].imports) if (i.kind === 'import-statement' && outputs[i.path]) take(i.path);
    };
    for (const file of Object.keys(outputs)) if (modules.some((module) => Object.hasOwn(outputs[file].inputs, module))) take(file);
    if (members.size < 2) continue;
    const list = [...members].sort();
    const head = `${path.posix.dirname(list[0])}/bundle-${name}-${createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 8).toUpperCase()}.js`;
    groups.set(head, head);
    for (const file of list) groups.set(file, head);
  }
}

/** The names an esbuild output exports: its closing `export {a, b as c};`. */
function exportsOf(code) {
  const names = new Set();
  for (const [, list] of code.matchAll(/^export \{([^}]*)\};$/gm)) {
    for (const item of list.split(',')) if (item.trim()) names.add(item.trim().split(/\s+as\s+/).pop());
  }
  return names;
}

/** Fails the build when merged files would import each other in a circle (their module code would run before what it uses). */
function assertNoCircle(outputs, groups) {
  const next = new Map();
  for (const [file, output] of Object.entries(outputs)) {
    for (const i of output.imports) {
      if (i.kind !== 'import-statement' || !outputs[i.path] || groups.get(file) === groups.get(i.path)) continue;
      next.set(groups.get(file), new Set([...(next.get(groups.get(file)) ?? []), groups.get(i.path)]));
    }
  }
  const state = new Map();
  const visit = (file, trail) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') throw new Error(`merge-chunks: merged files would import each other: ${[...trail, file].join(' → ')}`);
    state.set(file, 'open');
    for (const to of next.get(file) ?? []) visit(to, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of next.keys()) visit(file, []);
}

/**
 * Writes the split build in `stageDir` (its `metafile`, paths relative to `workingDir`) to `outdir`,
 * its chunks merged (chunkGroups, then `shared`: shareChunks). `stageDir` is at the depth of
 * `outdir`, so imports outside the build (`../ui/start.js`) stay as they are. Each merged file
 * exports what its parts did: two parts that export one name each of their own fail the build.
 */
export async function mergeChunks({stageDir, outdir, metafile, workingDir, root, alsoRoot, shared = []}) {
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js')));
  const key = (absolute) => path.relative(workingDir, absolute).split(path.sep).join('/');
  const entryOf = (source) => Object.keys(outputs).find((file) => outputs[file].entryPoint === source);
  const groups = chunkGroups(outputs, entryOf(root), entryOf(alsoRoot));
  shareChunks(outputs, groups, shared);
  assertNoCircle(outputs, groups);
  const parts = new Map();
  for (const [file, into] of groups) parts.set(into, [...(parts.get(into) ?? []), ...(file === into ? [] : [file])]);
  const sources = new Map();
  for (const [head, members] of parts) {
    if (members.length === 0) continue;
    const absolute = (file) => JSON.stringify(path.join(workingDir, file));
    const hasDefault = Boolean(outputs[head]?.exports.includes('default'));
    if (members.some((file) => outputs[file].exports.includes('default'))) throw new Error(`merge-chunks: a chunk merged into ${head} has a default export`);
    sources.set(head, [
      ...(outputs[head] ? [head, ...members] : members).map((file) => `export * from ${absolute(file)};`),
      ...(hasDefault ? [`export {default} from ${absolute(head)};`] : []),
    ].join('\n'));
  }
  const merged = {
    name: 'merged-chunks',
    setup(esbuild) {
      esbuild.onResolve({filter: /^merged:/}, (args) => ({path: args.path.slice('merged:'.length), namespace: 'merged'}));
      esbuild.onLoad({filter: /.*/, namespace: 'merged'}, (args) => ({contents: sources.get(args.path), resolveDir: stageDir, loader: 'js'}));
      esbuild.onResolve({filter: /^\.\.?\//}, (args) => {
        const target = key(path.resolve(args.resolveDir, args.path));
        // Not of this build (the TUI's ui/start.js): as it was.
        if (!groups.has(target)) return {path: args.path, external: true};
        const importerFile = args.namespace === 'merged' ? args.importer : key(args.importer);
        const into = groups.get(target);
        if (args.kind === 'import-statement' && into === groups.get(importerFile)) return {path: path.join(workingDir, target)};
        return {path: `./${path.basename(into)}`, external: true};
      });
    },
  };
  const heads = [...parts.keys()];
  await build({
    plugins: [merged],
    entryPoints: heads.map((head) => ({in: sources.has(head) ? `merged:${head}` : path.join(workingDir, head), out: path.basename(head, '.js')})),
    outdir,
    absWorkingDir: workingDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Two parts that export one name, each its own (not one re-exported by the other): `export *`
  // leaves the name out (esbuild's metafile still lists it), and its importers would fail to load.
  for (const head of sources.keys()) {
    const written = exportsOf(readFileSync(path.join(outdir, path.basename(head)), 'utf8'));
    for (const file of parts.get(head).concat(outputs[head] ? [head] : [])) {
      const lost = outputs[file].exports.filter((name) => !written.has(name));
      if (lost.length) throw new Error(`merge-chunks: ${file} merged into ${head} lost its exports ${lost.join(', ')} (another part exports the same names)`);
    }
  }
  return {files: heads.length};
}
