// The import rules of DESIGN.md, checked over every file in source/: imports point one way
// (core < providers < store < services < proxy < ui < cli) and no file reaches itself through its
// imports. Every `import`, `export … from` and `import()` counts, type-only ones too: a type import
// against the layers is the same coupling, only hidden from the bundle.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import ts from 'typescript';
import {repoRoot} from './helpers/cli.js';

/** Lowest first: a file may import its own layer and the layers before it. */
export const LAYERS = ['core', 'providers', 'store', 'services', 'proxy', 'ui', 'cli'] as const;

/**
 * Import circles allowed for now, each the full set of files in one circle (repo-relative paths).
 * None today: the screen registry circle went with issue 9's UI action layer.
 * Every entry must still be a circle: a stale one fails the test, so delete it when the circle goes.
 */
export const KNOWN_CIRCLES: readonly (readonly string[])[] = [];

/** Module specifiers a file imports, in source order (ts.preProcessFile: static, re-export and `import()`). */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
}

/** The file a relative specifier names (`./x.js` → `dir/x.ts` or `dir/x.tsx`), if it is one of `files`. */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = target.replace(/\.(js|jsx|ts|tsx)$/, '');
  return [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`].find((candidate) => files.has(candidate));
}

/** `source/<layer>/…` → the layer's index in LAYERS, or -1 for a file outside every layer. */
function layerOf(file: string): number {
  return (LAYERS as readonly string[]).indexOf(file.split('/')[1] ?? '');
}

/** Strongly connected components with more than one file (or a file importing itself), Tarjan's algorithm. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return found;
}

/** One path round a circle, starting and ending at its first file: `a → b → c → a`. */
function cyclePath(component: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string {
  const members = new Set(component);
  const start = component[0]!;
  const seen = new Set<string>();
  const walk = (file: string, trail: string[]): string[] | undefined => {
    for (const to of graph.get(file) ?? []) {
      if (to === start) return [...trail, to];
      if (!members.has(to) || seen.has(to)) continue;
      seen.add(to);
      const found = walk(to, [...trail, to]);
      if (found) return found;
    }
    return undefined;
  };
  return (walk(start, [start]) ?? component).join(' → ');
}

/**
 * Every broken rule in a set of files (repo-relative path → text), one message each naming the
 * file and the import. Empty when the files follow the rules.
 */
export function checkImports(files: ReadonlyMap<string, string>, knownCircles: readonly (readonly string[])[] = KNOWN_CIRCLES): string[] {
  const problems: string[] = [];
  const names = new Set(files.keys());
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const layer = layerOf(file);
    if (layer < 0) problems.push(`${file} is in no layer: put it under source/{${LAYERS.join(',')}}/`);
    const targets: string[] = [];
    for (const specifier of importsOf(text)) {
      const target = resolve(file, specifier, names);
      if (!target) continue;
      targets.push(target);
      const targetLayer = layerOf(target);
      if (layer >= 0 && targetLayer > layer) {
        problems.push(
          `${file} imports '${specifier}' (${LAYERS[targetLayer]}) against the layers: ${LAYERS[layer]} may import only ${LAYERS.slice(0, layer + 1).join(', ')}`,
        );
      }
    }
    graph.set(file, [...new Set(targets)]);
  }
  const found = circles(graph);
  for (const component of found) {
    const allowed = knownCircles.some((known) => component.every((file) => known.includes(file)));
    if (!allowed) problems.push(`import circle: ${cyclePath(component, graph)}`);
  }
  for (const known of knownCircles) {
    if (!found.some((component) => component.some((file) => known.includes(file)))) {
      problems.push(`KNOWN_CIRCLES lists a circle that is gone (${known.join(', ')}): delete the entry`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), {withFileTypes: true}).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

test('every import in source/ points down the layers and no file imports itself round a circle', () => {
  const files = new Map(sourceFiles('source').map((file) => [file, readFileSync(path.join(repoRoot, file), 'utf8')]));
  assert.ok(files.size > 50, `found only ${files.size} files under source/`);
  assert.deepEqual(checkImports(files), []);
});

test('the checker finds an import against the layers, naming the file and the import', () => {
  const files = new Map([
    ['source/core/a.ts', `export const a = 1;`],
    ['source/services/b.ts', `import {a} from '../core/a.js';\nimport type {C} from '../proxy/c.js';\nexport const b = a;`],
    ['source/proxy/c.ts', `export type C = number;`],
  ]);
  assert.deepEqual(checkImports(files, []), [
    `source/services/b.ts imports '../proxy/c.js' (proxy) against the layers: services may import only core, providers, store, services`,
  ]);
});

test('the checker finds an import circle, also through import() and export … from', () => {
  const files = new Map([
    ['source/ui/a.ts', `export {b} from './b.js';`],
    ['source/ui/b.ts', `export const b = () => import('./c.js');`],
    ['source/ui/c.ts', `import {b} from './b.js';\nimport './a.js';`],
    ['source/ui/d.ts', `import {b} from './b.js';`],
  ]);
  assert.deepEqual(checkImports(files, []), ['import circle: source/ui/a.ts → source/ui/b.ts → source/ui/c.ts → source/ui/a.ts']);
  assert.deepEqual(checkImports(files, [['source/ui/a.ts', 'source/ui/b.ts', 'source/ui/c.ts']]), []);
  assert.deepEqual(checkImports(new Map([...files].filter(([file]) => file !== 'source/ui/c.ts')), [['source/ui/a.ts', 'source/ui/b.ts', 'source/ui/c.ts']]), [
    'KNOWN_CIRCLES lists a circle that is gone (source/ui/a.ts, source/ui/b.ts, source/ui/c.ts): delete the entry',
  ]);
});

test('the checker puts a file outside every layer on the list', () => {
  assert.deepEqual(checkImports(new Map([['source/misc/x.ts', '']]), []), ['source/misc/x.ts is in no layer: put it under source/{core,providers,store,services,proxy,ui,cli}/']);
});
